package sizing

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestInstanceAllocatable(t *testing.T) {
	t.Parallel()
	m5, err := ParseInstanceType("m5.2xlarge")
	require.NoError(t, err)
	assert.Equal(t, 8, m5.VCPU)
	assert.Equal(t, 32.0, m5.MemGiB)
	// 60 + 10 + 5 + 5 + 4 × 2.5 = 90m kube-reserved.
	assert.Equal(t, 90, m5.KubeReservedMilliCPU())
	// 255 + 11 × 110 = 1465 MiB.
	assert.Equal(t, 1465, m5.KubeReservedMiB())
	a := m5.Allocatable()
	assert.Equal(t, 8000-90-DaemonSetMilliCPU, a.MilliCPU)
	assert.Equal(t, 32*1024-1465-EvictionHardMiB-DaemonSetMiB, a.MiB)
	// 500m / 2 GiB workspaces: CPU allows 15, memory allows 14.
	assert.Equal(t, 14, m5.PodsPerNode(Resources{500, 2048}))
}

func TestParseInstanceTypeRejectsUnknown(t *testing.T) {
	t.Parallel()
	_, err := ParseInstanceType("x9.large")
	assert.EqualError(t, err, `unknown instance-type family "x9"`)
	_, err = ParseInstanceType("m5.huge")
	assert.EqualError(t, err, `unknown instance size "huge" for family "m5"`)
	_, err = ParseInstanceType("m5")
	assert.EqualError(t, err, `instance type "m5" is not of the form family.size`)
}

// The capacity table: what Coder's guidance gives for several user counts.
func TestCapacityTable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		users                int
		coderdReplicas       int
		coderd               Resources
		provisioners         int
		buildConcurrency     float64
		dbMaxACU             float64
		aiGatewayMin, aiGMax int
	}{
		{users: 8, coderdReplicas: 2, coderd: Resources{1000, 2048}, provisioners: 6, buildConcurrency: 0.5, dbMaxACU: 4, aiGatewayMin: 4, aiGMax: 4},
		{users: 20, coderdReplicas: 2, coderd: Resources{1000, 2048}, provisioners: 12, buildConcurrency: 0.5, dbMaxACU: 4, aiGatewayMin: 6, aiGMax: 6},
		{users: 30, coderdReplicas: 2, coderd: Resources{1000, 2048}, provisioners: 15, buildConcurrency: 0.5, dbMaxACU: 4, aiGatewayMin: 8, aiGMax: 8},
		{users: 1000, coderdReplicas: 3, coderd: Resources{2000, 8192}, provisioners: 60, buildConcurrency: 0.06, dbMaxACU: 16},
		{users: 2000, coderdReplicas: 3, coderd: Resources{4000, 12288}, provisioners: 120, buildConcurrency: 0.06, dbMaxACU: 32},
		{users: 3000, coderdReplicas: 4, coderd: Resources{4000, 12288}, provisioners: 180, buildConcurrency: 0.06, dbMaxACU: 64},
		{users: 10000, coderdReplicas: 10, coderd: Resources{4000, 12288}, provisioners: 600, buildConcurrency: 0.06, dbMaxACU: 128},
	}
	for _, c := range cases {
		w := Workload{Users: c.users, Workspaces: c.users, RunningFraction: 0.6, BuildConcurrency: c.buildConcurrency}
		cd := Coderd(c.users)
		assert.Equal(t, c.coderdReplicas, cd.Replicas, "coderd replicas for %d users", c.users)
		assert.Equal(t, c.coderd, cd.Resources, "coderd resources for %d users", c.users)
		p := Provisioners(w)
		assert.Equal(t, c.provisioners, p.Replicas, "provisioners for %d users", c.users)
		assert.Equal(t, ProvisionerResources, p.Resources)
		db := Database(DatabaseInput{Users: c.users, CoderdReplicas: cd.Replicas, PoolMaxOpen: 30, SurgeReplicas: 1})
		assert.Equal(t, c.dbMaxACU, db.MaxACU, "db max ACU for %d users", c.users)
		if c.aiGMax > 0 {
			ai := AIGateway(c.users)
			assert.GreaterOrEqual(t, ai.Replicas, c.aiGatewayMin)
			assert.LessOrEqual(t, ai.Replicas, c.aiGMax)
		}
	}
}

// The workshop table: 20–30 users → 12–15 provisioners.
func TestWorkshopProvisionerTable(t *testing.T) {
	t.Parallel()
	for users := 20; users <= 30; users++ {
		p := Provisioners(Workload{Users: users, BuildConcurrency: 0.5})
		assert.GreaterOrEqual(t, p.Replicas, 12, "users=%d", users)
		assert.LessOrEqual(t, p.Replicas, 15, "users=%d", users)
	}
	assert.Equal(t, 6, Provisioners(Workload{Users: 5, BuildConcurrency: 0.5}).Replicas)
	assert.Equal(t, 8, Provisioners(Workload{Users: 12, BuildConcurrency: 0.5}).Replicas)
	assert.Equal(t, 10, Provisioners(Workload{Users: 17, BuildConcurrency: 0.5}).Replicas)
}

func TestDatabaseConnectionArithmetic(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name             string
		in               DatabaseInput
		need             int
		minACU           float64
		maxConnsAtFloor  int
		maxACUForCapTest float64
	}{
		// (4 + 1) × 30 + 0 + 10 + 3 = 163 connections → 163 × 9531392 / 2 GiB = 0.72 → 1.0 ACU.
		{name: "3k", in: DatabaseInput{Users: 3000, CoderdReplicas: 4, SurgeReplicas: 1, PoolMaxOpen: 30}, need: 163, minACU: 1, maxConnsAtFloor: 225, maxACUForCapTest: 64},
		// (2 + 1) × 10 + 40 + 10 + 3 = 83 → 0.37 → 0.5 ACU (the floor).
		{name: "workshop", in: DatabaseInput{Users: 20, CoderdReplicas: 2, SurgeReplicas: 1, PoolMaxOpen: 10, ExtraConnections: 40}, need: 83, minACU: 0.5, maxConnsAtFloor: 112, maxACUForCapTest: 4},
		// 10 × 60 pool = 600 + 60 + 13 → 673 → 2.99 → 3.0 ACU.
		{name: "10k big pools", in: DatabaseInput{Users: 10000, CoderdReplicas: 10, SurgeReplicas: 1, PoolMaxOpen: 60}, need: 673, minACU: 3, maxConnsAtFloor: 675, maxACUForCapTest: 128},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Database(c.in)
			assert.Equal(t, c.need, got.ConnectionsNeeded)
			assert.Equal(t, c.minACU, got.MinACU)
			assert.Equal(t, c.maxConnsAtFloor, MaxConnections(got.MinACU, c.maxACUForCapTest))
			assert.GreaterOrEqual(t, MaxConnections(got.MinACU, got.MaxACU), got.ConnectionsNeeded)
			assert.Contains(t, got.ConnectionBasis, "CODER_PG_CONN_MAX_OPEN")
		})
	}
	// A 0.5 floor with a 16+ ceiling is capped at 2,000 connections by Aurora.
	assert.Equal(t, 112, MaxConnections(0.5, 16))
	assert.Equal(t, 5000, MaxConnections(64, 64))
}

func TestNodesForWorkload(t *testing.T) {
	t.Parallel()
	m5, _ := ParseInstanceType("m5.2xlarge")
	n := Nodes(m5, 1800, Resources{500, 2048})
	assert.Equal(t, 14, n.PodsPerNode)
	assert.Equal(t, 129, n.Nodes) // ceil(1800/14)
	m5l, _ := ParseInstanceType("m5.large")
	none := Nodes(m5l, 4, Resources{4000, 12288})
	assert.Equal(t, 0, none.PodsPerNode)
	assert.Contains(t, none.Basis, "cannot fit one pod")
}

func TestPackControlPods(t *testing.T) {
	t.Parallel()
	m5x, _ := ParseInstanceType("m5.xlarge")
	m52x, _ := ParseInstanceType("m5.2xlarge")
	addons := Resources{1100, 1836}
	workshop := append(Replicate(
		Deployment{Replicas: 2, Resources: Resources{1000, 2048}},
		Deployment{Replicas: 8, Resources: Resources{2000, 4096}},
	), addons)
	// m5.xlarge leaves 3.52 vCPU: one 2-vCPU gateway per node (8 nodes).
	assert.Equal(t, 8, Pack(m5x, workshop))
	// m5.2xlarge leaves 7.51 vCPU: 3 + 3 + 2 gateways, coderd and add-ons in the gaps.
	assert.Equal(t, 3, Pack(m52x, workshop))
	// 3k coderd: 4 vCPU pods, one per m5.2xlarge.
	assert.Equal(t, 4, Pack(m52x, append(Replicate(Deployment{Replicas: 4, Resources: Resources{4000, 12288}}), addons)))
	m5l, _ := ParseInstanceType("m5.large")
	assert.Equal(t, 0, Pack(m5l, Replicate(Deployment{Replicas: 1, Resources: Resources{4000, 12288}})), "does not fit at all")
	assert.Equal(t, 0, Pack(m5l, nil))
}

// Packing never needs fewer nodes than the total demand divides into, and
// never more than one node per pod.
func TestPackBoundsProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		it, _ := ParseInstanceType(rapid.SampledFrom([]string{"m5.xlarge", "m5.2xlarge", "c5.2xlarge", "m5.4xlarge"}).Draw(t, "type"))
		a := it.Allocatable()
		n := rapid.IntRange(1, 40).Draw(t, "pods")
		var pods []Resources
		cpu, mib := 0, 0
		for i := range n {
			p := Resources{MilliCPU: rapid.IntRange(50, a.MilliCPU).Draw(t, fmt.Sprint("cpu", i)), MiB: rapid.IntRange(64, a.MiB).Draw(t, fmt.Sprint("mib", i))}
			pods = append(pods, p)
			cpu, mib = cpu+p.MilliCPU, mib+p.MiB
		}
		got := Pack(it, pods)
		lower := max(ceilDiv(cpu, a.MilliCPU), ceilDiv(mib, a.MiB))
		if got < lower || got > n {
			t.Fatalf("Pack = %d, want between %d and %d", got, lower, n)
		}
	})
}
