// Package diagram draws a stack from its offline preview: the resources the
// program registered, their inputs and the component tree. A view builds a
// Graph from a preview.Result; the renderers turn a Graph into D2, SVG (the
// D2 library, in process) or a Mermaid flowchart. Nothing is drawn from a
// second description of the architecture, so a diagram cannot disagree with
// the code.
package diagram

import (
	"fmt"
	"strings"
)

// Node classes: how a node is drawn.
const (
	ClassRegion    = "region"
	ClassGroup     = "group" // a component or another container
	ClassResource  = "resource"
	ClassData      = "data"     // a data store
	ClassExternal  = "external" // outside the stack: users, the internet
	ClassKey       = "key"
	ClassRole      = "role"
	ClassPrincipal = "principal"
	ClassSG        = "sg"
)

// Edge classes: what an edge says.
const (
	EdgeDepends  = "depends"  // a component uses another's outputs
	EdgeTLS      = "tls"      // traffic over TLS
	EdgePlain    = "plain"    // traffic without TLS
	EdgeFact     = "fact"     // drawn from the components' roles, not from inputs
	EdgeEncrypts = "encrypts" // a KMS key encrypts the target
	EdgeUses     = "uses"     // an IAM policy grants the use of a key
	EdgeAssumes  = "assumes"  // a principal the trust policy names
	EdgeAllows   = "allows"   // a security-group rule
	EdgeEgress   = "egress"   // traffic leaving along a route
)

// Node is a box, or a container when other nodes name it as Parent.
type Node struct {
	ID     string
	Label  string
	Parent string
	Class  string
	// Shape overrides the class's shape ("cylinder", "person", "cloud").
	Shape string
}

// Edge connects two nodes; Both draws it both ways.
type Edge struct {
	From, To string
	Label    string
	Class    string
	Both     bool
}

// Graph is one view of a stack. Nodes and edges keep the order they were
// added in; builders add them in a stable order, so the output is stable.
type Graph struct {
	Title string
	// Direction is the layout's main direction: "right" or "down".
	Direction string

	nodes []*Node
	byID  map[string]*Node
	edges []Edge
	seen  map[Edge]bool
}

// NewGraph returns an empty graph.
func NewGraph(title, direction string) *Graph {
	return &Graph{Title: title, Direction: direction, byID: map[string]*Node{}, seen: map[Edge]bool{}}
}

// Add adds n unless a node with its ID exists, and returns the ID.
func (g *Graph) Add(n Node) string {
	if _, ok := g.byID[n.ID]; !ok {
		c := n
		g.nodes = append(g.nodes, &c)
		g.byID[n.ID] = &c
	}
	return n.ID
}

// Connect adds e unless the same edge was added before.
func (g *Graph) Connect(e Edge) {
	if e.From == "" || e.To == "" || g.seen[e] {
		return
	}
	g.seen[e] = true
	g.edges = append(g.edges, e)
}

// Node returns the node with id, or nil.
func (g *Graph) Node(id string) *Node { return g.byID[id] }

// Nodes returns the nodes in the order they were added.
func (g *Graph) Nodes() []*Node { return g.nodes }

// Edges returns the edges in the order they were added.
func (g *Graph) Edges() []Edge { return g.edges }

// Children returns the nodes whose parent is id ("" for the top level).
func (g *Graph) Children(id string) []*Node {
	var out []*Node
	for _, n := range g.nodes {
		if n.Parent == id {
			out = append(out, n)
		}
	}
	return out
}

// IsContainer reports whether a node holds others.
func (g *Graph) IsContainer(id string) bool {
	for _, n := range g.nodes {
		if n.Parent == id {
			return true
		}
	}
	return false
}

// Validate checks that every parent and edge end exists and that no node
// contains itself: what a renderer relies on.
func (g *Graph) Validate() error {
	var problems []string
	for _, n := range g.nodes {
		seen := map[string]bool{n.ID: true}
		for p := n.Parent; p != ""; p = g.byID[p].Parent {
			if g.byID[p] == nil {
				problems = append(problems, fmt.Sprintf("node %q: parent %q does not exist", n.ID, p))
				break
			}
			if seen[p] {
				problems = append(problems, fmt.Sprintf("node %q: parents form a cycle at %q", n.ID, p))
				break
			}
			seen[p] = true
		}
	}
	for _, e := range g.edges {
		for _, end := range []string{e.From, e.To} {
			if g.byID[end] == nil {
				problems = append(problems, fmt.Sprintf("edge %s -> %s: node %q does not exist", e.From, e.To, end))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("diagram %q is inconsistent: %s", g.Title, strings.Join(problems, "; "))
	}
	return nil
}
