package diagram

import (
	"fmt"
	"strings"
)

// buildSecurity draws, per region, the KMS keys and what each encrypts,
// the IAM roles grouped by purpose with the principals their trust
// policies name, and the paths security-group rules open. All of it comes
// from registered inputs and the references between them.
func buildSecurity(ix *index) *Graph {
	g := NewGraph(ix.Res.Stack+" · security", "right")
	sg := newSGPaths(ix, g)
	for _, reg := range ix.Regions() {
		rid := g.Add(Node{ID: regionID(reg.Name), Label: regionLabel(reg), Class: ClassRegion})
		keys := addKeys(ix, g, reg, rid)
		addRoles(ix, g, reg, rid, keys)
		sg.place(reg, rid)
	}
	sg.connect()
	return g
}

// nameList prints up to max names, then how many more.
func nameList(names []string, max int) string {
	names = uniqSorted(names)
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s, +%d more", strings.Join(names[:max], ", "), len(names)-max)
}
