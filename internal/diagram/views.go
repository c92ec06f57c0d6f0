package diagram

import (
	"fmt"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// View is one way of drawing a stack.
type View string

// The views.
const (
	Components View = "components"
	Traffic    View = "traffic"
	Security   View = "security"
)

// Views lists every view, in the order the docs show them.
var Views = []View{Components, Traffic, Security}

// ParseView reads a --view argument.
func ParseView(s string) (View, error) {
	for _, v := range Views {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown view %q (want %s)", s, joinViews())
}

func joinViews() string {
	var names []string
	for _, v := range Views {
		names = append(names, string(v))
	}
	return strings.Join(names, ", ")
}

// Build draws view of a previewed stack.
func Build(res *preview.Result, view View) (*Graph, error) {
	ix := newIndex(res)
	if len(ix.Regions()) == 0 {
		return nil, fmt.Errorf("stack %q registered no region components: nothing to draw", res.Stack)
	}
	var g *Graph
	switch view {
	case Components:
		g = buildComponents(ix)
	case Traffic:
		g = buildTraffic(ix)
	case Security:
		g = buildSecurity(ix)
	default:
		return nil, fmt.Errorf("unknown view %q (want %s)", view, joinViews())
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return g, nil
}

// stackPrefix is what the program prefixes physical names with.
func (ix *index) stackPrefix() string { return "coder-" + ix.Res.Stack }

// regionID is the node ID of a region's container.
func regionID(name string) string { return "region/" + name }

// regionLabel names a region and its role ("control-plane" → "control plane").
func regionLabel(r preview.RegionInfo) string {
	if r.Role == "" {
		return r.Name
	}
	return r.Name + " · " + strings.ReplaceAll(r.Role, "-", " ")
}
