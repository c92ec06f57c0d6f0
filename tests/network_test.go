package tests

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks/config"
)

func TestEveryRegionHasOneVpcWithFiveTiersInThreeAZs(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		vpcs := r.OfType(tVpc)
		require.Len(t, vpcs, len(r.Config.Regions), name)
		for _, rc := range r.Config.Regions {
			var tiers = map[string]map[string]string{}
			for _, s := range r.OfType(tSubnet) {
				if regionOf(r, s) != rc.Name {
					continue
				}
				tier := tag(s, "coder:tier")
				if tiers[tier] == nil {
					tiers[tier] = map[string]string{}
				}
				tiers[tier][str(s, "availabilityZone")] = str(s, "cidrBlock")
			}
			require.Len(t, tiers, 5, "%s %s tiers", name, rc.Name)
			for _, tier := range sizing.Tiers {
				assert.Len(t, tiers[string(tier)], 3, "%s %s %s", name, rc.Name, tier)
				for az, cidr := range tiers[string(tier)] {
					want := ""
					for _, s := range r.Config.Region(rc.Name).Network.SubnetsOf(tier) {
						if s.AZ == az {
							want = s.CIDR.String()
						}
					}
					assert.Equal(t, want, cidr, "registered CIDR must be the planned one")
				}
			}
		}
	}
}

func TestSubnetDiscoveryTags(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	for _, s := range r.OfType(tSubnet) {
		switch tag(s, "coder:tier") {
		case "public":
			assert.Equal(t, "1", tag(s, "kubernetes.io/role/elb"), s.Name)
			assert.False(t, boolean(s, "mapPublicIpOnLaunch"))
		case "private-control":
			assert.Equal(t, "1", tag(s, "kubernetes.io/role/internal-elb"), s.Name)
		}
	}
}

func TestProvidersCarryDefaultTags(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		provs := r.OfType(tAWSProvider)
		want := map[string]bool{r.Config.Database.Backup.CopyRegion: true}
		for _, rc := range r.Config.Regions {
			want[rc.Name] = true
		}
		require.Len(t, provs, len(want), "one provider per stack region and the backup-copy region")
		for _, p := range provs {
			region := str(p, "region")
			assert.Equal(t, "coder-platform", str(p, "defaultTags.tags.project"))
			assert.Equal(t, name, str(p, "defaultTags.tags.stack"))
			assert.Equal(t, region, str(p, "defaultTags.tags.region"))
			assert.Equal(t, r.Config.Tags.Owner, str(p, "defaultTags.tags.owner"))
			assert.Equal(t, r.Config.Tags.CostCenter, str(p, "defaultTags.tags.cost-center"))
		}
		// Every AWS resource goes through the explicit provider of its region,
		// and everything inside a cluster through that region's cluster.
		for _, comp := range r.OfType(tRegionComp) {
			for _, res := range r.Resources {
				if !res.Custom || strings.HasPrefix(res.Type, "pulumi:providers:") || !under(r, res, comp.URN) {
					continue
				}
				switch {
				case strings.HasPrefix(res.Type, "aws:") && (strings.HasSuffix(res.Name, "-dr") || strings.Contains(res.Name, "-dr-") || strings.HasSuffix(res.Name, "-lock-1")):
					// The backup copy lives in the second region on purpose.
					assert.Equal(t, r.Config.Database.Backup.CopyRegion, regionOf(r, res), "%s %s", res.Type, res.Name)
				case strings.HasPrefix(res.Type, "aws:"):
					assert.Equal(t, comp.Name, regionOf(r, res), "%s %s", res.Type, res.Name)
				case strings.HasPrefix(res.Type, "kubernetes:"):
					prov := res.Provider[:strings.LastIndex(res.Provider, "::")]
					require.True(t, strings.Contains(prov, "pulumi:providers:kubernetes"), res.Name)
					var p *preview.Resource
					for _, x := range r.Resources {
						if x.URN == prov {
							p = x
						}
					}
					require.NotNil(t, p)
					assert.True(t, under(r, p, comp.URN), "%s uses the cluster of its own region", res.Name)
				}
			}
		}
	}
}

// Losing one AZ never cuts another AZ's egress: every private subnet routes
// 0.0.0.0/0 to the NAT gateway of its own AZ, and every AZ has its own NAT.
func TestNatEgressIsPerAZ(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		ix := indexOf(r)
		defaults := map[string]*preview.Resource{} // route table ID → default route
		for _, rt := range r.OfType(tRoute) {
			if str(rt, "destinationCidrBlock") == "0.0.0.0/0" {
				defaults[str(rt, "routeTableId")] = rt
			}
		}
		natsByRegion := map[string]map[string]bool{}
		checked := 0
		for _, a := range r.OfType(tRTA) {
			subnet := ix.ref(a, "subnetId")
			require.NotNil(t, subnet)
			tier := tag(subnet, "coder:tier")
			if tier == "public" || tier == "database" {
				continue
			}
			route := defaults[str(a, "routeTableId")]
			require.NotNil(t, route, "%s subnet %s has no default route", tier, subnet.Name)
			nat := ix.ref(route, "natGatewayId")
			require.NotNil(t, nat, "%s subnet %s must egress through a NAT gateway", tier, subnet.Name)
			natSubnet := ix.ref(nat, "subnetId")
			assert.Equal(t, str(subnet, "availabilityZone"), str(natSubnet, "availabilityZone"),
				"%s: %s egress must use its own AZ's NAT", name, subnet.Name)
			assert.Equal(t, "public", tag(natSubnet, "coder:tier"))
			region := regionOf(r, nat)
			if natsByRegion[region] == nil {
				natsByRegion[region] = map[string]bool{}
			}
			natsByRegion[region][nat.URN] = true
			checked++
		}
		assert.Equal(t, 9*len(r.Config.Regions), checked, "3 private tiers × 3 AZs per region")
		for region, nats := range natsByRegion {
			assert.Len(t, nats, 3, "%s %s: one NAT per AZ", name, region)
		}
	}
}

func TestDatabaseSubnetsHaveNoInternetRoute(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	ix := indexOf(r)
	withDefault := map[string]bool{}
	for _, rt := range r.OfType(tRoute) {
		if str(rt, "destinationCidrBlock") == "0.0.0.0/0" {
			withDefault[str(rt, "routeTableId")] = true
		}
	}
	for _, a := range r.OfType(tRTA) {
		if tag(ix.ref(a, "subnetId"), "coder:tier") == "database" {
			assert.False(t, withDefault[str(a, "routeTableId")])
		}
	}
}

func TestVpcEndpoints(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	ix := indexOf(r)
	services := map[string]string{}
	for _, e := range r.OfType(tEndpoint) {
		services[str(e, "serviceName")] = str(e, "vpcEndpointType")
		if str(e, "vpcEndpointType") == "Interface" {
			assert.True(t, boolean(e, "privateDnsEnabled"), e.Name)
			sgs := strs(e, "securityGroupIds")
			require.Len(t, sgs, 1)
			assert.Equal(t, "endpoints", tag(ix.byID[sgs[0]], "coder:sg"))
		} else {
			assert.Len(t, strs(e, "routeTableIds"), 3, "S3 gateway on every private route table")
		}
	}
	assert.Equal(t, "Gateway", services["com.amazonaws.us-east-1.s3"])
	for _, svc := range []string{"ecr.api", "ecr.dkr", "secretsmanager", "logs", "monitoring", "sts", "ec2", "elasticloadbalancing"} {
		assert.Equal(t, "Interface", services["com.amazonaws.us-east-1."+svc], svc)
	}
	// The endpoint group admits 443 from the VPC and nothing else.
	for _, in := range r.OfType(tSGIngressRule) {
		if tag(ix.ref(in, "securityGroupId"), "coder:sg") == "endpoints" {
			assert.Equal(t, "10.40.0.0/16", str(in, "cidrIpv4"))
			assert.Equal(t, 443.0, num(in, "fromPort"))
			assert.Equal(t, 443.0, num(in, "toPort"))
		}
	}
}

// No 0.0.0.0/0 ingress anywhere except TLS on the public load balancer.
func TestNoWorldIngressExceptLoadBalancer443(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		ix := indexOf(r)
		world := 0
		for _, in := range r.OfType(tSGIngressRule) {
			if str(in, "cidrIpv4") != "0.0.0.0/0" && str(in, "cidrIpv6") != "::/0" {
				continue
			}
			world++
			assert.Equal(t, "loadbalancer", tag(ix.ref(in, "securityGroupId"), "coder:sg"), in.Name)
			assert.Equal(t, "tcp", str(in, "ipProtocol"))
			assert.Equal(t, 443.0, num(in, "fromPort"))
			assert.Equal(t, 443.0, num(in, "toPort"))
		}
		assert.Equal(t, len(r.Config.Regions), world)
	}
}

func TestDatabaseAdmitsPostgresFromControlNodesOnly(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	ix := indexOf(r)
	n := 0
	for _, in := range r.OfType(tSGIngressRule) {
		if tag(ix.ref(in, "securityGroupId"), "coder:sg") != "database" {
			continue
		}
		n++
		assert.Equal(t, 5432.0, num(in, "fromPort"))
		assert.Equal(t, "control", tag(ix.ref(in, "referencedSecurityGroupId"), "coder:sg"))
		assert.Empty(t, str(in, "cidrIpv4"))
	}
	assert.Equal(t, 1, n)
}

// Workspace egress is exactly the allow-list, STUN and direct-connection UDP.
func TestWorkspaceEgressFollowsAllowList(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	ix := indexOf(r)
	nlbIPs := map[string]bool{}
	for _, eip := range r.OfType("aws:ec2/eip:Eip") {
		if strings.Contains(eip.Name, "-nlb-") {
			nlbIPs[fmt.Sprintf("%s/32", eip.ID)] = true
		}
	}
	var tcp, udp []string
	toNLB := 0
	for _, e := range r.OfType(tEgress) {
		if tag(ix.ref(e, "securityGroupId"), "coder:sg") != "workspace" {
			continue
		}
		if strings.HasSuffix(str(e, "cidrIpv4"), "/32") && str(e, "ipProtocol") == "tcp" && num(e, "fromPort") == 443 {
			toNLB++ // agents reach the access URL through the NLB's static addresses
			continue
		}
		rule := fmt.Sprintf("%s:%v-%v", str(e, "cidrIpv4"), num(e, "fromPort"), num(e, "toPort"))
		switch str(e, "ipProtocol") {
		case "tcp":
			tcp = append(tcp, rule)
		case "udp":
			udp = append(udp, rule)
		default:
			t.Errorf("workspace egress must be tcp or udp, got %q", str(e, "ipProtocol"))
		}
	}
	assert.ElementsMatch(t, []string{"0.0.0.0/0:443-443", "10.0.0.0/13:22-22", "10.0.0.0/13:443-443", "10.0.0.0/13:5432-5432"}, tcp)
	assert.ElementsMatch(t, []string{"0.0.0.0/0:3478-3478", "0.0.0.0/0:19302-19302", "0.0.0.0/0:1024-65535"}, udp)
	assert.Equal(t, 3, toNLB, "one /32 per NLB address")
}

func TestTransitGatewayRoutes(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	var routes []string
	for _, rt := range r.OfType(tRoute) {
		if id := str(rt, "transitGatewayId"); id != "" {
			assert.Equal(t, "tgw-0a1b2c3d4e5f67890", id)
			routes = append(routes, str(rt, "destinationCidrBlock"))
		}
	}
	// Two CIDRs on each of the three private route tables.
	assert.Len(t, routes, 6)
	require.Len(t, r.OfType("aws:ec2transitgateway/vpcAttachment:VpcAttachment"), 1)
}

func TestFlowLogsForEveryVpcEncryptedAndRetained(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		ix := indexOf(r)
		logs := r.OfType(tFlowLog)
		require.Len(t, logs, len(r.OfType(tVpc)))
		for _, fl := range logs {
			assert.Equal(t, "ALL", str(fl, "trafficType"))
			assert.NotNil(t, ix.ref(fl, "vpcId"))
			var group *preview.Resource
			for _, g := range r.OfType(tLogGroup) {
				if fmt.Sprintf("arn:aws:logs:%s:123456789012:log-group:%s", regionOf(r, g), str(g, "name")) == str(fl, "logDestination") {
					group = g
				}
			}
			require.NotNil(t, group, "flow log destination is a log group of the stack")
			assert.GreaterOrEqual(t, num(group, "retentionInDays"), 90.0)
			assert.True(t, group.Protect, "the flow-log group holds audit data and is protected")
			keyArn := str(group, "kmsKeyId")
			require.NotEmpty(t, keyArn)
			var key *preview.Resource
			for _, k := range r.OfType(tKey) {
				if fmt.Sprintf("arn:aws:kms:%s:123456789012:key/%s", regionOf(r, k), k.ID) == keyArn {
					key = k
				}
			}
			require.NotNil(t, key, "the log group uses a customer-managed key of the stack")
			assert.True(t, boolean(key, "enableKeyRotation"))
			assert.Equal(t, "logs", tag(key, "coder:key-purpose"))
		}
	}
}

// Property: for generated workloads and AZ counts that the config accepts,
// the program registers subnets that never overlap (within and across the
// stack's VPCs) and whose tiers hold at least twice the workload's need.
func TestRegisteredSubnetsNeverOverlapAndFitProperty(t *testing.T) {
	t.Parallel()
	letters := "abcdef"
	accepted, rejected := 0, 0
	defer func() {
		t.Logf("%d generated stacks deployed, %d rejected by config validation", accepted, rejected)
		assert.Greater(t, accepted, 10, "the generator must mostly produce deployable stacks")
	}()
	rapid.Check(t, func(rt *rapid.T) {
		nAZ := rapid.IntRange(2, 6).Draw(rt, "azs")
		azs := make([]any, nAZ)
		for i := range azs {
			azs[i] = fmt.Sprintf("us-east-1%c", letters[i])
		}
		users := rapid.IntRange(1, 6000).Draw(rt, "users")
		workspaces := rapid.IntRange(1, 9000).Draw(rt, "workspaces")
		bits := rapid.IntRange(16, 21).Draw(rt, "vpcBits")
		wsMax := rapid.IntRange(1, 300).Draw(rt, "wsMaxNodes")
		provMax := rapid.IntRange(1, 40).Draw(rt, "provMaxNodes")
		sf := stackFile(t, "prod")
		var workload map[string]any
		require.NoError(t, json.Unmarshal([]byte(sf.Values["workload"]), &workload))
		workload["users"], workload["workspaces"] = users, workspaces
		sf.Values["workload"] = mustJSON(t, workload) // the committed mix of sizes
		var cluster map[string]any
		require.NoError(t, json.Unmarshal([]byte(sf.Values["cluster"]), &cluster))
		groups := cluster["nodeGroups"].(map[string]any)
		groups["workspace"].(map[string]any)["minSize"] = 1
		groups["workspace"].(map[string]any)["maxSize"] = wsMax
		groups["provisioner"].(map[string]any)["maxSize"] = provMax
		sf.Values["cluster"] = mustJSON(t, cluster)
		sf.Values["regions"] = mustJSON(t, []any{map[string]any{
			"name": "us-east-1", "role": "control-plane", "vpcCidr": fmt.Sprintf("10.64.0.0/%d", bits),
			"availabilityZones": azs, "share": 1,
		}})
		res, err := preview.RunStackFile("coder-platform", "prod", sf, preview.At(testNow))
		if err != nil {
			if !config.IsValidationError(err) {
				rt.Fatalf("program failed: %v", err)
			}
			rejected++
			return // the config rejects the workload; covered by the config tests
		}
		accepted++
		vpc := netip.MustParsePrefix(fmt.Sprintf("10.64.0.0/%d", bits))
		var subnets []netip.Prefix
		capacity := map[string]int{}
		for _, s := range res.OfType(tSubnet) {
			p := netip.MustParsePrefix(str(s, "cidrBlock"))
			if !vpc.Contains(p.Addr()) || p.Bits() < vpc.Bits() {
				rt.Fatalf("subnet %s outside %s", p, vpc)
			}
			for _, o := range subnets {
				if o.Overlaps(p) {
					rt.Fatalf("subnets %s and %s overlap", o, p)
				}
			}
			subnets = append(subnets, p)
			capacity[tag(s, "coder:tier")] += int(math.Pow(2, float64(32-p.Bits()))) - 5
		}
		if len(subnets) != 5*nAZ {
			rt.Fatalf("%d subnets for %d AZs", len(subnets), nAZ)
		}
		for _, d := range res.Config.Region(res.Config.Regions[0].Name).Network.Demands {
			if capacity[string(d.Tier)] < 2*d.NeedIPs {
				rt.Fatalf("tier %s holds %d addresses for a need of %d", d.Tier, capacity[string(d.Tier)], d.NeedIPs)
			}
		}
	})
}
