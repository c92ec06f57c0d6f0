package config

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/sizing"
)

const (
	minAZs = 2 // Aurora and the NLB need two zones
	maxAZs = 6
	// ControlPodsPerNode is the pods a coder-control node hosts: coderd,
	// CoreDNS, the load balancer controller, cluster-autoscaler, External
	// Secrets and the EBS CSI controller, with room for the AI gateway.
	ControlPodsPerNode = 30
	// DatabaseInstances is the Aurora writer plus one reader.
	DatabaseInstances = 2
)

func validateRegions(s *Plan, p *problems) {
	if len(s.Regions) == 0 {
		p.add("regions", nil, "list at least one region with role %q", workloads.ControlPlane)
		return
	}
	names := map[string]int{}
	controlPlanes := 0
	shareSum := 0.0
	for i := range s.Regions {
		r := &s.Regions[i]
		key := fmt.Sprintf("regions[%d]", i)
		if !KnownRegion(r.Name) {
			p.add(key+".name", r.Name, "must be a commercial AWS region: %s", regionList())
		} else if j, dup := names[r.Name]; dup {
			p.add(key+".name", r.Name, "duplicates regions[%d]; one entry per region", j)
		}
		names[r.Name] = i
		switch {
		case !r.Role.Valid():
			p.add(key+".role", string(r.Role), "must be %s", roleList())
		case r.Role.RunsCoderd():
			controlPlanes++
			if r.AccessURL != "" {
				p.add(key+".accessUrl", r.AccessURL, "must be empty for the control plane; it uses coder.accessUrl")
			}
		case r.Role.RunsProxy():
			checkAccessURL(&s.Stack, key+".accessUrl", r.AccessURL, p)
		}
		validateAZs(r, key, p)
		if r.Share == nil {
			p.add(key+".share", nil, "set the share of users and workspaces this region serves, a fraction in (0, 1]; shares sum to 1")
		} else {
			fraction(p, key+".share", *r.Share)
			shareSum += *r.Share
		}
		v, why := parseVpcCIDR(r.VpcCIDR)
		if why != "" {
			p.add(key+".vpcCidr", r.VpcCIDR, "%s", why)
		}
		s.regions[r.Name] = RegionPlan{VPC: v}
		validateTGW(r, key, p)
	}
	if controlPlanes == 0 {
		for i, r := range s.Regions {
			if r.Role.RunsProxy() {
				p.add(fmt.Sprintf("regions[%d].role", i), string(r.Role),
					"a proxy region needs a region with role %q in the same stack to register with", workloads.ControlPlane)
			}
		}
	}
	if controlPlanes > 1 {
		p.add("regions", fmt.Sprintf("%d control-plane regions", controlPlanes), "exactly one region has role %q; the others are proxies", workloads.ControlPlane)
	}
	if math.Abs(shareSum-1) > 0.001 && allShares(&s.Stack) {
		p.add("regions[*].share", fmt.Sprintf("%.3f in total", shareSum), "region shares must sum to 1")
	}
	checkOverlaps(s, p)
	if len(p.list) == 0 {
		planCapacity(s, p)
	}
	if len(p.list) == 0 {
		planRegions(s, p)
	}
}

// roleList is the region roles as a message lists them: "a" or "b".
func roleList() string {
	var quoted []string
	for _, r := range workloads.Roles() {
		quoted = append(quoted, strconv.Quote(string(r)))
	}
	return strings.Join(quoted, " or ")
}

func allShares(s *Stack) bool {
	for _, r := range s.Regions {
		if r.Share == nil {
			return false
		}
	}
	return true
}

func validateAZs(r *Region, key string, p *problems) {
	n := len(r.AvailabilityZones)
	if n < minAZs || n > maxAZs {
		p.add(key+".availabilityZones", r.AvailabilityZones, "list %d to %d availability zones (NAT, Aurora and the NLB span them)", minAZs, maxAZs)
	}
	seen := map[string]bool{}
	for j, az := range r.AvailabilityZones {
		azKey := fmt.Sprintf("%s.availabilityZones[%d]", key, j)
		if seen[az] {
			p.add(azKey, az, "is listed twice")
		}
		seen[az] = true
		if KnownRegion(r.Name) && !azInRegion(az, r.Name) {
			p.add(azKey, az, "is not an availability zone of %s; use one of %s", r.Name, strings.Join(regionAZNames(r.Name), ", "))
		}
	}
}

func validateTGW(r *Region, key string, p *problems) {
	t := r.TransitGateway
	if t == nil {
		return
	}
	if !tgwID.MatchString(t.ID) {
		p.add(key+".transitGateway.id", t.ID, "must be a transit gateway ID such as tgw-0123456789abcdef0")
	}
	if len(t.CIDRs) == 0 {
		p.add(key+".transitGateway.cidrs", t.CIDRs, "list the on-premises or peered CIDRs routed through the transit gateway")
	}
	for j, c := range t.CIDRs {
		if _, err := parsePrefix(c); err != nil {
			p.add(fmt.Sprintf("%s.transitGateway.cidrs[%d]", key, j), c, "must be an IPv4 CIDR")
		}
	}
}

// checkOverlaps rejects VPCs that overlap each other (they could never be
// peered or routed) and TGW routes that overlap a VPC of the stack.
func checkOverlaps(s *Plan, p *problems) {
	for i := range s.Regions {
		a := s.Regions[i]
		av := s.regions[a.Name].VPC
		if !av.IsValid() {
			continue
		}
		for j := i + 1; j < len(s.Regions); j++ {
			b := s.Regions[j]
			if bv := s.regions[b.Name].VPC; bv.IsValid() && av.Overlaps(bv) {
				p.add(fmt.Sprintf("regions[%d].vpcCidr", j), b.VpcCIDR,
					"overlaps regions[%d].vpcCidr %q; VPCs of one stack must not overlap", i, a.VpcCIDR)
			}
		}
		for j, r := range s.Regions {
			if r.TransitGateway == nil {
				continue
			}
			for k, c := range r.TransitGateway.CIDRs {
				if tp, err := parsePrefix(c); err == nil && tp.Overlaps(av) {
					p.add(fmt.Sprintf("regions[%d].transitGateway.cidrs[%d]", j, k), c,
						"overlaps regions[%d].vpcCidr %q; routed networks must not overlap the VPCs", i, a.VpcCIDR)
				}
			}
		}
	}
}

// NetworkWorkload is the CIDR-plan input of a region, from its capacity plan.
func (s *Plan) NetworkWorkload(r *Region) sizing.NetworkWorkload {
	ng := s.Cluster.NodeGroups
	rp := s.capacity.Region(r.Name)
	dbInstances := 0
	if r.Role.RunsCoderd() {
		dbInstances = DatabaseInstances
	}
	return sizing.NetworkWorkload{
		Workspaces:           rp.Quota.Pods,
		WorkspacePodsPerNode: rp.Workspace.PodsPerNode,
		WorkspaceMaxNodes:    ng.Workspace.Max(),
		ProvisionerPodsPer:   rp.Provisioners.PerNode,
		ProvisionerMaxNodes:  ng.Provisioner.Max(),
		ControlPodsPerNode:   ControlPodsPerNode,
		ControlMaxNodes:      ng.Control.Max(),
		LoadBalancers:        1,
		InterfaceEndpoints:   len(sizing.InterfaceEndpointServices),
		DatabaseInstances:    dbInstances,
	}
}

// planRegions derives each region's workload share and CIDR plan, and
// reports VPCs too small for the declared workspaces.
func planRegions(s *Plan, p *problems) {
	for i := range s.Regions {
		r := &s.Regions[i]
		reg := s.regions[r.Name]
		plan, err := sizing.PlanNetwork(reg.VPC, r.AvailabilityZones, s.NetworkWorkload(r))
		var pe *sizing.PlanError
		switch {
		case errors.As(err, &pe):
			bits := 32 - int(math.Ceil(math.Log2(float64(pe.Need))))
			p.add(fmt.Sprintf("regions[%d].vpcCidr", i), r.VpcCIDR,
				"cannot hold %d workspaces: the subnet plan needs %d addresses (%s); use a /%d or larger, or lower workload.workspaces",
				reg.Workspaces, pe.Need, pe.Breakdown, bits)
		case err != nil:
			p.add(fmt.Sprintf("regions[%d].vpcCidr", i), r.VpcCIDR, "%v", err)
		default:
			reg.Network = plan
			s.regions[r.Name] = reg
		}
	}
}

func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("bad CIDR %q", s)
	}
	return p.Masked(), nil
}
