package network_test

import (
	"net/netip"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/network"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
	"github.com/platformeng/coder-platform/sizing"
)

const (
	vpcName    = "coder-test-us-east-1"
	logsKeyArn = "arn:aws:kms:us-east-1:123456789012:key/logs"
	tgwID      = "tgw-0123456789abcdef0"

	tSubnet     = "aws:ec2/subnet:Subnet"
	tNat        = "aws:ec2/natGateway:NatGateway"
	tRouteTable = "aws:ec2/routeTable:RouteTable"
	tRoute      = "aws:ec2/route:Route"
	tLogGroup   = "aws:cloudwatch/logGroup:LogGroup"
	tFlowLog    = "aws:ec2/flowLog:FlowLog"
	tAttachment = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
	tDomainList = "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList"
	tEgressRule = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
)

// smallPlan is the CIDR plan of a small two-AZ region.
func smallPlan(t *testing.T, azs ...string) *sizing.NetworkPlan {
	t.Helper()
	plan, err := sizing.PlanNetwork(netip.MustParsePrefix("10.20.0.0/16"), azs, sizing.NetworkWorkload{
		Workspaces: 20, WorkspacePodsPerNode: 10, WorkspaceMaxNodes: 2,
		ProvisionerPodsPer: 4, ProvisionerMaxNodes: 1,
		ControlPodsPerNode: 8, ControlMaxNodes: 2,
		LoadBalancers: 1, InterfaceEndpoints: len(sizing.InterfaceEndpointServices), DatabaseInstances: 2,
	})
	require.NoError(t, err)
	return plan
}

func vpcArgs(t *testing.T) *network.VpcArgs {
	return &network.VpcArgs{
		Region: "us-east-1", AccountID: pulumi.String("123456789012"),
		Plan:                 smallPlan(t, "us-east-1a", "us-east-1b"),
		FlowLogRetentionDays: 90,
		LogsKeyArn:           pulumi.String(logsKeyArn),
		BaseDomain:           "coder.example.com",
	}
}

func registerVpc(t *testing.T, args *network.VpcArgs) ct.Resources {
	t.Helper()
	return ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, args.Region)
		if err != nil {
			return err
		}
		_, err = network.NewVpc(ctx, vpcName, args, pulumi.Provider(prov))
		return err
	})
}

// byID maps a resource's mock ID to it.
func byID(rs ct.Resources) map[string]string {
	out := map[string]string{}
	for _, r := range rs {
		if r.ID != "" {
			out[r.ID] = r.Name
		}
	}
	return out
}

func TestVpcSubnetsFollowThePlan(t *testing.T) {
	t.Parallel()
	args := vpcArgs(t)
	rs := registerVpc(t, args)

	subnets := rs.OfType(tSubnet)
	require.Len(t, subnets, len(sizing.Tiers)*2, "one subnet per AZ per tier")
	for _, tier := range sizing.Tiers {
		planned := args.Plan.SubnetsOf(tier)
		require.Len(t, planned, 2, tier)
		for _, p := range planned {
			s := rs.Named(tSubnet, vpcName+"-"+string(tier)+"-"+p.AZ)
			if !assert.NotNil(t, s, "%s %s", tier, p.AZ) {
				continue
			}
			assert.Equal(t, p.CIDR.String(), ct.String(t, s, "cidrBlock"))
			assert.Equal(t, p.AZ, ct.String(t, s, "availabilityZone"))
			assert.Equal(t, string(tier), ct.String(t, s, "tags.coder:tier"))
			assert.Equal(t, false, ct.Input(t, s, "mapPublicIpOnLaunch"))
		}
	}
	assert.Equal(t, "1", ct.At(t, rs.Named(tSubnet, vpcName+"-public-us-east-1a"), "tags", "kubernetes.io/role/elb"))
	assert.Equal(t, "1", ct.At(t, rs.Named(tSubnet, vpcName+"-private-control-us-east-1b"), "tags", "kubernetes.io/role/internal-elb"))

	// One NAT gateway and private route table per AZ, in that AZ's public subnet.
	idName := byID(rs)
	nats := rs.OfType(tNat)
	require.Len(t, nats, 2)
	for _, az := range []string{"us-east-1a", "us-east-1b"} {
		nat := rs.Named(tNat, vpcName+"-"+az)
		require.NotNil(t, nat, az)
		assert.Equal(t, vpcName+"-public-"+az, idName[ct.String(t, nat, "subnetId")], "NAT of %s", az)
		assert.Equal(t, az, ct.String(t, nat, "tags.coder:az"))
		assert.NotNil(t, rs.Named(tRouteTable, vpcName+"-private-"+az), az)
	}
}

func TestVpcFlowLogs(t *testing.T) {
	t.Parallel()
	for _, days := range []int{7, 365} {
		args := vpcArgs(t)
		args.FlowLogRetentionDays = days
		rs := registerVpc(t, args)

		group := rs.Named(tLogGroup, vpcName+"-flow-logs")
		require.NotNil(t, group)
		assert.Equal(t, float64(days), ct.Input(t, group, "retentionInDays"))
		assert.Equal(t, logsKeyArn, ct.String(t, group, "kmsKeyId"))
		assert.Equal(t, "/coder/"+vpcName+"/vpc-flow-logs", ct.String(t, group, "name"))
		assert.True(t, group.Protect, "the flow-log group is protected")

		logs := rs.OfType(tFlowLog)
		require.Len(t, logs, 1)
		fl := logs[0]
		assert.Equal(t, "ALL", ct.String(t, fl, "trafficType"))
		assert.Equal(t, "cloud-watch-logs", ct.String(t, fl, "logDestinationType"))
		assert.Contains(t, ct.String(t, fl, "logDestination"), ":log-group:/coder/"+vpcName+"/vpc-flow-logs")
		assert.Contains(t, ct.String(t, fl, "iamRoleArn"), ":role/")
		assert.Equal(t, ids(rs, "aws:ec2/vpc:Vpc"), []string{ct.String(t, fl, "vpcId")})
	}
}

// ids returns the mock IDs of the resources of type typ.
func ids(rs ct.Resources, typ string) []string {
	var out []string
	for _, r := range rs.OfType(typ) {
		out = append(out, r.ID)
	}
	return out
}

func TestVpcTransitGateway(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		tgw   *network.TransitGatewayArgs
		atts  int
		cidrs []string
	}{
		{name: "none", tgw: nil},
		{name: "one CIDR", tgw: &network.TransitGatewayArgs{ID: tgwID, CIDRs: []string{"10.100.0.0/16"}}, atts: 1, cidrs: []string{"10.100.0.0/16"}},
		{name: "two CIDRs", tgw: &network.TransitGatewayArgs{ID: tgwID, CIDRs: []string{"10.100.0.0/16", "192.168.10.0/24"}},
			atts: 1, cidrs: []string{"10.100.0.0/16", "192.168.10.0/24"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := vpcArgs(t)
			args.TransitGateway = tc.tgw
			rs := registerVpc(t, args)

			atts := rs.OfType(tAttachment)
			require.Len(t, atts, tc.atts)
			var tgwRoutes []string
			for _, r := range rs.OfType(tRoute) {
				if ct.Has(r, "transitGatewayId") {
					assert.Equal(t, tgwID, ct.String(t, r, "transitGatewayId"))
					tgwRoutes = append(tgwRoutes, ct.String(t, r, "destinationCidrBlock"))
				}
			}
			// Every private route table (one per AZ) routes each CIDR.
			assert.Len(t, tgwRoutes, 2*len(tc.cidrs))
			for _, c := range tc.cidrs {
				assert.Contains(t, tgwRoutes, c)
			}
			if tc.tgw == nil {
				return
			}
			att := atts[0]
			assert.Equal(t, tgwID, ct.String(t, att, "transitGatewayId"))
			idName := byID(rs)
			var subnets []string
			for _, id := range ct.Input(t, att, "subnetIds").([]any) {
				subnets = append(subnets, idName[id.(string)])
			}
			assert.ElementsMatch(t, []string{vpcName + "-private-control-us-east-1a", vpcName + "-private-control-us-east-1b"}, subnets,
				"attached through the control subnets")
		})
	}
}

func TestVpcEgressFiltering(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		egress  network.EgressArgs
		domains bool
		direct  bool
	}{
		{name: "allow-list only"},
		{name: "DNS firewall", egress: network.EgressArgs{AllowedDomains: []string{"GitHub.com"}, PlatformDomains: []string{"login.example.com"}}, domains: true},
		{name: "direct connections", egress: network.EgressArgs{DirectConnections: true}, direct: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := vpcArgs(t)
			args.Egress = tc.egress
			args.Egress.AllowedCIDRs = []network.EgressRule{{CIDR: "203.0.113.0/24", Ports: []int{22, 443}, Description: "git"}}
			rs := registerVpc(t, args)

			// The allow-list opens TCP from workspaces and provisioners.
			for _, sg := range []string{"workspace", "provisioner"} {
				for _, port := range []string{"22", "443"} {
					r := rs.Named(tEgressRule, vpcName+"-"+sg+"-egress-tcp-"+port+"-203-0-113-0-24")
					if assert.NotNil(t, r, "%s %s", sg, port) {
						assert.Equal(t, "203.0.113.0/24", ct.String(t, r, "cidrIpv4"))
					}
				}
			}
			lists := rs.OfType(tDomainList)
			direct := rs.Named(tEgressRule, vpcName+"-workspace-egress-udp-1024-65535-0-0-0-0-0")
			assert.Equal(t, tc.direct, direct != nil, "direct-connection UDP rule")
			if !tc.domains {
				assert.Empty(t, lists, "no DNS firewall without allowed domains")
				return
			}
			require.Len(t, lists, 2)
			allowed := rs.Named(tDomainList, vpcName+"-allowed")
			require.NotNil(t, allowed)
			got := ct.Input(t, allowed, "domains")
			for _, d := range []string{"github.com", "login.example.com", "coder.example.com", "*.coder.example.com", "*.amazonaws.com"} {
				assert.Contains(t, got, d)
			}
		})
	}
}

func TestVpcRequiresAPlan(t *testing.T) {
	t.Parallel()
	args := vpcArgs(t)
	args.Plan = nil
	rs, err := ct.RunErr(func(ctx *pulumi.Context) error {
		_, err := network.NewVpc(ctx, vpcName, args)
		return err
	})
	require.ErrorContains(t, err, "network "+vpcName+": a CIDR plan is required")
	assert.Empty(t, rs, "nothing is registered")
}
