package tests

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/deploy"
	"github.com/platformeng/coder-platform/internal/preflight"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks"
)

// The quota needs are derived from config, once; this checks every count
// against what the program registers in each region, so a component that
// starts creating one more NAT gateway or endpoint changes the needs too.
func TestQuotaNeedsMatchTheRegisteredResources(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		t.Run(name, func(t *testing.T) {
			r := stack(t, name)
			needs := stacks.QuotaNeeds(r.Config)
			for _, rc := range r.Config.Regions {
				region := rc.Name
				count := func(typ string, keep func(*preview.Resource) bool) int {
					n := 0
					for _, res := range r.OfType(typ) {
						if regionOf(r, res) == region && (keep == nil || keep(res)) {
							n++
						}
					}
					return n
				}
				got := map[string]int{}
				byAZ := map[string]int{}
				vcpu := map[string]int{}
				for _, n := range needs {
					if n.Region != region {
						continue
					}
					switch n.Quota {
					case preflight.NATPerAZ:
						byAZ[n.AZ] += n.Amount
					case preflight.NodesPerGroup:
						got[n.Scope] = n.Amount
					default:
						got[n.Quota.Code] += n.Amount
					}
					if n.Class != "" {
						vcpu[n.Quota.Code] += n.Amount
					}
				}
				assert.Equal(t, count("aws:ec2/eip:Eip", nil), got[preflight.ElasticIPs.Code], "%s EIPs", region)
				assert.Equal(t, count("aws:ec2/vpc:Vpc", nil), got[preflight.VPCs.Code], "%s VPCs", region)
				assert.Equal(t, count("aws:ec2/internetGateway:InternetGateway", nil), got[preflight.InternetGateways.Code])
				assert.Equal(t, count("aws:ec2/vpcEndpoint:VpcEndpoint", func(e *preview.Resource) bool {
					return str(e, "vpcEndpointType") == "Interface"
				}), got[preflight.InterfaceEndpoints.Code], "%s interface endpoints", region)
				assert.Equal(t, count("aws:lb/loadBalancer:LoadBalancer", func(lb *preview.Resource) bool {
					return str(lb, "loadBalancerType") == "network"
				}), got[preflight.NLBs.Code])
				clusters := 0
				for _, c := range r.OfType("eks:index:Cluster") {
					if c.Name == stacks.ClusterName(r.Config, region) { // a remote component: no provider of its own
						clusters++
					}
				}
				assert.Equal(t, clusters, got[preflight.EKSClusters.Code])
				assert.Equal(t, count("aws:rds/cluster:Cluster", nil), got[preflight.DBClusters.Code], "%s DB clusters", region)
				assert.Equal(t, count("aws:rds/clusterInstance:ClusterInstance", nil), got[preflight.DBInstances.Code], "%s DB instances", region)

				// One NAT gateway per AZ, in the AZs the needs name.
				nats := map[string]int{}
				ix := indexOf(r)
				for _, nat := range r.OfType("aws:ec2/natGateway:NatGateway") {
					if regionOf(r, nat) == region {
						nats[str(ix.ref(nat, "subnetId"), "availabilityZone")]++
					}
				}
				assert.Equal(t, nats, byAZ, "%s NAT gateways per AZ", region)

				// Node groups: their number, each one's maxSize, and the vCPUs
				// at that maximum on the largest listed type, per capacity type.
				// gp3: the coder-ws ResourceQuota's storage, each group's root
				// volumes (from its launch template) at maxSize, and the EC2
				// workspaces' volumes of the plan.
				wantGiB := 0
				regionURN := deploy.RegionURN(r.Project, r.Stack, region)
				for _, q := range r.OfType("kubernetes:core/v1:ResourceQuota") {
					if under(r, q, regionURN) { // a Kubernetes resource: no AWS region of its own
						v, ok := q.InputAt("spec", "hard", "requests.storage")
						require.True(t, ok && v.IsString())
						storage := v.StringValue()
						gib, err := strconv.Atoi(strings.TrimSuffix(storage, "Gi"))
						require.NoError(t, err, storage)
						wantGiB += gib
					}
				}
				groups := 0
				wantVCPU := map[string]int{}
				for _, ng := range r.OfType("aws:eks/nodeGroup:NodeGroup") {
					if regionOf(r, ng) != region {
						continue
					}
					groups++
					gname := str(ng, "nodeGroupName")
					maxSize := int(num(ng, "scalingConfig.maxSize"))
					lt := ix.ref(ng, "launchTemplate.id")
					require.NotNil(t, lt, gname)
					wantGiB += maxSize * int(num(lt, "blockDeviceMappings[0].ebs.volumeSize"))
					assert.Equal(t, maxSize, got["node group "+gname], "%s %s maxSize", region, gname)
					largest := 0
					for _, it := range strs(ng, "instanceTypes") {
						tp, err := sizing.ParseInstanceType(it)
						require.NoError(t, err)
						largest = max(largest, tp.VCPU)
					}
					quota := preflight.OnDemandVCPU[preflight.ClassStandard]
					if str(ng, "capacityType") == "SPOT" {
						quota = preflight.SpotVCPU[preflight.ClassStandard]
					}
					wantVCPU[quota.Code] += maxSize * largest
				}
				assert.Equal(t, groups, got[preflight.NodeGroups.Code])
				ec2 := r.Config.Capacity().Region(region).EC2
				for typ, n := range ec2 {
					tp, err := sizing.ParseInstanceType(typ)
					require.NoError(t, err)
					class, ok := preflight.ClassOf(tp.Family.Name)
					require.True(t, ok, typ)
					wantVCPU[preflight.OnDemandVCPU[class].Code] += n * tp.VCPU
				}
				assert.Equal(t, wantVCPU, vcpu, fmt.Sprintf("%s vCPUs", region))
				// EC2 workspaces: each one's home and root volumes, which stay
				// while it is stopped (root size from its template's settings).
				for _, sc := range r.Config.Capacity().Region(region).Shapes {
					if sc.Shape.OnNodes() {
						continue
					}
					template, _, _ := strings.Cut(sc.Shape.Name, "/")
					root := 0
					for _, tpl := range r.Config.Composed() {
						if tpl.Name == template {
							v, ok := tpl.Settings["root_volume_gib"]
							require.True(t, ok, "%s has a root volume setting", template)
							root = int(toFloat(t, v))
						}
					}
					require.Positive(t, root, template)
					wantGiB += sc.Workspaces * (sc.Shape.DiskGiB + root)
				}
				gp3 := 0
				for _, n := range needs {
					if n.Region == region && n.Quota == preflight.GP3Storage {
						gp3 = n.Amount
					}
				}
				assert.Equal(t, wantGiB, gp3, "%s gp3 GiB", region)
			}
		})
	}
}

func toFloat(t *testing.T, v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	t.Fatalf("not a number: %v", v)
	return 0
}
