package diagram

import (
	"fmt"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// sgPaths draws security groups and the paths their rules open: an
// ingress rule from a group or CIDR, an egress rule to one. Rules between
// the same two ends merge into one edge listing the ports.
type sgPaths struct {
	ix    *index
	g     *Graph
	nodes map[*preview.Resource]string
	rules []*preview.Resource
	vpcs  map[string]string // region → VPC CIDR
}

const tSG = "aws:ec2/securityGroup:SecurityGroup"

func newSGPaths(ix *index, g *Graph) *sgPaths {
	return &sgPaths{ix: ix, g: g, nodes: map[*preview.Resource]string{}, vpcs: map[string]string{}}
}

// place adds the region's security groups, each named with what it is
// attached to, and collects the region's rules.
func (s *sgPaths) place(reg preview.RegionInfo, rid string) {
	groups := s.ix.under(reg.Res, tSG)
	if len(groups) == 0 {
		return
	}
	for _, v := range s.ix.under(reg.Res, "aws:ec2/vpc:Vpc") {
		s.vpcs[reg.Name] = v.Str("cidrBlock")
	}
	box := s.g.Add(Node{ID: rid + "/sgs", Label: "security groups", Parent: rid, Class: ClassGroup})
	for _, sg := range groups {
		label := "SG " + short(sg.Name, s.ix.stackPrefix(), reg.Name)
		if on := s.attachedTo(sg); on != "" {
			label += "\n" + on
		}
		s.nodes[sg] = s.g.Add(Node{ID: box + "/" + sg.Name, Parent: box, Class: ClassSG, Label: label})
	}
	s.rules = append(s.rules, s.ix.under(reg.Res, tIngress)...)
	s.rules = append(s.rules, s.ix.under(reg.Res, tEgress)...)
}

// attachedTo names what uses a group: node groups through their launch
// templates, load balancers, Aurora, VPC endpoints.
func (s *sgPaths) attachedTo(sg *preview.Resource) string {
	var ngs, others []string
	endpoints := 0
	for _, r := range s.ix.referrers[sg.URN] {
		switch r.From.Type {
		case "aws:ec2/launchTemplate:LaunchTemplate":
			for _, lt := range s.ix.referrers[r.From.URN] {
				if lt.From.Type == "aws:eks/nodeGroup:NodeGroup" {
					ngs = append(ngs, lt.From.Str("nodeGroupName"))
				}
			}
		case tLB:
			others = append(others, r.From.Str("loadBalancerType")+" load balancer")
		case "aws:rds/cluster:Cluster":
			others = append(others, "Aurora "+r.From.Str("clusterIdentifier"))
		case "aws:ec2/vpcEndpoint:VpcEndpoint":
			endpoints++
		}
	}
	var parts []string
	if len(ngs) > 0 {
		parts = append(parts, "nodes: "+nameList(ngs, 4))
	}
	parts = append(parts, uniqSorted(others)...)
	if endpoints > 0 {
		parts = append(parts, counted("interface endpoint", endpoints))
	}
	return strings.Join(parts, "\n")
}

// connect draws every rule, merged by its two ends.
func (s *sgPaths) connect() {
	type pair struct{ from, to string }
	ports := map[pair][]string{}
	var order []pair
	for _, rule := range s.rules {
		own := s.node(s.ix.target(rule, "securityGroupId"))
		if own == "" {
			continue
		}
		for _, other := range s.otherEnds(rule) {
			p := pair{other, own}
			if rule.Type == tEgress {
				p = pair{own, other}
			}
			if _, ok := ports[p]; !ok {
				order = append(order, p)
			}
			ports[p] = append(ports[p], portRange(rule))
		}
	}
	for _, p := range order {
		s.g.Connect(Edge{From: p.from, To: p.to, Label: joinPorts(ports[p]), Class: EdgeAllows})
	}
}

// node is the node of the group a rule names: a security group, or the
// group an EKS cluster made (referenced through the cluster's outputs).
func (s *sgPaths) node(r *preview.Resource) string {
	if r == nil {
		return ""
	}
	if id, ok := s.nodes[r]; ok {
		return id
	}
	reg := s.ix.Region(r)
	box := regionID(reg) + "/sgs"
	if s.g.Node(box) == nil {
		return ""
	}
	label := "security group of " + r.Type + " " + r.Name
	if r.Type == "eks:index:Cluster" {
		label = "EKS cluster security group\n(made by EKS for " + r.Name + ")"
	}
	id := s.g.Add(Node{ID: box + "/" + r.Type + "/" + r.Name, Parent: box, Class: ClassSG, Label: label})
	s.nodes[r] = id
	return id
}

// otherEnds resolves the far end of a rule: another group, the groups of
// the load balancer whose address it names, a prefix list's endpoint, or
// a CIDR.
func (s *sgPaths) otherEnds(rule *preview.Resource) []string {
	if ref := s.ix.target(rule, "referencedSecurityGroupId"); ref != nil {
		if id := s.node(ref); id != "" {
			return []string{id}
		}
	}
	if lb := s.ix.ruleLB(rule); lb != nil {
		var out []string
		for _, sg := range s.ix.Targets(lb, "securityGroups") {
			if id := s.node(sg); id != "" {
				out = append(out, id)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	reg := s.ix.Region(rule)
	if ep := s.ix.target(rule, "prefixListId"); ep != nil {
		return []string{s.g.Add(Node{ID: regionID(reg) + "/pl-" + ep.Name, Parent: regionID(reg), Class: ClassExternal,
			Label: endpointService(ep.Str("serviceName")) + " (prefix list of the gateway endpoint)"})}
	}
	cidr := rule.Str("cidrIpv4")
	if cidr == "" {
		cidr = rule.Str("cidrIpv6")
	}
	if cidr == "" {
		return nil
	}
	label := cidr
	switch {
	case cidr == "0.0.0.0/0" || cidr == "::/0":
		label = "anywhere " + cidr
	case cidr == s.vpcs[reg]:
		label = fmt.Sprintf("the VPC %s", cidr)
	}
	return []string{s.g.Add(Node{ID: regionID(reg) + "/cidr-" + cidr, Parent: regionID(reg), Class: ClassExternal, Label: label})}
}
