package resilience

import (
	"encoding/json"
	"io"
	"time"

	"github.com/platformeng/coder-platform/stacks/config"
)

// Report is what one failure does to one stack.
type Report struct {
	Stack   string  `json:"stack"`
	Failure Failure `json:"failure"`
	// Region is the region the lost zone is in, or the lost region.
	Region   string        `json:"region"`
	Tiers    []TierVerdict `json:"tiers"`
	Recovery Recovery      `json:"recovery"`
	RPO      RPO           `json:"rpo"`
}

// RPO is the most recent work the design can lose in this kind of
// failure (config LeastRPO), against the declared resilience.rpo.
type RPO struct {
	Design  time.Duration `json:"-"`
	Minutes float64       `json:"minutes"` // -1: unbounded
	Why     string        `json:"why"`
	Target  string        `json:"target"`
	Met     bool          `json:"met"`
	// Note is where the preview disagrees with the config the RPO comes
	// from: home volumes the config backs up that no selection covers.
	Note string `json:"note,omitempty"`
}

func (a *analysis) rpo() RPO {
	cfg := a.g.Res.Config
	if cfg == nil {
		return RPO{Met: true}
	}
	least, why := cfg.LeastRPO(a.f.Target())
	target := cfg.Resilience.RPO.Duration(a.f.Target())
	r := RPO{Design: least, Minutes: least.Minutes(), Why: why, Target: cfg.Resilience.RPO.Of(a.f.Target()), Met: least <= target}
	if least == config.Unbounded {
		r.Minutes = -1
	}
	if cover := a.homeBackup(a.lostRegion); cfg.Resilience.Volumes.On() && a.running(a.lostRegion) > 0 && !cover.Backed {
		r.Note = "resilience.volumes backs up home volumes, but in the preview " + cover.text
	}
	return r
}

// Stopped are the critical tiers the failure stops.
func (r *Report) Stopped() []string {
	var out []string
	for _, t := range r.Tiers {
		if t.Critical && t.Status == Stops {
			out = append(out, t.Tier)
		}
	}
	return out
}

// Failed reports whether the stack does not survive the failure as
// declared: a critical tier stops, or the recovery estimate misses the
// RTO, or the design's RPO misses the declared one. The command exits 1.
func (r *Report) Failed() bool {
	return len(r.Stopped()) > 0 || !r.Recovery.Met || !r.RPO.Met
}

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		*Report
		Failed bool `json:"failed"`
	}{r, r.Failed()}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
