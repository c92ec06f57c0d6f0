package resilience

import (
	"fmt"
	"slices"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

var sprintf = fmt.Sprintf

// analysis is one failure applied to one preview.
type analysis struct {
	g *graph
	f Failure
	// lostRegion is the region the lost zone or region is in.
	lostRegion string
}

// regionLost reports whether the failure takes out the whole region.
func (a *analysis) regionLost(region string) bool {
	return a.f.Kind == LoseRegion && a.f.Name == region
}

// zoneLost reports whether the failure takes out zone of region.
func (a *analysis) zoneLost(region, zone string) bool {
	return a.regionLost(region) || a.f.Kind == LoseAZ && a.f.Name == zone
}

// left are the zones of region that survive, out of zones.
func (a *analysis) left(region string, zones []string) []string {
	var out []string
	for _, z := range zones {
		if !a.zoneLost(region, z) {
			out = append(out, z)
		}
	}
	return out
}

// touches reports whether the failure reaches anything in zones of region.
func (a *analysis) touches(region string, zones []string) bool {
	return len(a.left(region, zones)) < len(zones) || a.regionLost(region)
}

// Analyze applies the failure to the preview's registered resources.
func Analyze(res *preview.Result, f Failure) (*Report, error) {
	g := newGraph(res)
	if err := f.check(g); err != nil {
		return nil, err
	}
	a := &analysis{g: g, f: f, lostRegion: f.Name}
	if f.Kind == LoseAZ {
		for _, s := range g.OfType(tSubnet) {
			if s.Str("availabilityZone") == f.Name {
				a.lostRegion = g.Region(s)
			}
		}
	}
	rep := &Report{Stack: res.Stack, Failure: f, Region: a.lostRegion}
	db := a.database()
	coderd := a.coderd(db)
	tiers := map[string]TierVerdict{
		"edge":         a.edge(),
		"coderd":       coderd,
		"provisioners": a.provisioners(),
		"workspaces":   a.workspaces(),
		"database":     db,
		"egress":       a.egress(),
		"proxies":      a.proxies(),
	}
	// Provisioners, workspaces and proxies all work through coderd: while
	// it is down no build runs and no one connects.
	if coderd.Status == Stops {
		for _, t := range []string{"provisioners", "workspaces", "proxies"} {
			if v := tiers[t]; v.Capacity != "none" {
				v.add(Stops, "coderd stops, and with it every build and connection, until it is recovered")
				v.Capacity = "coderd down"
				tiers[t] = v
			}
		}
	}
	var critical []string
	if res.Config != nil {
		critical = res.Config.Resilience.Critical
	}
	for _, name := range config.Tiers {
		v := tiers[name]
		v.Tier = name
		v.Critical = slices.Contains(critical, name)
		rep.Tiers = append(rep.Tiers, v)
	}
	rep.Recovery = a.recovery()
	rep.RPO = a.rpo()
	return rep, nil
}
