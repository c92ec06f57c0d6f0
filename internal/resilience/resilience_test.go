package resilience

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/sizing"
)

// The expectations below are computed from the registered inputs (the
// writer's availabilityZone, the release's replicaCount, the node groups'
// subnets, the capacity plan), so they follow the program.

// writerOf is the coderd region's Aurora writer: the instance of the
// lowest promotionTier, with the zone it was registered in.
func writerOf(t *testing.T, res *preview.Result, region string) (writer, reader *preview.Resource) {
	t.Helper()
	ins := ofType(res, tDBInstance, region)
	require.Len(t, ins, 2, "the analysis expects a writer and a reader in %s", region)
	slices.SortFunc(ins, func(a, b *preview.Resource) int { return int(tier(a) - tier(b)) })
	return ins[0], ins[1]
}

// coderdRelease is the coderd release of the stack.
func coderdRelease(t *testing.T, res *preview.Result) *preview.Resource {
	t.Helper()
	for _, r := range ofType(res, tRelease, "") {
		if proxy, _ := r.Bool("values.coder.workspaceProxy"); r.Str("chart") == coder.CoderChart && !proxy {
			return r
		}
	}
	t.Fatal("no coderd release")
	return nil
}

func TestEveryZoneOfEveryStack(t *testing.T) {
	for _, stack := range stacksUnderTest {
		res := previewOf(t, stack)
		cp := res.Config.ControlPlane().Name
		rel := coderdRelease(t, res)
		replicas, _ := rel.Num("values.coder.replicaCount")
		g := newGraph(res)
		for _, reg := range res.Config.Regions {
			writer, reader := writerOf(t, res, cp)
			wsGroups := g.nodeGroups(reg.Name, workloads.TierWorkspace.NodeSelector())
			wsZones := g.groupZones(wsGroups)
			running := res.Config.Capacity().Region(reg.Name).Running
			for _, zone := range reg.AvailabilityZones {
				t.Run(stack+"/"+zone, func(t *testing.T) {
					rep := analyze(t, res, "az:"+zone)
					assert.Empty(t, rep.Stopped(), "no critical tier stops when one zone is lost")
					assert.True(t, rep.Recovery.Met, "recovery %s within rto.az %s", rep.Recovery.Total, rep.Recovery.RTO)

					db := tierOf(t, rep, "database")
					switch {
					case reg.Name != cp:
						assert.Equal(t, Unaffected, db.Status)
					case zone == writer.Str("availabilityZone"):
						assert.Equal(t, Degraded, db.Status)
						assert.Contains(t, strings.Join(db.Details, " "), "promotes "+reader.Name+" in "+reader.Str("availabilityZone"))
						assert.Contains(t, stepNames(rep), ": failover to "+reader.Name)
					case zone == reader.Str("availabilityZone"):
						assert.Equal(t, Degraded, db.Status)
						assert.Contains(t, strings.Join(db.Details, " "), "a reader is lost")
					default:
						assert.Equal(t, Unaffected, db.Status)
					}

					cd := tierOf(t, rep, "coderd")
					edge := tierOf(t, rep, "edge")
					if reg.Name == cp {
						// A hard spread of maxSkew 1 over the control zones.
						zones := len(g.groupZones(g.nodeGroups(cp, map[string]any{string(workloads.TierControl): "true"})))
						lost := (int(replicas) + zones - 1) / zones
						assert.Equal(t, fmt.Sprintf("%d of %d replicas", int(replicas)-lost, int(replicas)), cd.Capacity)
						assert.Equal(t, Degraded, cd.Status)
						assert.Equal(t, Degraded, edge.Status)
					} else {
						assert.Equal(t, Unaffected, cd.Status)
						assert.Equal(t, Unaffected, edge.Status)
					}

					ws := tierOf(t, rep, "workspaces")
					assert.Equal(t, Degraded, ws.Status)
					lostWS := (running + len(wsZones) - 1) / len(wsZones)
					assert.Contains(t, strings.Join(ws.Details, " "), fmt.Sprintf("%s: %d running workspaces", reg.Name, running))
					assert.Contains(t, strings.Join(ws.Details, " "), fmt.Sprintf(": %d lose their node and home volume until %s returns", lostWS, zone))

					// One NAT gateway per zone: only the lost zone loses egress.
					assert.Len(t, ofType(res, tNAT, reg.Name), len(reg.AvailabilityZones))
					eg := tierOf(t, rep, "egress")
					assert.Equal(t, Degraded, eg.Status)
					assert.Contains(t, strings.Join(eg.Details, " "), "each zone has its own gateway")

					px := tierOf(t, rep, "proxies")
					if len(res.Config.Regions) == 1 {
						assert.Equal(t, "none", px.Capacity)
					} else if reg.Name == cp {
						assert.Equal(t, Unaffected, px.Status)
					} else {
						assert.Equal(t, Degraded, px.Status, "a proxy region's zone costs a replica")
					}
				})
			}
		}
	}
}

func stepNames(rep *Report) string {
	var out []string
	for _, s := range rep.Recovery.Steps {
		out = append(out, s.What)
	}
	return strings.Join(out, "\n")
}

func TestLosingEachWorkshopRegion(t *testing.T) {
	res := previewOf(t, "workshop")
	for _, reg := range res.Config.Regions {
		t.Run(reg.Name, func(t *testing.T) {
			rep := analyze(t, res, "region:"+reg.Name)
			require.NotEmpty(t, rep.Recovery.Path, "a lost region is rebuilt")
			status := map[string]Status{}
			for _, v := range rep.Tiers {
				status[v.Tier] = v.Status
			}
			if workloads.Role(reg.Role).RunsCoderd() {
				// Everything stops until the failover stack is up.
				for _, tier := range []string{"edge", "coderd", "database", "provisioners", "workspaces", "proxies"} {
					assert.Equal(t, Stops, status[tier], tier)
				}
				assert.True(t, rep.Failed())
				assert.Subset(t, rep.Stopped(), res.Config.Resilience.Critical)
				assert.Contains(t, pathTypes(rep), tDBCluster, "the database is restored (or promoted) on the way")
				return
			}
			// A proxy region: its users fall back to the primary.
			assert.Empty(t, rep.Stopped())
			for _, tier := range []string{"edge", "coderd"} {
				assert.Equal(t, Unaffected, status[tier], tier)
			}
			assert.Equal(t, Degraded, status["proxies"])
			px := tierOf(t, rep, "proxies")
			assert.Contains(t, strings.Join(px.Details, " "), "its users fall back to the primary")
			assert.Equal(t, fmt.Sprintf("%d of %d proxies", len(res.Config.Regions)-2, len(res.Config.Regions)-1), px.Capacity)
			assert.Equal(t, Degraded, status["workspaces"])
			assert.Equal(t, Degraded, status["provisioners"])
		})
	}
}

func pathTypes(rep *Report) []string {
	var out []string
	for _, s := range rep.Recovery.Steps {
		if s.Type != "" {
			out = append(out, s.Type)
		} else if strings.Contains(s.What, "global database") {
			out = append(out, tDBCluster)
		}
	}
	return out
}

// Putting the reader in the writer's zone makes that zone's loss stop the
// database, which the stacks mark critical.
func TestAuroraInOneZoneStopsTheDatabase(t *testing.T) {
	for _, stack := range stacksUnderTest {
		t.Run(stack, func(t *testing.T) {
			res := previewOf(t, stack)
			cp := res.Config.ControlPlane().Name
			writer, reader := writerOf(t, res, cp)
			zone := writer.Str("availabilityZone")
			before := analyze(t, res, "az:"+zone)
			require.Equal(t, Degraded, tierOf(t, before, "database").Status)

			one := mutated(t, res, reader.URN, func(in map[string]any) { in["availabilityZone"] = zone })
			after := analyze(t, one, "az:"+zone)
			db := tierOf(t, after, "database")
			assert.Equal(t, Stops, db.Status)
			assert.Equal(t, "0 of 2 instances", db.Capacity)
			assert.Equal(t, Stops, tierOf(t, after, "coderd").Status, "coderd stops with its database")
			assert.Contains(t, after.Stopped(), "database")
			assert.True(t, after.Failed())
			assert.Contains(t, stepNames(after), writer.Name+": a new instance in a surviving zone")

			// Another zone is still survived.
			for _, z := range res.Config.ControlPlane().AvailabilityZones {
				if z != zone {
					assert.NotEqual(t, Stops, tierOf(t, analyze(t, one, "az:"+z), "database").Status, z)
				}
			}
		})
	}
}

// Without the zone spread nothing keeps coderd's replicas apart: losing a
// zone may take them all.
func TestNoTopologySpreadStopsCoderd(t *testing.T) {
	for _, stack := range stacksUnderTest {
		t.Run(stack, func(t *testing.T) {
			res := previewOf(t, stack)
			rel := coderdRelease(t, res)
			zone := res.Config.ControlPlane().AvailabilityZones[0]
			require.Equal(t, Degraded, tierOf(t, analyze(t, res, "az:"+zone), "coderd").Status)

			loose := mutated(t, res, rel.URN, func(in map[string]any) {
				delete(in["values"].(map[string]any)["coder"].(map[string]any), "topologySpreadConstraints")
			})
			after := analyze(t, loose, "az:"+zone)
			cd := tierOf(t, after, "coderd")
			assert.Equal(t, Stops, cd.Status)
			assert.Contains(t, strings.Join(cd.Details, " "), "no topology spread over "+zoneKey)
			assert.Contains(t, after.Stopped(), "coderd")
			assert.Contains(t, stepNames(after), rel.Name+": pods scheduled again")

			// ScheduleAnyway is a preference: no better.
			soft := mutated(t, res, rel.URN, func(in map[string]any) {
				c := in["values"].(map[string]any)["coder"].(map[string]any)
				c["topologySpreadConstraints"].([]any)[0].(map[string]any)["whenUnsatisfiable"] = "ScheduleAnyway"
			})
			assert.Equal(t, Stops, tierOf(t, analyze(t, soft, "az:"+zone), "coderd").Status)
		})
	}
}

// A route table that sends a surviving zone through the lost zone's NAT
// gateway cuts that zone's egress, and the recovery replaces the gateway.
func TestSharedNATCutsEgress(t *testing.T) {
	res := previewOf(t, "prod")
	region := res.Config.ControlPlane()
	lost, other := region.AvailabilityZones[0], region.AvailabilityZones[1]
	var natLost string
	for _, n := range ofType(res, tNAT, region.Name) {
		if slices.Contains(newGraph(res).subnetZones(n, "subnetId"), lost) {
			natLost = n.URN
		}
	}
	require.NotEmpty(t, natLost)
	var route *preview.Resource
	g := newGraph(res)
	for _, rt := range g.inRegion(tRoute, region.Name) {
		for _, table := range g.Targets(rt, "routeTableId") {
			if len(g.refsOfType(rt, "natGatewayId", tNAT)) > 0 && slices.Equal(newAnalysis(g).associatedZones(table), []string{other}) {
				route = rt
			}
		}
	}
	require.NotNil(t, route, "the private route of %s", other)
	shared := *res
	shared.Resources = nil
	for _, r := range res.Resources {
		if r.URN == route.URN {
			c := *r
			c.PropertyDependencies = map[string][]string{"natGatewayId": {natLost}, "routeTableId": r.PropertyDependencies["routeTableId"]}
			r = &c
		}
		shared.Resources = append(shared.Resources, r)
	}
	rep := analyze(t, &shared, "az:"+lost)
	eg := tierOf(t, rep, "egress")
	assert.Contains(t, strings.Join(eg.Details, " "), other+" (through the NAT gateway in "+lost+")")
	assert.Contains(t, pathTypes(rep), sizing.StepNATGateway)
}

func newAnalysis(g *graph) *analysis { return &analysis{g: g} }

func TestBadFailures(t *testing.T) {
	for _, bad := range []string{"", "az", "az:", "zone:us-east-1a", "region"} {
		_, err := ParseFailure(bad)
		var ie *InputError
		require.ErrorAs(t, err, &ie, bad)
		assert.Contains(t, err.Error(), "want az:<zone> (such as az:us-east-1a) or region:<region>")
	}
	res := previewOf(t, "prod")
	_, err := Analyze(res, Failure{LoseAZ, "us-east-1z"})
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, `--lose az:us-east-1z: the stack has no subnet in zone "us-east-1z"; its zones are us-east-1a, us-east-1b, us-east-1c`, err.Error())
	_, err = Analyze(res, Failure{LoseRegion, "eu-west-2"})
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, `--lose region:eu-west-2: the stack has no region "eu-west-2"; its regions are us-east-1`, err.Error())
}

// The home volumes of a lost zone come back from the region's backup plan,
// whose selection the analysis finds by the StorageClass's tag; without
// that selection they wait for the zone.
func TestLostZoneHomesComeBackFromBackup(t *testing.T) {
	res := previewOf(t, "prod")
	zone := "az:" + res.Config.ControlPlane().AvailabilityZones[0]
	details := strings.Join(tierOf(t, analyze(t, res, zone), "workspaces").Details, "\n")
	assert.Contains(t, details, "their home volumes are backed up (AWS Backup selection ")
	assert.Contains(t, details, "copied to us-west-2; each can be restored in a surviving zone")

	var sel *preview.Resource
	for _, r := range res.Resources {
		if r.Type == tBackupSelection && strings.HasSuffix(r.Name, "-homes") {
			sel = r
		}
	}
	require.NotNil(t, sel)
	untagged := mutated(t, res, sel.URN, func(in map[string]any) { delete(in, "conditions") })
	details = strings.Join(tierOf(t, analyze(t, untagged, zone), "workspaces").Details, "\n")
	assert.Contains(t, details, "home volumes are not backed up (no AWS Backup selection in the preview selects their tag coder:backup=home); they wait for the zone to return")
}
