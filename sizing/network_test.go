package sizing

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

var threeAZ = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

func prodWorkload() NetworkWorkload {
	return NetworkWorkload{
		Workspaces: 3000, WorkspacePodsPerNode: 14, WorkspaceMaxNodes: 200,
		ProvisionerPodsPer: 7, ProvisionerMaxNodes: 20,
		ControlPodsPerNode: 8, ControlMaxNodes: 3,
		LoadBalancers: 1, InterfaceEndpoints: 8, DatabaseInstances: 2,
	}
}

func TestIPsPerNodeCountsWholePrefixes(t *testing.T) {
	t.Parallel()
	// 14 workspace pods + 2 pod-network agents = 16 pods → 1 prefix + 1 warm.
	assert.Equal(t, 1+2*16, IPsPerNode(14))
	// 15 pods + 2 = 17 → 2 prefixes + 1 warm.
	assert.Equal(t, 1+3*16, IPsPerNode(15))
}

func TestProdPlanShowsArithmetic(t *testing.T) {
	t.Parallel()
	plan, err := PlanNetwork(netip.MustParsePrefix("10.40.0.0/16"), threeAZ, prodWorkload())
	require.NoError(t, err)

	ws := plan.Demand(TierWorkspace)
	// max(ceil(3000/14)=215, 200) = 215 nodes × 33 IPs = 7095 IPs; ×2 / 3 AZ = 4730 per AZ → /19.
	assert.Equal(t, 215*33, ws.NeedIPs)
	assert.Equal(t, 4730, ws.PerAZ)
	assert.Equal(t, 19, ws.PrefixLen)
	assert.GreaterOrEqual(t, ws.Capacity, 2*ws.NeedIPs)
	assert.Contains(t, ws.Basis, "215 nodes")

	assert.Len(t, plan.Subnets, 15)
	for _, s := range plan.SubnetsOf(TierWorkspace) {
		assert.Equal(t, 19, s.CIDR.Bits())
	}
	// The workspace tier is the largest.
	for _, d := range plan.Demands {
		assert.LessOrEqual(t, ws.PrefixLen, d.PrefixLen, d.Tier)
	}
}

func TestPlanRejectsVpcTooSmall(t *testing.T) {
	t.Parallel()
	_, err := PlanNetwork(netip.MustParsePrefix("10.0.0.0/20"), threeAZ, prodWorkload())
	var pe *PlanError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 4096, pe.Have)
	assert.Contains(t, err.Error(), "private-workspace 3 × /19")
}

// Property: for any workload and AZ count, a plan either fails with a
// PlanError or lays out non-overlapping subnets inside the VPC whose
// capacity is at least twice every tier's need.
func TestPlanPropertyNoOverlapAndFits(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		nAZ := rapid.IntRange(2, 6).Draw(rt, "azs")
		azs := make([]string, nAZ)
		for i := range azs {
			azs[i] = fmt.Sprintf("us-east-1%c", 'a'+i)
		}
		bits := rapid.IntRange(12, 24).Draw(rt, "vpcBits")
		octet := rapid.IntRange(0, 255).Draw(rt, "octet")
		vpc := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(octet), 0, 0}), bits).Masked()
		w := NetworkWorkload{
			Workspaces:           rapid.IntRange(1, 20000).Draw(rt, "workspaces"),
			WorkspacePodsPerNode: rapid.IntRange(1, 250).Draw(rt, "wsPods"),
			WorkspaceMaxNodes:    rapid.IntRange(1, 1000).Draw(rt, "wsMax"),
			ProvisionerPodsPer:   rapid.IntRange(1, 60).Draw(rt, "provPods"),
			ProvisionerMaxNodes:  rapid.IntRange(0, 100).Draw(rt, "provMax"),
			ControlPodsPerNode:   rapid.IntRange(1, 60).Draw(rt, "ctlPods"),
			ControlMaxNodes:      rapid.IntRange(1, 12).Draw(rt, "ctlMax"),
			LoadBalancers:        rapid.IntRange(0, 4).Draw(rt, "lbs"),
			InterfaceEndpoints:   rapid.IntRange(0, 12).Draw(rt, "eps"),
			DatabaseInstances:    rapid.IntRange(0, 4).Draw(rt, "db"),
		}
		plan, err := PlanNetwork(vpc, azs, w)
		if err != nil {
			return // rejected workloads are covered by the config tests
		}
		for i, a := range plan.Subnets {
			if !vpc.Contains(a.CIDR.Addr()) || a.CIDR.Bits() < vpc.Bits() {
				rt.Fatalf("subnet %s outside VPC %s", a.CIDR, vpc)
			}
			last := lastAddr(a.CIDR)
			if !vpc.Contains(last) {
				rt.Fatalf("subnet %s ends outside VPC %s", a.CIDR, vpc)
			}
			for _, b := range plan.Subnets[i+1:] {
				if a.CIDR.Overlaps(b.CIDR) {
					rt.Fatalf("subnets %s (%s) and %s (%s) overlap", a.CIDR, a.Tier, b.CIDR, b.Tier)
				}
			}
		}
		for _, d := range plan.Demands {
			if d.Capacity < Headroom*d.NeedIPs {
				rt.Fatalf("tier %s capacity %d < %d × need %d", d.Tier, d.Capacity, Headroom, d.NeedIPs)
			}
			if got := len(plan.SubnetsOf(d.Tier)); got != nAZ {
				rt.Fatalf("tier %s has %d subnets for %d AZs", d.Tier, got, nAZ)
			}
		}
	})
}

func lastAddr(p netip.Prefix) netip.Addr {
	u := addrToUint(p.Addr()) | (uint32(1)<<(32-p.Bits()) - 1)
	return uintToAddr(u)
}

func BenchmarkPlanNetwork(b *testing.B) {
	vpc := netip.MustParsePrefix("10.40.0.0/16")
	for b.Loop() {
		if _, err := PlanNetwork(vpc, threeAZ, prodWorkload()); err != nil {
			b.Fatal(err)
		}
	}
}

// AZs listed out of order: the plan's AZs follow the subnets' order, so the
// network component's i-th AZ is the AZ of every tier's i-th subnet (they
// were paired by position, and a NAT tagged us-east-1a sat in 1b's subnet).
func TestPlanAZsFollowTheSubnets(t *testing.T) {
	t.Parallel()
	plan, err := PlanNetwork(netip.MustParsePrefix("10.40.0.0/16"), []string{"us-east-1c", "us-east-1a", "us-east-1b"}, prodWorkload())
	require.NoError(t, err)
	assert.Equal(t, threeAZ, plan.AZs)
	for _, tier := range []Tier{TierPublic, TierControl, TierWorkspace} {
		for i, s := range plan.SubnetsOf(tier) {
			assert.Equal(t, plan.AZs[i], s.AZ, "%s subnet %d", tier, i)
		}
	}
}
