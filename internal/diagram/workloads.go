package diagram

import (
	"fmt"
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// workload is something that sends traffic: coderd or a workspace proxy,
// a provisioner pool, or the workspaces, with the node groups it runs on.
type workload struct {
	ID      string
	Label   string
	Release *preview.Resource // nil for the workspaces
	Groups  []*preview.Resource
	Region  string
}

// workloads finds the region's workloads: the Helm releases of Coder's
// charts, placed on node groups by their nodeSelector, and the workspaces,
// which run on the node groups labelled for them (coder-ws, the label the
// templates' pods select).
func (ix *index) workloads(reg preview.RegionInfo) []workload {
	groups := ix.under(reg.Res, "aws:eks/nodeGroup:NodeGroup")
	var out []workload
	for _, rel := range ix.under(reg.Res, "kubernetes:helm.sh/v3:Release") {
		replicas, _ := rel.Num("values.coder.replicaCount")
		var label string
		switch rel.Str("chart") {
		case "coder":
			label = "coderd"
			if inBool(rel, "values.coder.workspaceProxy", false) {
				label = "workspace proxy"
			}
		case "coder-provisioner":
			label = "provisioners " + strings.TrimPrefix(rel.Str("name"), "coder-provisioner-")
		default:
			continue
		}
		out = append(out, workload{ID: regionID(reg.Name) + "/" + rel.Str("name"), Region: reg.Name, Release: rel,
			Label: fmt.Sprintf("%s ×%s", label, num(replicas)), Groups: selectGroups(groups, inMap(rel, "values.coder.nodeSelector"))})
	}
	if ws := selectGroups(groups, map[string]any{"coder-ws": "true"}); len(ws) > 0 {
		var names []string
		for _, g := range ws {
			names = append(names, g.Str("nodeGroupName"))
		}
		sort.Strings(names)
		out = append(out, workload{ID: regionID(reg.Name) + "/workspaces", Region: reg.Name, Groups: ws,
			Label: "workspace agents\nnode groups " + joinComma(names)})
	}
	return out
}

// selectGroups returns the node groups whose labels hold every key=value
// of selector; none for an empty selector.
func selectGroups(groups []*preview.Resource, selector map[string]any) []*preview.Resource {
	if len(selector) == 0 {
		return nil
	}
	var out []*preview.Resource
	for _, g := range groups {
		labels := inMap(g, "labels")
		ok := true
		for k, v := range selector {
			if labels[k] != v {
				ok = false
			}
		}
		if ok {
			out = append(out, g)
		}
	}
	return out
}

// securityGroups are the groups a node group's launch template attaches.
func (ix *index) securityGroups(groups []*preview.Resource) []*preview.Resource {
	seen := map[*preview.Resource]bool{}
	var out []*preview.Resource
	for _, g := range groups {
		if lt := ix.target(g, "launchTemplate"); lt != nil {
			for _, sg := range ix.Targets(lt, "vpcSecurityGroupIds") {
				if !seen[sg] {
					seen[sg] = true
					out = append(out, sg)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// rules are the security-group rules of type t (ingress or egress) on sgs.
func (ix *index) rules(sgs []*preview.Resource, t string) []*preview.Resource {
	var out []*preview.Resource
	for _, sg := range sgs {
		for _, r := range ix.referrers[sg.URN] {
			if r.Prop == "securityGroupId" && r.From.Type == t {
				out = append(out, r.From)
			}
		}
	}
	return out
}

const (
	tIngress = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tEgress  = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
)
