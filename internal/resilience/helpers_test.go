package resilience

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/internal/preview/previewtest"
)

var stacksUnderTest = []string{"prod", "workshop"}

// previewOf runs the committed stack file's offline preview once per test
// binary, as `platform resilience` does.
func previewOf(t *testing.T, stack string) *preview.Result { return previewtest.Committed(t, stack) }

// analyze applies a failure, which must be valid.
func analyze(t *testing.T, res *preview.Result, lose string) *Report {
	t.Helper()
	f, err := ParseFailure(lose)
	require.NoError(t, err)
	rep, err := Analyze(res, f)
	require.NoError(t, err)
	return rep
}

func tierOf(t *testing.T, rep *Report, name string) TierVerdict {
	t.Helper()
	for _, v := range rep.Tiers {
		if v.Tier == name {
			return v
		}
	}
	t.Fatalf("no tier %s in the report", name)
	return TierVerdict{}
}

// failures are every zone of every region, then every region, of a stack
// as its config declares them.
func failures(res *preview.Result) []string {
	var out []string
	for _, r := range res.Config.Regions {
		for _, z := range r.AvailabilityZones {
			out = append(out, "az:"+z)
		}
	}
	for _, r := range res.Config.Regions {
		out = append(out, "region:"+r.Name)
	}
	return out
}

// ofType lists the preview's resources of type t in region ("" for any).
func ofType(res *preview.Result, t, region string) []*preview.Resource {
	g := newGraph(res)
	var out []*preview.Resource
	for _, r := range g.OfType(t) {
		if region == "" || g.Region(r) == region {
			out = append(out, r)
		}
	}
	return out
}

// mutated is a copy of the preview whose resource urn has its inputs
// changed by edit (on plain values), the program untouched.
func mutated(t *testing.T, res *preview.Result, urn string, edit func(in map[string]any)) *preview.Result {
	t.Helper()
	out := *res
	out.Resources = nil
	found := false
	for _, r := range res.Resources {
		if r.URN == urn {
			c := *r
			in := preview.Plain(r.Inputs)
			edit(in)
			c.Inputs = preview.FromPlain(in)
			r, found = &c, true
		}
		out.Resources = append(out.Resources, r)
	}
	require.True(t, found, "no resource %s", urn)
	return &out
}
