package diagram

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// route is one route of a subnet's route table: a destination and where
// it leads (a NAT gateway, an internet gateway or a transit gateway).
type route struct {
	Dest   netip.Prefix
	Target *preview.Resource // the gateway resource, when the program made it
	TGW    string            // a transit gateway ID from config
}

// routesOf lists the routes of the route tables the subnets are
// associated with, by destination then target, without repeats.
func (ix *index) routesOf(subnets []*preview.Resource) []route {
	seen := map[string]bool{}
	var out []route
	for _, s := range subnets {
		for _, assoc := range ix.referrers[s.URN] {
			if assoc.From.Type != "aws:ec2/routeTableAssociation:RouteTableAssociation" || assoc.Prop != "subnetId" {
				continue
			}
			rt := ix.target(assoc.From, "routeTableId")
			if rt == nil {
				continue
			}
			for _, r := range ix.referrers[rt.URN] {
				if r.From.Type != "aws:ec2/route:Route" || r.Prop != "routeTableId" {
					continue
				}
				dest, err := netip.ParsePrefix(r.From.Str("destinationCidrBlock"))
				if err != nil {
					continue
				}
				rt := route{Dest: dest, Target: ix.target(r.From, "natGatewayId"), TGW: r.From.Str("transitGatewayId")}
				if rt.Target == nil {
					rt.Target = ix.target(r.From, "gatewayId")
				}
				key := dest.String() + "|" + rt.TGW
				if rt.Target != nil {
					key += "|" + rt.Target.Type
				}
				if !seen[key] && (rt.Target != nil || rt.TGW != "") {
					seen[key] = true
					out = append(out, rt)
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Dest.String() < out[j].Dest.String() })
	return out
}

// subnetsOf are the subnets node groups launch into.
func (ix *index) subnetsOf(groups []*preview.Resource) []*preview.Resource {
	var out []*preview.Resource
	for _, g := range groups {
		out = append(out, ix.Targets(g, "subnetIds")...)
	}
	return out
}

// bestRoute picks the most specific route holding cidr, as VPC routing does.
func bestRoute(routes []route, cidr netip.Prefix) (route, bool) {
	best, found := route{}, false
	for _, r := range routes {
		if r.Dest.Bits() <= cidr.Bits() && r.Dest.Contains(cidr.Addr()) && (!found || r.Dest.Bits() > best.Dest.Bits()) {
			best, found = r, true
		}
	}
	return best, found
}

// egress is the traffic a workload's security groups let out along one
// route: the ports, and the destinations when narrower than anywhere.
type egress struct {
	Route route
	Ports []string
	CIDRs []string
}

// label is "tcp 443 · udp 3478" or "tcp 22, 443 to 10.0.0.0/13".
func (e egress) label() string {
	l := joinPorts(e.Ports)
	if cidrs := uniqSorted(e.CIDRs); len(cidrs) > 0 {
		l += " to " + strings.Join(cidrs, ", ")
	}
	return l
}

// routedEgress groups the CIDR egress rules of a workload's security
// groups by the route their destination takes, leaving out rules to a
// load balancer's addresses (drawn as their own edges), by target.
func (ix *index) routedEgress(w workload) []egress {
	rs := ix.routesOf(ix.subnetsOf(w.Groups))
	byKey := map[string]*egress{}
	for _, rule := range ix.rules(ix.securityGroups(w.Groups), tEgress) {
		if ix.ruleLB(rule) != nil {
			continue
		}
		cidr, err := netip.ParsePrefix(rule.Str("cidrIpv4"))
		if err != nil {
			continue
		}
		r, ok := bestRoute(rs, cidr)
		if !ok {
			continue
		}
		key := r.TGW
		if r.Target != nil {
			key = r.Target.Type
		}
		e := byKey[key]
		if e == nil {
			e = &egress{Route: r}
			byKey[key] = e
		}
		e.Ports = append(e.Ports, portRange(rule))
		if cidr.Bits() > 0 {
			e.CIDRs = append(e.CIDRs, cidr.String())
		}
	}
	var out []egress
	for _, k := range preview.SortedKeys(byKey) {
		out = append(out, *byKey[k])
	}
	return out
}

// ruleLB is the load balancer an egress rule's address belongs to, or nil.
func (ix *index) ruleLB(rule *preview.Resource) *preview.Resource {
	for _, eip := range ix.Targets(rule, "cidrIpv4") {
		if eip.Type == "aws:ec2/eip:Eip" {
			if lb := ix.eipLB(eip); lb != nil {
				return lb
			}
		}
	}
	return nil
}
