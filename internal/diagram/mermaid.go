package diagram

import (
	"fmt"
	"strings"
)

// Mermaid renders g as a Mermaid flowchart, which GitHub draws inline:
// containers become subgraphs, and edges are declared after every node.
func Mermaid(g *Graph) string {
	k := newKeys(g)
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: \"%s\"\n---\n", strings.ReplaceAll(g.Title, `"`, `'`))
	dir := "TB"
	if g.Direction == "right" {
		dir = "LR"
	}
	fmt.Fprintf(&b, "flowchart %s\n", dir)
	var write func(parent string, depth int)
	write = func(parent string, depth int) {
		indent := strings.Repeat("  ", depth+1)
		for _, n := range g.Children(parent) {
			id := k.global[n.ID]
			if g.IsContainer(n.ID) {
				fmt.Fprintf(&b, "%ssubgraph %s[\"%s\"]\n", indent, id, mermaidText(n.Label))
				write(n.ID, depth+1)
				fmt.Fprintf(&b, "%send\n", indent)
				continue
			}
			open, closing := mermaidShape(n)
			fmt.Fprintf(&b, "%s%s%s\"%s\"%s:::%s\n", indent, id, open, mermaidText(n.Label), closing, n.Class)
		}
	}
	write("", 0)
	for _, e := range g.Edges() {
		arrow := mermaidArrow(e)
		if e.Label != "" {
			arrow += "|\"" + mermaidText(e.Label) + "\"|"
		}
		fmt.Fprintf(&b, "  %s %s %s\n", k.global[e.From], arrow, k.global[e.To])
	}
	b.WriteString(mermaidClasses)
	return b.String()
}

func mermaidShape(n *Node) (string, string) {
	switch n.Shape {
	case "cylinder":
		return "[(", ")]"
	case "person":
		return "((", "))"
	case "cloud":
		return "{{", "}}"
	}
	return "[", "]"
}

// mermaidArrow: thick for TLS, dotted for what is not traffic.
func mermaidArrow(e Edge) string {
	var a string
	switch e.Class {
	case EdgeTLS:
		a = "==>"
	case EdgeFact, EdgeEncrypts, EdgeUses, EdgeAssumes, EdgeDepends:
		a = "-.->"
	default:
		a = "-->"
	}
	if e.Both {
		a = "<" + a
	}
	return a
}

// mermaidText escapes a label for a quoted Mermaid string.
func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "\n", "<br/>")
	return r.Replace(s)
}

const mermaidClasses = `  classDef region fill:#EEF2F7,stroke:#475569
  classDef group fill:#F8FAFC,stroke:#94A3B8
  classDef resource fill:#FFFFFF,stroke:#64748B
  classDef data fill:#FEF3C7,stroke:#B45309
  classDef external fill:#E0F2FE,stroke:#0369A1
  classDef key fill:#EDE9FE,stroke:#6D28D9
  classDef role fill:#DCFCE7,stroke:#15803D
  classDef principal fill:#F1F5F9,stroke:#334155
  classDef sg fill:#FFE4E6,stroke:#BE123C
`
