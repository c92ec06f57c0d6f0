package sizing

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func mustType(t require.TestingT, name string) InstanceType {
	it, err := ParseInstanceType(name)
	require.NoError(t, err)
	return it
}

func pod(name string, share float64, reqCPU, reqMiB, limCPU, limMiB, disk int) Shape {
	return Shape{Name: name, Share: share, DiskGiB: disk, Containers: []ContainerShape{{Name: "dev",
		Requests: Resources{reqCPU, reqMiB}, Limits: Resources{limCPU, limMiB}}}}
}

// planInput is a realistic one-region input: the pod-swdev sizes as the
// base renders them (request half the CPU limit, memory request = limit).
func planInput(t require.TestingT) PlanInput {
	return PlanInput{
		Users: 3000, Workspaces: 3000, RunningFraction: 0.6, BuildConcurrency: 0.06, MorningLoadFraction: 0.75, Headroom: 0.1,
		Shapes: []Shape{
			pod("pod-swdev/sw-dev-s", 0.5, 1000, 8192, 2000, 8192, 50),
			pod("pod-swdev/sw-dev-m", 0.3, 2000, 16384, 4000, 16384, 100),
			pod("pod-swdev/sw-dev-l", 0.1, 4000, 32768, 8000, 32768, 200),
			{Name: "ec2-datasci/ds-standard", Share: 0.1, DiskGiB: 100, InstanceType: "m6i.xlarge"},
		},
		Regions:      []RegionShare{{Name: "us-east-1", ControlPlane: true, Share: 1}},
		Control:      Group{Type: mustType(t, "m5.2xlarge"), Min: 4, Max: 5},
		Provisioner:  Group{Type: mustType(t, "c5.2xlarge"), Min: 0, Max: 26},
		Workspace:    Group{Type: mustType(t, "r5.4xlarge"), Min: 10, Max: 200},
		Provisioners: ProvisionerInput{Autoscaling: true, Pools: []Pool{{Name: "default"}}},
		PoolMaxOpen:  30,
	}
}

// The figures of one plan, with the arithmetic spelled out.
func TestPlanFigures(t *testing.T) {
	t.Parallel()
	p := PlanCapacity(planInput(t))
	rp := p.Region("us-east-1")
	require.NotNil(t, rp)
	// 3,000 workspaces × 60 % = 1,800 running: 900 S, 540 M, 180 L on
	// pods and 180 on EC2; each pod count + 10 % headroom.
	assert.Equal(t, 1800, rp.Running)
	counts := map[string][3]int{}
	for _, c := range rp.Shapes {
		counts[c.Shape.Name] = [3]int{c.Workspaces, c.Running, c.Planned}
	}
	assert.Equal(t, [3]int{1500, 900, 990}, counts["pod-swdev/sw-dev-s"])
	assert.Equal(t, [3]int{900, 540, 594}, counts["pod-swdev/sw-dev-m"])
	assert.Equal(t, [3]int{300, 180, 198}, counts["pod-swdev/sw-dev-l"])
	assert.Equal(t, map[string]int{"m6i.xlarge": 180}, rp.EC2)
	// Quota: 990 + 594 + 198 pods; CPU 990×1 + 594×2 + 198×4 = 2,970
	// vCPU; memory 990×8 + 594×16 + 198×32 = 23,760 GiB; PVCs for every
	// pod workspace + 10 %: 1,650 + 990 + 330, storage 1,650×50 + 990×100 +
	// 330×200 = 247,500 GiB.
	assert.Equal(t, Quota{Pods: 1782, Requests: Resources{2970000, 23760 * 1024}, PVCs: 2970, StorageGiB: 247500, Basis: rp.Quota.Basis}, rp.Quota)
	// The LimitRange admits the largest container and volume offered.
	assert.Equal(t, LimitRange{DefaultRequest: Resources{1000, 8192}, DefaultLimit: Resources{2000, 8192},
		MaxContainer: Resources{8000, 32768}, MaxVolumeGiB: 200}, rp.Limits)
	// r5.4xlarge: 15.49 vCPU / 125.9 GiB allocatable; memory binds at
	// 23,760 GiB / 125.9 ≈ 189, so packing needs at least that many.
	assert.GreaterOrEqual(t, rp.Workspace.PeakNodes, 189)
	assert.LessOrEqual(t, rp.Workspace.PeakNodes, 200)
	// Provisioners: 3,000 × 6 % = 180, at 7 per c5.2xlarge → 26 nodes.
	assert.Equal(t, 180, rp.Provisioners.Pools[0].Max)
	assert.Equal(t, 45, rp.Provisioners.Pools[0].Min, "a quarter of the ceiling stays warm")
	assert.Equal(t, 26, rp.Provisioners.Nodes)
	assert.Empty(t, p.Misfits)
	assert.Empty(t, p.Gaps())
}

func TestPlanReportsGapsWithTheKeyToChange(t *testing.T) {
	t.Parallel()
	in := planInput(t)
	in.Workspace.Max = 100
	in.Provisioner.Max = 10
	in.Provisioners.Max = 60
	p := PlanCapacity(in)
	gaps := map[string]string{}
	for _, g := range p.Gaps() {
		gaps[g.Scope+"/"+g.Item] = g.Gap
	}
	assert.Contains(t, gaps["us-east-1/workspace nodes (peak)"], "raise cluster.nodeGroups.workspace.maxSize to ")
	assert.Equal(t, "raise coder.provisioners.maxReplicas (or replicas) to 180", gaps["us-east-1/provisioners default"])
	assert.Equal(t, "", gaps["us-east-1/provisioner nodes"], "60 provisioners fit 10 nodes")
}

func TestPlanRejectsASizeNoNodeCanStart(t *testing.T) {
	t.Parallel()
	in := planInput(t)
	in.Workspace.Type = mustType(t, "m5.2xlarge")
	p := PlanCapacity(in)
	require.Len(t, p.Misfits, 1)
	assert.Equal(t, "pod-swdev/sw-dev-l", p.Misfits[0].Shape)
	assert.Equal(t, "requests 4 vCPU / 32Gi, more than one m5.2xlarge node has allocatable (7.51 vCPU / 29.9 GiB, 105 pods)", p.Misfits[0].Reason)
}

func TestApportionAddsUp(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 10000).Draw(t, "n")
		k := rapid.IntRange(1, 8).Draw(t, "k")
		shapes := make([]Shape, k)
		for i := range shapes {
			shapes[i].Share = float64(rapid.IntRange(0, 100).Draw(t, fmt.Sprint("share", i))) / 100
		}
		out := apportion(n, shapes)
		sum, any := 0, false
		for i, c := range out {
			sum += c
			any = any || shapes[i].Share > 0
			if shapes[i].Share == 0 {
				assert.Zero(t, c)
			}
		}
		if any {
			assert.Equal(t, n, sum)
		}
	})
}

var workspaceTypes = []string{"m5.2xlarge", "m5.4xlarge", "r5.2xlarge", "r5.4xlarge", "m6i.8xlarge", "c5.4xlarge"}

// Over random workloads and size mixes: the quota admits the planned
// running pods, the peak node count holds them with the headroom, every
// size that is not reported as a misfit fits one node and the LimitRange,
// and a node count above the group's maximum is always a gap.
func TestPlanInvariants(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		in := planInput(t)
		in.Users = rapid.IntRange(1, 6000).Draw(t, "users")
		in.Workspaces = in.Users * rapid.IntRange(1, 3).Draw(t, "perUser")
		in.RunningFraction = float64(rapid.IntRange(10, 100).Draw(t, "running")) / 100
		in.Headroom = float64(rapid.IntRange(0, 50).Draw(t, "headroom")) / 100
		in.Workspace.Type = mustType(t, rapid.SampledFrom(workspaceTypes).Draw(t, "type"))
		in.Workspace.Max = rapid.IntRange(1, 400).Draw(t, "max")
		n := rapid.IntRange(1, 5).Draw(t, "shapes")
		in.Shapes = nil
		for i := range n {
			cpu := rapid.IntRange(1, 64).Draw(t, fmt.Sprint("cpu", i)) * 250
			mem := rapid.IntRange(1, 64).Draw(t, fmt.Sprint("mem", i)) * 1024
			s := pod(fmt.Sprintf("t/s%d", i), float64(rapid.IntRange(0, 10).Draw(t, fmt.Sprint("share", i))), cpu/2, mem, cpu, mem, rapid.IntRange(10, 500).Draw(t, fmt.Sprint("disk", i)))
			if rapid.Bool().Draw(t, fmt.Sprint("sidecar", i)) {
				s.Containers = append(s.Containers, ContainerShape{Name: "gui", Requests: Resources{250, 512}, Limits: Resources{1000, 2048}})
			}
			in.Shapes = append(in.Shapes, s)
		}
		if rapid.Bool().Draw(t, "twoRegions") {
			in.Regions = []RegionShare{{Name: "a", ControlPlane: true, Share: 0.6}, {Name: "b", Share: 0.4}}
		}
		p := PlanCapacity(in)
		misfit := map[string]bool{}
		for _, m := range p.Misfits {
			misfit[m.Shape] = true
		}
		a := in.Workspace.Type.Allocatable()
		for _, rp := range p.Regions {
			var pods int
			var req Resources
			for _, c := range rp.Shapes {
				assert.GreaterOrEqual(t, c.Planned, c.Running)
				r := c.Shape.Requests()
				pods += c.Running
				req.MilliCPU += c.Running * r.MilliCPU
				req.MiB += c.Running * r.MiB
			}
			assert.GreaterOrEqual(t, rp.Quota.Pods, pods, "quota admits the running pods")
			assert.GreaterOrEqual(t, rp.Quota.Requests.MilliCPU, req.MilliCPU)
			assert.GreaterOrEqual(t, rp.Quota.Requests.MiB, req.MiB)
			if len(misfit) == 0 && rp.Workspace.PeakNodes > 0 {
				// The nodes hold the planned (headroom) pods' requests.
				assert.GreaterOrEqual(t, rp.Workspace.PeakNodes*a.MilliCPU, rp.Quota.Requests.MilliCPU)
				assert.GreaterOrEqual(t, rp.Workspace.PeakNodes*a.MiB, rp.Quota.Requests.MiB)
				assert.GreaterOrEqual(t, rp.Workspace.PeakNodes*a.Pods, rp.Quota.Pods)
			}
			for _, s := range in.Shapes {
				for _, c := range s.Containers {
					assert.LessOrEqual(t, c.Limits.MilliCPU, rp.Limits.MaxContainer.MilliCPU, s.Name)
					assert.LessOrEqual(t, c.Limits.MiB, rp.Limits.MaxContainer.MiB, s.Name)
				}
				assert.LessOrEqual(t, s.DiskGiB, rp.Limits.MaxVolumeGiB)
				if !misfit[s.Name] {
					r := s.Requests()
					assert.LessOrEqual(t, r.MilliCPU, a.MilliCPU, s.Name)
					assert.LessOrEqual(t, r.MiB, a.MiB, s.Name)
				}
			}
			gapped := false
			for _, g := range p.Gaps() {
				gapped = gapped || (g.Scope == rp.Name && g.Item == "workspace nodes (peak)")
			}
			if rp.Workspace.PeakNodes > in.Workspace.Max || (rp.Workspace.PeakNodes == 0 && rp.Quota.Pods > 0) {
				assert.True(t, gapped, "a shortfall of workspace nodes is a gap")
			}
		}
	})
}
