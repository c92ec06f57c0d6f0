package diagram

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
)

// The components view holds every region of the stack config, and in each
// the subnet tiers by AZ, the node groups, the load balancer, DNS and
// monitoring, read from the preview's inputs.
func TestDiagramComponentsHoldEveryRegionAndPart(t *testing.T) {
	for _, stack := range stacksUnderTest {
		t.Run(stack, func(t *testing.T) {
			res := previewOf(t, stack)
			ix := newIndex(res)
			g := build(t, stack, Components)
			require.NotEmpty(t, res.Config.Regions)
			for _, reg := range res.Config.Regions {
				rid := regionID(reg.Name)
				require.NotNil(t, g.Node(rid), "region %s", reg.Name)
				assert.Contains(t, labelOf(g, rid), reg.Name)
				assert.Contains(t, labelOf(g, rid), strings.ReplaceAll(string(reg.Role), "-", " "))

				var info preview.RegionInfo
				for _, r := range ix.Regions() {
					if r.Name == reg.Name {
						info = r
					}
				}
				for _, s := range ix.under(info.Res, "aws:ec2/subnet:Subnet") {
					box := labelOf(g, rid+"/vpc/tier-"+tag(s, "coder:tier"))
					assert.Contains(t, box, s.Str("availabilityZone")+"  "+s.Str("cidrBlock"), s.Name)
				}
				for _, ng := range ix.under(info.Res, "aws:eks/nodeGroup:NodeGroup") {
					box := labelOf(g, rid+"/cluster/ng-"+ng.Str("nodeGroupName"))
					assert.Contains(t, box, strings.Join(ng.Strs("instanceTypes"), ", "), ng.Name)
				}
				for _, l := range ix.under(info.Res, tListener) {
					// One box: the component is drawn as a single node.
					assert.Contains(t, labelOf(g, rid+"/loadbalancer"), listenerPort(l)+" → ")
				}
				for _, typ := range recordTypes {
					for _, rec := range ix.under(info.Res, typ) {
						if ix.recordLB(rec) != nil {
							assert.Contains(t, labelOf(g, rid+"/records"), rec.Str("name"))
						}
					}
				}
				alarms := len(ix.under(info.Res, "aws:cloudwatch/metricAlarm:MetricAlarm"))
				assert.Contains(t, labelOf(g, rid+"/monitoring"), fmt.Sprintf("CloudWatch alarm ×%d", alarms))
				assert.NotEmpty(t, edgesBetween(g, rid+"/cluster", rid+"/vpc"), "the cluster uses the VPC")
			}
			control := regionID(res.Config.Regions[0].Name)
			dbs := ix.OfType("aws:rds/cluster:Cluster")
			require.Len(t, dbs, 1)
			assert.Contains(t, labelOf(g, control+"/aurora/aurora-"+dbs[0].Name), "port"+portSuffix(dbs[0], "port"))
			assert.Len(t, edgesFromTo(g, control+"/coder", control+"/aurora"), 1, "coderd uses the database")
		})
	}
}

// Dependency edges are drawn only where no longer path implies them.
func TestDiagramComponentDependenciesAreReduced(t *testing.T) {
	for _, stack := range stacksUnderTest {
		g := build(t, stack, Components)
		uses := map[string]map[string]bool{}
		for _, e := range g.Edges() {
			require.Equal(t, EdgeDepends, e.Class)
			if uses[e.From] == nil {
				uses[e.From] = map[string]bool{}
			}
			uses[e.From][e.To] = true
		}
		require.NotEmpty(t, uses, stack)
		for from, tos := range uses {
			for to := range tos {
				assert.False(t, reachableWithout(uses, from, to), "%s: %s → %s is implied by a longer path", stack, from, to)
			}
		}
	}
}
