package observability

import (
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// SLORuleNamespace is the AMP rule namespace of the SLO recordings; the
// alerts on them are in the alerts' namespace, "coder-alerts".
const SLORuleNamespace = "coder-slo"

// recordings are the region's recording rules (thresholds.Recordings):
// the provisioners' in every region, coderd's with coder, the error
// budget filled in from the build SLO.
func (s scope) recordings(coder bool) []thresholds.Recording {
	budget := strconv.FormatFloat(thresholds.Budget(s.t), 'g', -1, 64)
	var out []thresholds.Recording
	for _, r := range thresholds.Recordings {
		if r.On == thresholds.ProvisionerMetrics || (coder && r.On == thresholds.CoderMetrics) {
			r.Expr = strings.ReplaceAll(r.Expr, "{budget}", budget)
			out = append(out, r)
		}
	}
	return out
}

// recordingGroups renders the recordings as a Prometheus rules file of one
// group, evaluated every thresholds.RecordingInterval.
func recordingGroups(recs []thresholds.Recording) (string, error) {
	var rules []map[string]any
	for _, r := range recs {
		rule := map[string]any{"record": r.Record, "expr": r.Expr}
		if len(r.Labels) > 0 {
			rule["labels"] = r.Labels
		}
		rules = append(rules, rule)
	}
	b, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{
		"name": "coder-slo", "interval": thresholds.RecordingInterval, "rules": rules,
	}}})
	return string(b), err
}
