package report

import (
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Node is a component of the resource tree: its own components nested, and
// the custom resources (and providers) it owns counted by type, as the
// text preview prints them.
type Node struct {
	Type, Name, URN string
	Counts          []TypeCount
	Children        []*Node
	// Own is the resources counted in Counts; Total is every registration
	// under the node, its components included, the node itself excluded.
	Own, Total int
	// Open shows the stack and its top-level components unfolded.
	Open bool
}

// TypeCount is how many resources of one type.
type TypeCount struct {
	Type, Display string
	Count         int
}

// buildTree nests components under the component that owns them: the
// nearest ancestor that is a component.
func buildTree(r *preview.Result) *Node {
	root := &Node{Type: "pulumi:pulumi:Stack", Name: r.Project + "-" + r.Stack, URN: r.Root}
	nodes := map[string]*Node{r.Root: root}
	byURN := map[string]*preview.Resource{}
	for _, res := range r.Resources {
		byURN[res.URN] = res
		if !res.Custom && !strings.HasPrefix(res.Type, "pulumi:providers:") {
			nodes[res.URN] = &Node{Type: res.Type, Name: res.Name, URN: res.URN}
		}
	}
	owner := func(urn string) *Node {
		for urn != "" {
			if n, ok := nodes[urn]; ok {
				return n
			}
			res := byURN[urn]
			if res == nil {
				break
			}
			urn = res.Parent
		}
		return root
	}
	counts := map[*Node]map[string]int{}
	for _, res := range r.Resources {
		p := owner(res.Parent)
		if n, ok := nodes[res.URN]; ok && n != root {
			p.Children = append(p.Children, n)
			continue
		}
		if counts[p] == nil {
			counts[p] = map[string]int{}
		}
		counts[p][res.Type]++
	}
	for n, c := range counts {
		n.Counts = sortedCounts(c, false)
		for _, tc := range n.Counts {
			n.Own += tc.Count
		}
	}
	total(root)
	root.Open = true
	for _, c := range root.Children {
		c.Open = true
	}
	return root
}

func total(n *Node) int {
	n.Total = n.Own
	for _, c := range n.Children {
		n.Total += 1 + total(c)
	}
	return n.Total
}

// sortedCounts orders by type name, or by count (largest first) when
// byCount.
func sortedCounts(c map[string]int, byCount bool) []TypeCount {
	out := make([]TypeCount, 0, len(c))
	for t, n := range c {
		out = append(out, TypeCount{Type: t, Display: preview.DisplayType(t), Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if byCount && out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Type < out[j].Type
	})
	return out
}
