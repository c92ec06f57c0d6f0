package preview

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/internal/preflight"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks"
)

// WriteText prints the human-readable preview: tree, counts, network plan
// and diagnostics. Secret values never reach it.
func (r *Result) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Offline preview of stack %q (project %s)\n", r.Stack, r.Project)
	fmt.Fprintf(w, "Ran the real program under the Pulumi mock monitor: nothing was sent to AWS; IDs and ARNs are mock values.\n\n")
	r.writeTree(w)
	r.writeCounts(w)
	r.writePlans(w)
	r.writeQuotaNeeds(w)
	r.writeDataAndEdge(w)
	r.writeReleases(w)
	r.writeWorkloads(w)
	r.writeAlarms(w)
	r.writeDiagnostics(w)
}

type node struct {
	res      *Resource
	children []*node
	counts   map[string]int // custom descendants by type, up to the next component
}

// writeTree prints components with their own components nested and their
// custom resources summarised by type.
func (r *Result) writeTree(w io.Writer) {
	root := &node{res: &Resource{URN: r.Root, Type: "pulumi:pulumi:Stack", Name: r.Project + "-" + r.Stack}, counts: map[string]int{}}
	nodes := map[string]*node{r.Root: root}
	byURN := map[string]*Resource{}
	for _, res := range r.Resources {
		byURN[res.URN] = res
	}
	// The component that owns a resource: its nearest non-custom ancestor.
	var owner func(urn string) *node
	owner = func(urn string) *node {
		if n, ok := nodes[urn]; ok {
			return n
		}
		res := byURN[urn]
		if res == nil {
			return root
		}
		return owner(res.Parent)
	}
	for _, res := range r.Resources {
		if res.Custom || strings.HasPrefix(res.Type, "pulumi:providers:") {
			continue
		}
		n := &node{res: res, counts: map[string]int{}}
		nodes[res.URN] = n
	}
	for _, res := range r.Resources {
		if n, ok := nodes[res.URN]; ok {
			p := owner(res.Parent)
			p.children = append(p.children, n)
			continue
		}
		owner(res.Parent).counts[res.Type]++
	}
	fmt.Fprintln(w, "Resource tree (components, with the resources each one owns)")
	var walk func(n *node, prefix string, last bool, top bool)
	walk = func(n *node, prefix string, last bool, top bool) {
		branch, next := "├─ ", prefix+"│  "
		if last {
			branch, next = "└─ ", prefix+"   "
		}
		if top {
			branch, next = "", ""
		}
		fmt.Fprintf(w, "%s%s%s %s%s\n", prefix, branch, n.res.Type, n.res.Name, summary(n.counts))
		for i, c := range n.children {
			walk(c, next, i == len(n.children)-1, false)
		}
	}
	walk(root, "", true, true)
	fmt.Fprintln(w)
}

func summary(counts map[string]int) string {
	if len(counts) == 0 {
		return ""
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%d %s", counts[t], DisplayType(t))
	}
	return "  [" + strings.Join(parts, ", ") + "]"
}

func (r *Result) writeCounts(w io.Writer) {
	counts := r.ByType()
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if counts[types[i]] != counts[types[j]] {
			return counts[types[i]] > counts[types[j]]
		}
		return types[i] < types[j]
	})
	fmt.Fprintf(w, "Resources by type (%d registrations, %d types)\n", len(r.Resources), len(types))
	for _, t := range types {
		fmt.Fprintf(w, "  %5d  %s\n", counts[t], t)
	}
	fmt.Fprintln(w)
}

// writeQuotaNeeds prints the service quotas the stack needs; `platform
// preflight` compares them with the account.
func (r *Result) writeQuotaNeeds(w io.Writer) {
	if r.Config != nil {
		preflight.WriteNeeds(w, stacks.QuotaNeeds(r.Config))
	}
}

func (r *Result) writePlans(w io.Writer) {
	if r.Config == nil {
		return // the bootstrap project has no network
	}
	for _, rc := range r.Config.Regions {
		rp := r.Config.Region(rc.Name)
		p := rp.Network
		fmt.Fprintf(w, "Network plan: %s (%s, VPC %s, %d AZs; %d workspaces; %d of %d addresses allocated)\n",
			rc.Name, rc.Role, p.VpcCIDR, len(p.AZs), rp.Workspaces, p.Used, 1<<(32-p.VpcCIDR.Bits()))
		fmt.Fprintf(w, "  %-20s", "tier")
		for _, az := range p.AZs {
			fmt.Fprintf(w, " %-17s", az)
		}
		fmt.Fprintf(w, " %8s %9s\n", "need IPs", "capacity")
		for _, d := range p.Demands {
			fmt.Fprintf(w, "  %-20s", d.Tier)
			for _, s := range p.SubnetsOf(d.Tier) {
				fmt.Fprintf(w, " %-17s", s.CIDR)
			}
			fmt.Fprintf(w, " %8d %9d\n", d.NeedIPs, d.Capacity)
		}
		for _, d := range p.Demands {
			fmt.Fprintf(w, "    %s: %s; ×%d headroom over %d AZs = %d per AZ → /%d (%d usable each)\n",
				d.Tier, d.Basis, sizing.Headroom, len(p.AZs), d.PerAZ, d.PrefixLen, d.Capacity/len(p.AZs))
		}
		fmt.Fprintln(w)
	}
}

func (r *Result) writeDiagnostics(w io.Writer) {
	fmt.Fprintf(w, "Diagnostics (%d)\n", len(r.Diagnostics))
	if len(r.Diagnostics) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, d := range r.Diagnostics {
		fmt.Fprintf(w, "  %-7s %s: %s\n", d.Severity, d.Subject, d.Message)
	}
	fmt.Fprintln(w)
}

// DisplayType shortens a type token: "aws:ec2/subnet:Subnet" → "ec2.Subnet",
// "pulumi:providers:aws" → "provider aws".
func DisplayType(t string) string {
	if p, ok := strings.CutPrefix(t, "pulumi:providers:"); ok {
		return "provider " + p
	}
	parts := strings.Split(t, ":")
	if len(parts) != 3 {
		return t
	}
	mod := parts[1]
	if mod == "index" || strings.HasPrefix(mod, "index/") {
		return parts[0] + "." + parts[2]
	}
	// Keep Kubernetes API versions (core/v1); drop the file part of AWS modules (ec2/vpc).
	if i := strings.LastIndex(mod, "/"); i >= 0 && !apiVersion.MatchString(mod[i+1:]) {
		mod = mod[:i]
	}
	return mod + "." + parts[2]
}

var apiVersion = regexp.MustCompile(`^v\d+((alpha|beta)\d+)?$`)
