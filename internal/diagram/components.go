package diagram

import (
	"fmt"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// buildComponents draws the component tree: each region, the components
// the program registered in it (nested as registered), a few summary boxes
// per component read from its resources' inputs, and which component uses
// which (from the resources' dependencies).
func buildComponents(ix *index) *Graph {
	g := NewGraph(ix.Res.Stack+" · components", "down")
	ids := map[*preview.Resource]string{}
	// Stack-wide components (the DNS zone) sit outside the regions.
	for _, c := range ix.Children[ix.Res.Root] {
		if isComponent(c) {
			addComponent(g, ix, c, "", ids)
		}
	}
	for _, reg := range ix.Regions() {
		rid := g.Add(Node{ID: regionID(reg.Name), Label: regionLabel(reg) + regionLoad(reg.Res), Class: ClassRegion})
		for _, c := range ix.Children[reg.Res.URN] {
			if isComponent(c) {
				addComponent(g, ix, c, rid, ids)
			}
		}
	}
	connectDependencies(g, ix, ids)
	return g
}

// regionLoad is the workload the region was sized for, from its inputs.
func regionLoad(r *preview.Resource) string {
	users, okU := r.Num("users")
	ws, okW := r.Num("workspaces")
	if !okU || !okW {
		return ""
	}
	return fmt.Sprintf(" · %s users, %s workspaces", num(users), num(ws))
}

// addComponent adds component c under parent: a container of its summary
// boxes and child components, or a single box when it has one summary and
// no child components.
func addComponent(g *Graph, ix *index, c *preview.Resource, parent string, ids map[*preview.Resource]string) {
	id := parent + "/" + componentKey(ix, c)
	ids[c] = id
	title := componentTitle(ix, c)
	var sub []*preview.Resource
	for _, ch := range ix.Children[c.URN] {
		if isComponent(ch) {
			sub = append(sub, ch)
		}
	}
	boxes := summarize(ix, c)
	if len(sub) == 0 && len(boxes) <= 1 {
		label := title
		cls := ClassResource
		shape := ""
		if len(boxes) == 1 {
			label += "\n" + boxes[0].Label
			cls, shape = boxes[0].Class, boxes[0].Shape
		}
		g.Add(Node{ID: id, Label: label, Parent: parent, Class: cls, Shape: shape})
		return
	}
	g.Add(Node{ID: id, Label: title, Parent: parent, Class: ClassGroup})
	for _, b := range boxes {
		b.ID = id + "/" + b.ID
		b.Parent = id
		g.Add(b)
	}
	for _, ch := range sub {
		addComponent(g, ix, ch, id, ids)
	}
}

// componentKey is "vpc", "keys-dr-us-west-2", "template-tpl-pod-swdev":
// the type, and what the name adds to the stack and region prefix.
func componentKey(ix *index, c *preview.Resource) string {
	typ := strings.ToLower(c.Type[strings.LastIndex(c.Type, ":")+1:])
	rest := strings.TrimPrefix(c.Name, ix.stackPrefix())
	if reg := ix.Region(c); reg != "" {
		rest = strings.TrimPrefix(rest, "-"+reg)
	}
	if rest = strings.Trim(rest, "-"); rest != "" {
		return typ + "-" + rest
	}
	return typ
}

// connectDependencies draws "A uses B" between components whenever a
// resource of A was registered depending on a resource of B, leaving out
// what a longer path already implies, so the picture keeps its shape.
func connectDependencies(g *Graph, ix *index, ids map[*preview.Resource]string) {
	uses := map[string]map[string]bool{}
	var order []string
	for _, r := range ix.All {
		a := ix.component(r)
		if a == nil {
			continue
		}
		for _, d := range ix.dependsOn(r) {
			b := ix.component(d)
			if b == nil || a == b || ix.isUnder(a, b) || ix.isUnder(b, a) {
				continue
			}
			from, to := ids[a], ids[b]
			if from == "" || to == "" {
				continue
			}
			if uses[from] == nil {
				uses[from] = map[string]bool{}
				order = append(order, from)
			}
			uses[from][to] = true
		}
	}
	for _, from := range order {
		for _, to := range preview.SortedKeys(uses[from]) {
			if !reachableWithout(uses, from, to) {
				g.Connect(Edge{From: from, To: to, Class: EdgeDepends})
			}
		}
	}
}

// reachableWithout reports whether to is reachable from from through at
// least one other component.
func reachableWithout(uses map[string]map[string]bool, from, to string) bool {
	seen := map[string]bool{from: true}
	var stack []string
	for next := range uses[from] {
		if next != to {
			stack = append(stack, next)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == to {
			return true
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		for next := range uses[n] {
			stack = append(stack, next)
		}
	}
	return false
}

// componentTitle names a component by what it is.
func componentTitle(ix *index, c *preview.Resource) string {
	if t, ok := titles[c.Type]; ok {
		return t(ix, c)
	}
	return c.Type + " " + c.Name
}

var titles = map[string]func(ix *index, c *preview.Resource) string{
	"coder:network:Vpc": func(ix *index, c *preview.Resource) string {
		for _, v := range ix.under(c, "aws:ec2/vpc:Vpc") {
			return "VPC " + v.Str("cidrBlock")
		}
		return "VPC"
	},
	"coder:cluster:Cluster": func(ix *index, c *preview.Resource) string { return "EKS cluster " + c.Name },
	"coder:database:Aurora": func(*index, *preview.Resource) string { return "database" },
	"coder:edge:LoadBalancer": func(*index, *preview.Resource) string {
		return "load balancer"
	},
	"coder:dns:Certificate": func(*index, *preview.Resource) string { return "certificate" },
	"coder:dns:Records":     func(*index, *preview.Resource) string { return "DNS records" },
	"coder:dns:Zone": func(_ *index, c *preview.Resource) string {
		return fmt.Sprintf("DNS zone %s (%s)", c.Str("baseDomain"), c.Str("provider"))
	},
	"coder:security:Keys": func(_ *index, c *preview.Resource) string {
		return "KMS keys in " + c.Str("region")
	},
	"coder:observability:Prometheus": func(*index, *preview.Resource) string { return "managed Prometheus" },
	"coder:observability:Monitoring": func(*index, *preview.Resource) string { return "monitoring" },
	"coder:observability:Dashboards": func(*index, *preview.Resource) string { return "Grafana dashboards" },
	"coder:coder:Coder": func(_ *index, c *preview.Resource) string {
		return "Coder " + strings.ReplaceAll(c.Str("role"), "-", " ")
	},
	"coder:templates:Template":     func(_ *index, c *preview.Resource) string { return "template " + c.Str("name") },
	"coder:delivery:Configuration": func(*index, *preview.Resource) string { return "Day-2 configuration" },
	"coder:delivery:BuildRetries":  func(*index, *preview.Resource) string { return "build retries" },
	"coder:resilience:HomeBackup": func(_ *index, c *preview.Resource) string {
		return "home volume backups (" + c.Str("schedule") + ")"
	},
	"coder:resilience:HomeRestore": func(_ *index, c *preview.Resource) string { return "restored home " + c.Str("claim") },
	"coder:database:Standby":       func(*index, *preview.Resource) string { return "Aurora standby (global database)" },
}
