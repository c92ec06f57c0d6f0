package network

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2transitgateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Egress filtering is enforced in three layers (docs/architecture.md):
//  1. the workspace security group allows TCP only to the allow-list
//     (plus STUN and, when enabled, direct-connection UDP);
//  2. the coder-ws NetworkPolicy (cluster component) repeats the allow-list
//     at pod level and blocks the control namespaces;
//  3. optionally, Route 53 Resolver DNS Firewall answers only allowed
//     domains for the whole VPC.

// requiredDomains are always resolvable with DNS filtering on: AWS APIs
// (EKS, ECR, STS, endpoints; S3, where registry.k8s.io redirects on AWS),
// what provisioners fetch Terraform from, the registries the platform's
// images come from (ghcr.io for Coder, KEDA, External Secrets and the AI
// gateway, with its blob host; public.ecr.aws for the load balancer
// controller, Fluent Bit and the database bootstrap; registry.k8s.io for
// the cluster autoscaler), and the STUN server coderd and workspaces use.
var requiredDomains = []string{
	"*.amazonaws.com", "amazonaws.com", "*.api.aws",
	"registry.terraform.io", "releases.hashicorp.com", "*.hashicorp.com",
	"registry.coder.com",
	"ghcr.io", "pkg-containers.githubusercontent.com", "public.ecr.aws", "registry.k8s.io",
	"stun.l.google.com",
}

func (v *Vpc) createEgressFiltering(ctx *pulumi.Context, name string, args *VpcArgs) error {
	var rules []rule
	for _, r := range args.Egress.AllowedCIDRs {
		for _, p := range r.Ports {
			rules = append(rules,
				rule{sg: sgWorkspace, proto: "tcp", port: p, cidr: r.CIDR, desc: "allow-list: " + r.Description},
				rule{sg: sgProvisioner, proto: "tcp", port: p, cidr: r.CIDR, desc: "allow-list: " + r.Description})
		}
	}
	if err := v.addRules(ctx, name, rules); err != nil {
		return err
	}
	if len(args.Egress.AllowedDomains) == 0 {
		return nil
	}
	return v.createDNSFirewall(ctx, name, args)
}

// createDNSFirewall allows the listed domains and blocks every other name.
func (v *Vpc) createDNSFirewall(ctx *pulumi.Context, name string, args *VpcArgs) error {
	domains := append(append(append([]string{}, requiredDomains...), args.Egress.PlatformDomains...), args.Egress.AllowedDomains...)
	if args.BaseDomain != "" {
		domains = append(domains, args.BaseDomain, "*."+args.BaseDomain)
	}
	domains = uniqueSorted(domains)
	allow, err := route53.NewResolverFirewallDomainList(ctx, name+"-allowed", &route53.ResolverFirewallDomainListArgs{
		Domains: pulumi.ToStringArray(domains), Tags: nameTag(name + "-allowed"),
	}, pulumi.Parent(v))
	if err != nil {
		return err
	}
	all, err := route53.NewResolverFirewallDomainList(ctx, name+"-all", &route53.ResolverFirewallDomainListArgs{
		Domains: pulumi.ToStringArray([]string{"*"}), Tags: nameTag(name + "-all"),
	}, pulumi.Parent(v))
	if err != nil {
		return err
	}
	group, err := route53.NewResolverFirewallRuleGroup(ctx, name+"-egress", &route53.ResolverFirewallRuleGroupArgs{
		Tags: nameTag(name + "-egress"),
	}, pulumi.Parent(v))
	if err != nil {
		return err
	}
	if _, err := route53.NewResolverFirewallRule(ctx, name+"-allow", &route53.ResolverFirewallRuleArgs{
		Action: pulumi.String("ALLOW"), FirewallDomainListId: allow.ID(), FirewallRuleGroupId: group.ID(), Priority: pulumi.Int(100),
	}, pulumi.Parent(group)); err != nil {
		return err
	}
	if _, err := route53.NewResolverFirewallRule(ctx, name+"-block", &route53.ResolverFirewallRuleArgs{
		Action: pulumi.String("BLOCK"), BlockResponse: pulumi.String("NXDOMAIN"),
		FirewallDomainListId: all.ID(), FirewallRuleGroupId: group.ID(), Priority: pulumi.Int(200),
	}, pulumi.Parent(group)); err != nil {
		return err
	}
	_, err = route53.NewResolverFirewallRuleGroupAssociation(ctx, name+"-egress", &route53.ResolverFirewallRuleGroupAssociationArgs{
		FirewallRuleGroupId: group.ID(), VpcId: v.VpcID, Priority: pulumi.Int(101),
		MutationProtection: pulumi.String("ENABLED"), Name: pulumi.String(name + "-egress"),
	}, pulumi.Parent(group))
	return err
}

// createTransitGateway attaches the VPC (through the control subnets) and
// routes the on-premises or peered CIDRs from every private route table.
func (v *Vpc) createTransitGateway(ctx *pulumi.Context, name string, args *VpcArgs) error {
	tgw := args.TransitGateway
	if tgw == nil {
		return nil
	}
	att, err := ec2transitgateway.NewVpcAttachment(ctx, name, &ec2transitgateway.VpcAttachmentArgs{
		TransitGatewayId: pulumi.String(tgw.ID),
		VpcId:            v.VpcID,
		SubnetIds:        v.ControlSubnetIDs,
		DnsSupport:       pulumi.String("enable"),
		Tags:             nameTag(name),
	}, pulumi.Parent(v))
	if err != nil {
		return err
	}
	for i, rt := range v.privateRouteTables {
		for _, cidr := range tgw.CIDRs {
			if _, err := ec2.NewRoute(ctx, fmt.Sprintf("%s-tgw-%d-%s", name, i, sanitize(cidr)), &ec2.RouteArgs{
				RouteTableId: rt.ID(), DestinationCidrBlock: pulumi.String(cidr), TransitGatewayId: pulumi.String(tgw.ID),
			}, pulumi.Parent(rt), pulumi.DependsOn([]pulumi.Resource{att})); err != nil {
				return err
			}
		}
	}
	return nil
}

func uniqueSorted(in []string) []string {
	m := map[string]bool{}
	for _, s := range in {
		m[strings.ToLower(s)] = true
	}
	out := make([]string, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
