package diagram

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// traffic holds the traffic view while it is drawn: the graph and the node
// of each resource or workload already placed.
type traffic struct {
	ix        *index
	g         *Graph
	lbs       map[*preview.Resource]string
	workloads []workload
	dbs       map[*preview.Resource]string
}

// buildTraffic draws who talks to whom, on which port, over TLS or not:
// users through DNS and the load balancers to coderd and the proxies,
// coderd to the database, provisioners, proxies and workspace agents to
// the control plane, and egress through NAT. Every edge but the users'
// name lookups comes from registered inputs: records, listeners, target
// groups and their bindings, Helm values, security-group rules and routes.
func buildTraffic(ix *index) *Graph {
	t := &traffic{ix: ix, g: NewGraph(ix.Res.Stack+" · traffic", "down"),
		lbs: map[*preview.Resource]string{}, dbs: map[*preview.Resource]string{}}
	t.g.Add(Node{ID: "users", Label: "users\nbrowsers, CLI, IDEs", Class: ClassExternal, Shape: "person"})
	for _, reg := range ix.Regions() {
		t.placeRegion(reg)
	}
	t.connectEntry()
	t.connectBackends()
	t.connectClients()
	t.connectEgress()
	return t.g
}

// placeRegion adds a region's load balancers, databases and workloads.
func (t *traffic) placeRegion(reg preview.RegionInfo) {
	rid := t.g.Add(Node{ID: regionID(reg.Name), Label: regionLabel(reg), Class: ClassRegion})
	for _, lb := range t.ix.under(reg.Res, tLB) {
		lines := []string{fmt.Sprintf("%s load balancer", lb.Str("loadBalancerType"))}
		for _, l := range t.ix.under(lb, tListener) {
			lines = append(lines, "listener "+listenerLabel(l))
		}
		t.lbs[lb] = t.g.Add(Node{ID: rid + "/lb-" + lb.Name, Label: strings.Join(lines, "\n"), Parent: rid, Class: ClassResource})
	}
	for _, db := range t.ix.under(reg.Res, "aws:rds/cluster:Cluster") {
		t.dbs[db] = t.g.Add(Node{ID: rid + "/db-" + db.Name, Label: db.Str("engine") + "\n" + db.Str("clusterIdentifier"),
			Parent: rid, Class: ClassData, Shape: "cylinder"})
	}
	for _, w := range t.ix.workloads(reg) {
		t.g.Add(Node{ID: w.ID, Label: w.Label, Parent: rid, Class: ClassResource})
		t.workloads = append(t.workloads, w)
	}
}

// connectEntry draws users → DNS → load balancer: the records that point
// at a load balancer, and the load balancer's security-group ingress from
// anywhere, on its listener's port and protocol.
func (t *traffic) connectEntry() {
	byComponent := map[*preview.Resource][]*preview.Resource{}
	var comps []*preview.Resource
	for _, rec := range t.ix.lbRecords() {
		c := t.ix.component(rec)
		if _, ok := byComponent[c]; !ok {
			comps = append(comps, c)
		}
		byComponent[c] = append(byComponent[c], rec)
	}
	for _, c := range comps {
		recs := byComponent[c]
		var names []string
		for _, r := range recs {
			names = append(names, r.Str("name"))
		}
		provider := "Route 53"
		if strings.HasPrefix(recs[0].Type, "cloudflare:") {
			provider = "Cloudflare"
		}
		lb := t.ix.recordLB(recs[0])
		parent := t.g.Node(t.lbs[lb]).Parent
		id := t.g.Add(Node{ID: parent + "/dns-" + c.Name, Parent: parent, Class: ClassResource,
			Label: "DNS (" + provider + ")\n" + strings.Join(uniqSorted(names), "\n")})
		t.g.Connect(Edge{From: "users", To: id, Label: "name lookup", Class: EdgeFact})
		for _, r := range recs {
			t.g.Connect(Edge{From: id, To: t.lbs[t.ix.recordLB(r)], Label: recordKind(r), Class: EdgeDepends})
		}
	}
	for _, n := range t.sortedLBs() {
		t.connectIngress(n.lb, n.id)
	}
}

// recordKind is "A alias" or "CNAME".
func recordKind(r *preview.Resource) string {
	if v, ok := r.Input("aliases"); ok && v.IsArray() && len(v.ArrayValue()) > 0 {
		return r.Str("type") + " alias"
	}
	return r.Str("type")
}

type lbNode struct {
	lb *preview.Resource
	id string
}

// sortedLBs lists the placed load balancers in node order.
func (t *traffic) sortedLBs() []lbNode {
	var out []lbNode
	for _, n := range t.g.Nodes() {
		for lb, id := range t.lbs {
			if id == n.ID {
				out = append(out, lbNode{lb, id})
			}
		}
	}
	return out
}

// connectIngress draws users → load balancer for each ingress rule open
// to anywhere; a load balancer without security groups takes any client.
func (t *traffic) connectIngress(lb *preview.Resource, id string) {
	sgs := t.ix.Targets(lb, "securityGroups")
	if len(sgs) == 0 {
		for _, l := range t.ix.under(lb, tListener) {
			t.g.Connect(Edge{From: "users", To: id, Label: listenerPort(l), Class: trafficClass(secure(l))})
		}
		return
	}
	for _, rule := range t.ix.rules(sgs, tIngress) {
		if c := rule.Str("cidrIpv4"); c != "0.0.0.0/0" {
			continue
		}
		from, _ := rule.Num("fromPort")
		if l := t.ix.listenerOn(lb, from); l != nil {
			t.g.Connect(Edge{From: "users", To: id, Label: listenerPort(l), Class: trafficClass(secure(l))})
		} else {
			t.g.Connect(Edge{From: "users", To: id, Label: portRange(rule), Class: EdgePlain})
		}
	}
}

func trafficClass(tls bool) string {
	if tls {
		return EdgeTLS
	}
	return EdgePlain
}

// connectBackends draws load balancer → coderd or proxy (listener →
// target group → the TargetGroupBinding's service) and coderd ↔ Aurora
// (the Helm values that reference the cluster).
func (t *traffic) connectBackends() {
	for _, n := range t.sortedLBs() {
		for _, l := range t.ix.under(n.lb, tListener) {
			for _, tg := range t.ix.Targets(l, "defaultActions") {
				for _, w := range t.boundWorkloads(tg) {
					proto := tg.Str("protocol")
					label := proto + portSuffix(tg, "port")
					tls := proto == "TLS" || proto == "HTTPS"
					if secure(l) && !tls {
						label += " (TLS ends at the load balancer)"
					}
					t.g.Connect(Edge{From: n.id, To: w.ID, Label: label, Class: trafficClass(tls)})
				}
			}
		}
	}
	for _, w := range t.workloads {
		if w.Release == nil {
			continue
		}
		for _, db := range t.ix.Targets(w.Release, "values") {
			if id, ok := t.dbs[db]; ok {
				t.g.Connect(Edge{From: w.ID, To: id, Label: dbLabel(w.Release, db), Class: trafficClass(dbTLS(w.Release)), Both: true})
			}
		}
	}
}

// boundWorkloads are the workloads whose Service a TargetGroupBinding of
// tg names (the chart names the Service after the release).
func (t *traffic) boundWorkloads(tg *preview.Resource) []workload {
	var out []workload
	for _, r := range t.ix.referrers[tg.URN] {
		if r.From.Type != "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding" {
			continue
		}
		svc, ns := r.From.Str("spec.serviceRef.name"), r.From.Str("metadata.namespace")
		for _, w := range t.workloads {
			if w.Release != nil && w.Release.Str("name") == svc && w.Release.Str("namespace") == ns &&
				w.Region == t.ix.Region(r.From) {
				out = append(out, w)
			}
		}
	}
	return out
}

// dbLabel is "PostgreSQL :5432 · sslmode=require · IAM auth": the port
// from the cluster's inputs, the rest from coderd's connection settings.
func dbLabel(rel, db *preview.Resource) string {
	parts := []string{"PostgreSQL" + portSuffix(db, "port")}
	env := helmEnv(rel)
	if u, err := url.Parse(env["CODER_PG_CONNECTION_URL"]); err == nil {
		if m := u.Query().Get("sslmode"); m != "" {
			parts = append(parts, "sslmode="+m)
		}
	}
	if env["CODER_PG_AUTH"] == "awsiamrds" {
		parts = append(parts, "IAM auth")
	}
	return strings.Join(parts, " · ")
}

func dbTLS(rel *preview.Resource) bool {
	u, err := url.Parse(helmEnv(rel)["CODER_PG_CONNECTION_URL"])
	if err != nil {
		return false
	}
	switch u.Query().Get("sslmode") {
	case "require", "verify-ca", "verify-full":
		return true
	}
	return false
}

// connectClients draws what dials the control plane by URL: provisioners
// (CODER_URL) and workspace proxies (CODER_PRIMARY_ACCESS_URL), and the
// workspace agents, whose security groups allow the load balancers'
// addresses.
func (t *traffic) connectClients() {
	for _, w := range t.workloads {
		if w.Release == nil {
			continue
		}
		env := helmEnv(w.Release)
		for _, key := range []string{"CODER_PRIMARY_ACCESS_URL", "CODER_URL"} {
			if raw := env[key]; raw != "" {
				t.connectURL(w, raw, key)
			}
		}
	}
	for _, w := range t.workloads {
		for _, rule := range t.ix.rules(t.ix.securityGroups(w.Groups), tEgress) {
			lb := t.ix.ruleLB(rule)
			if lb == nil || t.lbs[lb] == "" {
				continue
			}
			from, _ := rule.Num("fromPort")
			if l := t.ix.listenerOn(lb, from); l != nil {
				t.g.Connect(Edge{From: w.ID, To: t.lbs[lb], Label: listenerPort(l), Class: trafficClass(secure(l))})
			} else {
				t.g.Connect(Edge{From: w.ID, To: t.lbs[lb], Label: portRange(rule), Class: EdgePlain})
			}
		}
	}
}

// connectURL draws w → whatever serves raw: a Service in w's cluster, or
// the load balancer behind the host's DNS record. A URL that leads to
// nothing the stack registered draws nothing.
func (t *traffic) connectURL(w workload, raw, key string) {
	ep, ok := parseEndpoint(raw)
	if !ok {
		return
	}
	label := fmt.Sprintf("%s :%s (%s)", map[bool]string{true: "HTTPS", false: "HTTP"}[ep.TLS], num(ep.Port), key)
	if svc, ok := strings.CutSuffix(ep.Host, ".svc.cluster.local"); ok {
		name, ns, _ := strings.Cut(svc, ".")
		for _, o := range t.workloads {
			if o.Release != nil && o.Region == w.Region && o.Release.Str("name") == name && o.Release.Str("namespace") == ns {
				t.g.Connect(Edge{From: w.ID, To: o.ID, Label: label + "\nin-cluster Service " + svc, Class: trafficClass(ep.TLS)})
			}
		}
		return
	}
	if lb := t.ix.hostLB(ep.Host); lb != nil && t.lbs[lb] != "" {
		if l := t.ix.listenerOn(lb, ep.Port); l != nil {
			t.g.Connect(Edge{From: w.ID, To: t.lbs[lb], Label: label + "\n" + ep.Host, Class: trafficClass(ep.TLS && secure(l))})
		}
	}
}
