package diagram

import (
	"fmt"
	"strings"
)

// keys gives every node a short key, unique among its siblings, for D2
// (which addresses a node by the path of its ancestors' keys) and a
// globally unique one for Mermaid. Keys are derived from IDs in node order,
// so they are stable across runs.
type keys struct {
	local  map[string]string // node ID → key among its siblings
	global map[string]string // node ID → key in the whole graph
	g      *Graph
}

const maxKey = 32

func newKeys(g *Graph) *keys {
	k := &keys{local: map[string]string{}, global: map[string]string{}, g: g}
	taken := map[string]bool{}  // parent + key
	takenG := map[string]bool{} // global keys
	for _, n := range g.Nodes() {
		local := strings.TrimPrefix(n.ID, n.Parent+"/")
		k.local[n.ID] = unique(slug(local, maxKey), func(s string) bool { return taken[n.Parent+"\x00"+s] })
		taken[n.Parent+"\x00"+k.local[n.ID]] = true
		k.global[n.ID] = unique(slug(n.ID, 4*maxKey), func(s string) bool { return takenG[s] })
		takenG[k.global[n.ID]] = true
	}
	return k
}

// path is a node's D2 path: its ancestors' keys and its own, dotted.
func (k *keys) path(id string) string {
	var parts []string
	for n := k.g.Node(id); n != nil; n = k.g.Node(n.Parent) {
		parts = append([]string{k.local[n.ID]}, parts...)
	}
	return strings.Join(parts, ".")
}

// slug keeps [a-z0-9], turns runs of anything else into "_", and prefixes
// "n" so that no key is a D2 or Mermaid keyword ("label", "end", ...).
func slug(s string, max int) string {
	var b strings.Builder
	b.WriteString("n")
	under := true
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			under = false
		case !under:
			b.WriteByte('_')
			under = true
		}
	}
	out := strings.TrimSuffix(b.String(), "_")
	if len(out) > max {
		out = strings.TrimSuffix(out[:max], "_")
	}
	return out
}

func unique(s string, taken func(string) bool) string {
	if !taken(s) {
		return s
	}
	for i := 2; ; i++ {
		if c := fmt.Sprintf("%s_%d", s, i); !taken(c) {
			return c
		}
	}
}
