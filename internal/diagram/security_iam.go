package diagram

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// trust is one principal a role's trust policy lets assume it.
type trust struct {
	Kind      string // Service, Federated or AWS
	Principal string
	Actions   string
	// Subject is the IRSA service account (namespace/name) a federated
	// statement is conditioned on.
	Subject string
}

// trusts parses a role's assumeRolePolicy; an unknown policy gives none.
func trusts(role *preview.Resource) []trust {
	var doc struct {
		Statement []struct {
			Effect    string
			Action    any
			Principal map[string]any
			Condition map[string]map[string]any
		}
	}
	if json.Unmarshal([]byte(role.Str("assumeRolePolicy")), &doc) != nil {
		return nil
	}
	var out []trust
	for _, st := range doc.Statement {
		if st.Effect != "Allow" {
			continue
		}
		subject := ""
		for _, cond := range st.Condition {
			for k, v := range cond {
				if s, ok := v.(string); ok && strings.HasSuffix(k, ":sub") {
					subject = strings.Replace(strings.TrimPrefix(s, "system:serviceaccount:"), ":", "/", 1)
				}
			}
		}
		for _, kind := range preview.SortedKeys(st.Principal) {
			for _, p := range strList(st.Principal[kind]) {
				out = append(out, trust{Kind: kind, Principal: p, Actions: strings.Join(strList(st.Action), ", "), Subject: subject})
			}
		}
	}
	return out
}

func strList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// addRoles groups the region's roles by purpose (the component that owns
// them) and by the kind of principal that assumes them, draws each
// principal's "assumes" edge, and the keys the roles' inline policies
// grant.
func addRoles(ix *index, g *Graph, reg preview.RegionInfo, rid string, keys map[*preview.Resource]string) {
	roles := ix.under(reg.Res, "aws:iam/role:Role")
	if len(roles) == 0 {
		return
	}
	iam := g.Add(Node{ID: rid + "/iam", Label: "IAM roles by purpose", Parent: rid, Class: ClassGroup})
	lines := map[string][]string{}
	var groups []string
	groupOf := map[*preview.Resource]string{}
	principals := map[string]map[string]bool{} // group → principal node → actions
	for _, role := range roles {
		ts := trusts(role)
		kind := "unknown principal"
		if len(ts) > 0 {
			kind = ts[0].Kind
		}
		purpose := "stack"
		if c := ix.component(role); c != nil {
			// The type's module: network, cluster, database, coder, observability.
			purpose = strings.Split(c.Type, ":")[1]
		}
		gid := iam + "/" + purpose + "/" + kind
		if _, ok := lines[gid]; !ok {
			groups = append(groups, gid)
			lines[gid] = []string{purpose + " · " + principalKind(kind)}
		}
		groupOf[role] = gid
		line := short(role.Name, ix.stackPrefix(), reg.Name)
		if len(ts) > 0 && ts[0].Subject != "" {
			line += " ← " + ts[0].Subject
		}
		lines[gid] = append(lines[gid], line)
		for _, tr := range ts {
			p := principalNode(g, rid, tr)
			if principals[gid] == nil {
				principals[gid] = map[string]bool{}
			}
			principals[gid][p+"\x00"+tr.Actions] = true
		}
	}
	for _, gid := range groups {
		ls := lines[gid]
		sort.Strings(ls[1:])
		g.Add(Node{ID: gid, Parent: iam, Class: ClassRole, Label: strings.Join(ls, "\n")})
		for _, pa := range preview.SortedKeys(principals[gid]) {
			p, actions, _ := strings.Cut(pa, "\x00")
			g.Connect(Edge{From: p, To: gid, Label: actions, Class: EdgeAssumes})
		}
	}
	for _, pol := range ix.under(reg.Res, "aws:iam/rolePolicy:RolePolicy") {
		role := ix.target(pol, "role")
		for _, k := range ix.Targets(pol, "policy") {
			if keys[k] != "" && groupOf[role] != "" {
				g.Connect(Edge{From: groupOf[role], To: keys[k], Label: "may use (inline policy)", Class: EdgeUses})
			}
		}
	}
}

func principalKind(kind string) string {
	switch kind {
	case "Federated":
		return "IRSA (service account ← role)"
	case "Service":
		return "AWS service roles"
	case "AWS":
		return "assumed by IAM principals"
	}
	return kind
}

// principalNode is the region's node for a principal, added on first use.
// An EKS OIDC provider is named by what it is, not by its mock ARN.
func principalNode(g *Graph, rid string, tr trust) string {
	label := tr.Principal
	key := tr.Kind + "/" + tr.Principal
	if _, issuer, ok := strings.Cut(tr.Principal, ":oidc-provider/oidc.eks."); ok {
		region, _, _ := strings.Cut(issuer, ".")
		label = "EKS OIDC provider (" + region + ")\nservice accounts of the cluster"
		key = tr.Kind + "/eks-oidc-" + region
	}
	return g.Add(Node{ID: rid + "/principals/" + key, Parent: rid, Class: ClassPrincipal, Label: label})
}
