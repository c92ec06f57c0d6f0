package diagram

import (
	"fmt"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// connectEgress draws each workload's way out: the routes of its node
// groups' subnets, with the ports its security groups allow along each,
// to the region's NAT gateways or a transit gateway, and the NAT gateways'
// own route to the internet gateway.
func (t *traffic) connectEgress() {
	for _, w := range t.workloads {
		for _, e := range t.ix.routedEgress(w) {
			to := t.gatewayNode(w.Region, e.Route)
			if to == "" {
				continue
			}
			t.g.Connect(Edge{From: w.ID, To: to, Label: e.label(), Class: EdgeEgress})
		}
	}
	for _, reg := range t.ix.Regions() {
		for _, nat := range t.ix.under(reg.Res, tNAT) {
			for _, r := range t.ix.routesOf(t.ix.Targets(nat, "subnetId")) {
				if r.Target != nil && r.Target.Type == tIGW && r.Dest.Bits() == 0 {
					t.g.Connect(Edge{From: t.natNode(reg.Name), To: t.internet(), Label: r.Dest.String() + " via the internet gateway", Class: EdgeEgress})
				}
			}
		}
	}
}

// gatewayNode is the node a route leads to, added on first use.
func (t *traffic) gatewayNode(region string, r route) string {
	switch {
	case r.Target != nil && r.Target.Type == tNAT:
		return t.natNode(region)
	case r.Target != nil && r.Target.Type == tIGW:
		return t.internet()
	case r.TGW != "":
		return t.g.Add(Node{ID: regionID(region) + "/tgw-" + r.TGW, Parent: regionID(region), Class: ClassResource,
			Label: "transit gateway\n" + r.TGW})
	}
	return ""
}

// natNode is the region's NAT gateways, as one box.
func (t *traffic) natNode(region string) string {
	var reg *preview.Resource
	for _, r := range t.ix.Regions() {
		if r.Name == region {
			reg = r.Res
		}
	}
	nats := t.ix.under(reg, tNAT)
	var azs []string
	for _, n := range nats {
		for _, s := range t.ix.Targets(n, "subnetId") {
			azs = append(azs, s.Str("availabilityZone"))
		}
	}
	return t.g.Add(Node{ID: regionID(region) + "/nat", Parent: regionID(region), Class: ClassResource,
		Label: fmt.Sprintf("%s\n%s", counted("NAT gateway", len(nats)), strings.Join(uniqSorted(azs), ", "))})
}

// internet is the world outside, added on first use.
func (t *traffic) internet() string {
	return t.g.Add(Node{ID: "internet", Label: "internet\nIdP, Git, registries, peers", Class: ClassExternal, Shape: "cloud"})
}

const (
	tNAT = "aws:ec2/natGateway:NatGateway"
	tIGW = "aws:ec2/internetGateway:InternetGateway"
)
