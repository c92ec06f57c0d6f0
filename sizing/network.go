package sizing

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

// Tier is one of the five subnet tiers of every VPC.
type Tier string

const (
	TierPublic      Tier = "public"
	TierControl     Tier = "private-control"
	TierProvisioner Tier = "private-provisioner"
	TierWorkspace   Tier = "private-workspace"
	TierDatabase    Tier = "database"
)

// Tiers lists the tiers in the order they are reported.
var Tiers = []Tier{TierPublic, TierControl, TierProvisioner, TierWorkspace, TierDatabase}

const (
	// Headroom is the factor by which every tier's capacity exceeds need.
	// Prefix delegation hands out whole /28 blocks, so fragmentation and
	// rolling node replacement both need spare addresses.
	Headroom = 2
	// PrefixIPs is the size of one VPC CNI prefix (/28) [EKS].
	PrefixIPs = 16
	// WarmPrefixTarget matches the VPC CNI setting the cluster uses.
	WarmPrefixTarget = 1
	// PodNetworkDaemonSets are the per-node agents that take a pod IP
	// (ebs-csi-node, Fluent Bit); aws-node and kube-proxy use host networking.
	PodNetworkDaemonSets = 2
	// EKSControlPlaneENIsPerAZ: EKS places up to this many cross-account
	// ENIs in each cluster subnet during upgrades.
	EKSControlPlaneENIsPerAZ = 4
	// ELBFreeIPsPerAZ is the free-address floor AWS requires in each load
	// balancer subnet.
	ELBFreeIPsPerAZ = 8
	// awsReservedIPs are the five addresses AWS reserves in every subnet.
	awsReservedIPs = 5
	// Smallest and largest subnets AWS allows.
	minSubnetBits = 28
	maxSubnetBits = 16
)

// tierFloor is the smallest prefix each tier gets whatever the arithmetic says,
// so a small workshop VPC still has room for load balancers and failover.
var tierFloor = map[Tier]int{
	TierPublic: 26, TierControl: 26, TierProvisioner: 26, TierWorkspace: 24, TierDatabase: 27,
}

// NetworkWorkload is what the CIDR plan is computed from.
type NetworkWorkload struct {
	Workspaces           int // total workspaces the region must be able to run
	WorkspacePodsPerNode int
	WorkspaceMaxNodes    int
	ProvisionerPodsPer   int
	ProvisionerMaxNodes  int
	ControlPodsPerNode   int
	ControlMaxNodes      int
	LoadBalancers        int // NLBs in the public tier
	InterfaceEndpoints   int // interface VPC endpoints (one ENI per AZ each)
	DatabaseInstances    int // Aurora writer + readers in this region (0 for proxies)
}

// TierDemand is the need and capacity of one tier, with the arithmetic.
type TierDemand struct {
	Tier      Tier
	NeedIPs   int    // across all AZs
	PerAZ     int    // addresses each AZ subnet must hold (need × headroom / AZs)
	PrefixLen int    // chosen subnet size
	Capacity  int    // usable addresses across all AZs
	Basis     string // how NeedIPs was derived
}

// Subnet is one planned subnet.
type Subnet struct {
	Tier   Tier
	AZ     string
	CIDR   netip.Prefix
	Usable int
}

// NetworkPlan is the CIDR plan of one VPC.
type NetworkPlan struct {
	VpcCIDR netip.Prefix
	AZs     []string
	Demands []TierDemand
	Subnets []Subnet
	// Used is the number of VPC addresses the subnets take.
	Used int
}

// PlanError says the VPC cannot hold the workload.
type PlanError struct {
	VpcCIDR   netip.Prefix
	Need      int
	Have      int
	Breakdown string
}

func (e *PlanError) Error() string {
	return fmt.Sprintf("VPC %s holds %d addresses but the subnet plan needs %d (%s)", e.VpcCIDR, e.Have, e.Need, e.Breakdown)
}

// IPsPerNode is the subnet addresses one node consumes with prefix
// delegation: its primary ENI address plus whole /28 prefixes for its pods
// and the warm prefix [EKS].
func IPsPerNode(pods int) int {
	pods += PodNetworkDaemonSets
	prefixes := (pods+PrefixIPs-1)/PrefixIPs + WarmPrefixTarget
	return 1 + prefixes*PrefixIPs
}

// Demands computes each tier's IP need for the workload across nAZ zones.
func Demands(w NetworkWorkload, nAZ int) []TierDemand {
	wsNodes := max(ceilDiv(w.Workspaces, max(w.WorkspacePodsPerNode, 1)), w.WorkspaceMaxNodes)
	out := []TierDemand{
		{Tier: TierPublic, NeedIPs: nAZ*(1+w.LoadBalancers) + nAZ*ELBFreeIPsPerAZ,
			Basis: fmt.Sprintf("%d AZ × (1 NAT + %d NLB ENI + %d ELB free)", nAZ, w.LoadBalancers, ELBFreeIPsPerAZ)},
		{Tier: TierControl,
			NeedIPs: w.ControlMaxNodes*IPsPerNode(w.ControlPodsPerNode) + nAZ*(w.InterfaceEndpoints+EKSControlPlaneENIsPerAZ),
			Basis: fmt.Sprintf("%d nodes × %d IPs + %d AZ × (%d endpoint ENIs + %d EKS ENIs)",
				w.ControlMaxNodes, IPsPerNode(w.ControlPodsPerNode), nAZ, w.InterfaceEndpoints, EKSControlPlaneENIsPerAZ)},
		{Tier: TierProvisioner, NeedIPs: w.ProvisionerMaxNodes * IPsPerNode(w.ProvisionerPodsPer),
			Basis: fmt.Sprintf("%d nodes × %d IPs (%d pods/node, /28 prefixes)", w.ProvisionerMaxNodes, IPsPerNode(w.ProvisionerPodsPer), w.ProvisionerPodsPer)},
		{Tier: TierWorkspace, NeedIPs: wsNodes * IPsPerNode(w.WorkspacePodsPerNode),
			Basis: fmt.Sprintf("max(ceil(%d workspaces / %d per node), %d max nodes) = %d nodes × %d IPs",
				w.Workspaces, w.WorkspacePodsPerNode, w.WorkspaceMaxNodes, wsNodes, IPsPerNode(w.WorkspacePodsPerNode))},
		{Tier: TierDatabase, NeedIPs: 2 * max(w.DatabaseInstances, 1),
			Basis: fmt.Sprintf("%d instances × 2 (failover and blue/green)", max(w.DatabaseInstances, 1))},
	}
	for i := range out {
		d := &out[i]
		d.PerAZ = ceilDiv(d.NeedIPs*Headroom, nAZ)
		d.PrefixLen = prefixFor(d.PerAZ, tierFloor[d.Tier])
		d.Capacity = usable(d.PrefixLen) * nAZ
	}
	return out
}

// PlanNetwork lays the five tiers out across the AZs inside vpc. Subnets are
// placed largest first on aligned boundaries, so they can never overlap.
func PlanNetwork(vpc netip.Prefix, azs []string, w NetworkWorkload) (*NetworkPlan, error) {
	if !vpc.Addr().Is4() {
		return nil, fmt.Errorf("VPC CIDR %s is not IPv4", vpc)
	}
	vpc = vpc.Masked()
	// AZs in name order, as the subnets are: the network component pairs
	// the i-th AZ with the i-th subnet of each tier.
	azs = slices.Sorted(slices.Values(azs))
	demands := Demands(w, len(azs))
	plan := &NetworkPlan{VpcCIDR: vpc, AZs: azs, Demands: demands}

	type block struct {
		tier Tier
		az   string
		bits int
		rank int
	}
	var blocks []block
	need := 0
	var parts []string
	for ti, d := range demands {
		if d.PrefixLen < maxSubnetBits {
			return nil, fmt.Errorf("tier %s needs %d addresses per AZ, more than the largest subnet AWS allows (/16)", d.Tier, d.PerAZ)
		}
		for ai, az := range azs {
			blocks = append(blocks, block{tier: d.Tier, az: az, bits: d.PrefixLen, rank: ti*100 + ai})
			need += 1 << (32 - d.PrefixLen)
		}
		parts = append(parts, fmt.Sprintf("%s %d × /%d", d.Tier, len(azs), d.PrefixLen))
	}
	have := 1 << (32 - vpc.Bits())
	if need > have {
		return nil, &PlanError{VpcCIDR: vpc, Need: need, Have: have, Breakdown: strings.Join(parts, ", ")}
	}
	sort.SliceStable(blocks, func(i, j int) bool {
		if blocks[i].bits != blocks[j].bits {
			return blocks[i].bits < blocks[j].bits
		}
		return blocks[i].rank < blocks[j].rank
	})
	base := addrToUint(vpc.Addr())
	cursor := uint64(0)
	for _, b := range blocks {
		size := uint64(1) << (32 - b.bits)
		cursor = (cursor + size - 1) / size * size
		p := netip.PrefixFrom(uintToAddr(uint32(uint64(base)+cursor)), b.bits)
		plan.Subnets = append(plan.Subnets, Subnet{Tier: b.tier, AZ: b.az, CIDR: p, Usable: usable(b.bits)})
		cursor += size
	}
	plan.Used = int(cursor)
	sort.SliceStable(plan.Subnets, func(i, j int) bool {
		ri, rj := tierRank(plan.Subnets[i].Tier), tierRank(plan.Subnets[j].Tier)
		if ri != rj {
			return ri < rj
		}
		return plan.Subnets[i].AZ < plan.Subnets[j].AZ
	})
	return plan, nil
}

// SubnetsOf returns the tier's subnets in AZ order.
func (p *NetworkPlan) SubnetsOf(t Tier) []Subnet {
	var out []Subnet
	for _, s := range p.Subnets {
		if s.Tier == t {
			out = append(out, s)
		}
	}
	return out
}

// Demand returns the tier's demand line.
func (p *NetworkPlan) Demand(t Tier) TierDemand {
	for _, d := range p.Demands {
		if d.Tier == t {
			return d
		}
	}
	return TierDemand{}
}

func tierRank(t Tier) int {
	for i, x := range Tiers {
		if x == t {
			return i
		}
	}
	return len(Tiers)
}

func usable(bits int) int { return (1 << (32 - bits)) - awsReservedIPs }

// prefixFor returns the smallest subnet (largest prefix length) that holds n
// usable addresses, never smaller than floor nor than /28.
func prefixFor(n, floor int) int {
	bits := min(floor, minSubnetBits)
	for bits > 0 && usable(bits) < n {
		bits--
	}
	return bits
}

func ceilDiv(a, b int) int {
	if b <= 0 {
		return 0
	}
	return int(math.Ceil(float64(a) / float64(b)))
}

func addrToUint(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func uintToAddr(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

// InterfaceEndpointServices are the AWS services every VPC reaches through
// interface endpoints, so node and pod traffic to them stays private.
var InterfaceEndpointServices = []string{
	"ecr.api", "ecr.dkr", "secretsmanager", "logs", "monitoring", "sts", "ec2", "elasticloadbalancing",
}
