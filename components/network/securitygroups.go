package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Ports the rules refer to.
const (
	// CoderHTTPPort is coderd's (and a proxy's) HTTP port inside the pod;
	// the NLB terminates TLS and forwards to it. It is never exposed beyond
	// the load balancer security group.
	CoderHTTPPort = 8080
	PostgresPort  = 5432
	HTTPSPort     = 443
)

// STUN ports workspaces and coderd use for NAT traversal: Coder's default
// STUN server (stun.l.google.com:19302) and the standard STUN port.
var stunPorts = []int{3478, 19302}

// Security group names (keys of v.sg).
const (
	sgNodes        = "nodes"
	sgControl      = "control"
	sgProvisioner  = "provisioner"
	sgWorkspace    = "workspace"
	sgDatabase     = "database"
	sgEndpoints    = "endpoints"
	sgLoadBalancer = "loadbalancer"
)

var sgDescriptions = map[string]string{
	sgNodes:        "All EKS nodes: intra-cluster traffic (pod policy is enforced by NetworkPolicies)",
	sgControl:      "coder-control nodes: coderd, proxies and cluster add-ons",
	sgProvisioner:  "coder-prov nodes: external provisioners",
	sgWorkspace:    "coder-ws nodes: workspaces, egress limited to the allow-list",
	sgDatabase:     "Aurora PostgreSQL: 5432 from coder-control nodes only",
	sgEndpoints:    "Interface VPC endpoints: 443 from the VPC only",
	sgLoadBalancer: "Public NLB: 443 from the internet, forwards to coderd only",
}

// createSecurityGroups creates the groups without inline rules; every rule is
// its own resource so that adding one never replaces a group.
func (v *Vpc) createSecurityGroups(ctx *pulumi.Context, name string, args *VpcArgs) error {
	for _, key := range []string{sgNodes, sgControl, sgProvisioner, sgWorkspace, sgDatabase, sgEndpoints, sgLoadBalancer} {
		sg, err := ec2.NewSecurityGroup(ctx, fmt.Sprintf("%s-%s", name, key), &ec2.SecurityGroupArgs{
			VpcId:               v.VpcID,
			Description:         pulumi.String(sgDescriptions[key]),
			RevokeRulesOnDelete: pulumi.Bool(true),
			Tags:                withName(fmt.Sprintf("%s-%s", name, key), map[string]string{"coder:sg": key}),
		}, pulumi.Parent(v))
		if err != nil {
			return err
		}
		v.sg[key] = sg
	}
	id := func(k string) pulumi.StringOutput { return v.sg[k].ID().ToStringOutput() }
	v.NodesSecurityGroupID = id(sgNodes)
	v.ControlSecurityGroupID = id(sgControl)
	v.ProvisionerSecurityGroupID = id(sgProvisioner)
	v.WorkspaceSecurityGroupID = id(sgWorkspace)
	v.DatabaseSecurityGroupID = id(sgDatabase)
	v.EndpointSecurityGroupID = id(sgEndpoints)
	v.LoadBalancerSecurityGroupID = id(sgLoadBalancer)

	rules := []rule{
		// The only internet ingress of the VPC: TLS on the public NLB.
		{sg: sgLoadBalancer, in: true, proto: "tcp", port: HTTPSPort, cidr: "0.0.0.0/0", desc: "TLS from clients to the public NLB"},
		{sg: sgLoadBalancer, proto: "tcp", port: CoderHTTPPort, peer: sgControl, desc: "NLB to coderd/proxy pods (ip targets)"},
		{sg: sgControl, in: true, proto: "tcp", port: CoderHTTPPort, peer: sgLoadBalancer, desc: "coderd/proxy from the NLB"},
		{sg: sgDatabase, in: true, proto: "tcp", port: PostgresPort, peer: sgControl, desc: "Postgres from coder-control nodes only"},
		{sg: sgControl, proto: "tcp", port: PostgresPort, peer: sgDatabase, desc: "coderd to Aurora"},
		{sg: sgEndpoints, in: true, proto: "tcp", port: HTTPSPort, cidr: args.Plan.VpcCIDR.String(), desc: "AWS APIs from inside the VPC"},
		{sg: sgNodes, in: true, proto: "-1", peer: sgNodes, desc: "Node to node and pod to pod"},
		{sg: sgNodes, proto: "-1", peer: sgNodes, desc: "Node to node and pod to pod"},
		{sg: sgNodes, proto: "tcp", port: HTTPSPort, peer: sgEndpoints, desc: "AWS APIs through interface endpoints"},
		// coderd and provisioners reach the IdP, Git providers, registries
		// and AWS APIs over TLS through the NAT gateways.
		{sg: sgControl, proto: "tcp", port: HTTPSPort, cidr: "0.0.0.0/0", desc: "TLS egress: IdP, Git providers, AWS APIs"},
		{sg: sgProvisioner, proto: "tcp", port: HTTPSPort, cidr: "0.0.0.0/0", desc: "TLS egress: Terraform registry and providers, AWS APIs"},
	}
	for _, p := range stunPorts {
		rules = append(rules,
			rule{sg: sgControl, proto: "udp", port: p, cidr: "0.0.0.0/0", desc: "STUN for DERP NAT traversal"},
			rule{sg: sgWorkspace, proto: "udp", port: p, cidr: "0.0.0.0/0", desc: "STUN for direct workspace connections"})
	}
	if args.Egress.DirectConnections {
		rules = append(rules, rule{sg: sgWorkspace, proto: "udp", port: 1024, toPort: 65535, cidr: "0.0.0.0/0",
			desc: "Direct peer-to-peer WireGuard connections after STUN"})
	}
	return v.addRules(ctx, name, rules)
}

// rule is one security group rule.
type rule struct {
	sg     string
	in     bool
	proto  string // tcp, udp, -1
	port   int
	toPort int // 0 means port
	cidr   string
	peer   string // another group of this VPC
	prefix pulumi.StringInput
	desc   string
}

func (r rule) direction() string {
	if r.in {
		return "ingress"
	}
	return "egress"
}

// target names the rule's other side: a CIDR, a group of this VPC or the
// S3 prefix list.
func (r rule) target() string {
	switch {
	case r.peer != "":
		return r.peer
	case r.prefix != nil:
		return "prefixlist"
	}
	return r.cidr
}

// ports is the port range as named in keys and resource names.
func (r rule) ports() string {
	if r.proto == "-1" {
		return "all"
	}
	if r.toPort != 0 && r.toPort != r.port {
		return fmt.Sprintf("%d-%d", r.port, r.toPort)
	}
	return fmt.Sprint(r.port)
}

// resourceName is the rule's Pulumi name. It is built from the rule's
// identity in EC2 (group, direction, protocol, port range, peer), which EC2
// allows once per group (InvalidPermission.Duplicate), whatever the
// description: one name per identity.
func (r rule) resourceName(vpc string) string {
	if r.proto == "-1" {
		return fmt.Sprintf("%s-%s-%s-all-%s", vpc, r.sg, r.direction(), sanitize(r.target()))
	}
	return fmt.Sprintf("%s-%s-%s-%s-%s-%s", vpc, r.sg, r.direction(), r.proto, r.ports(), sanitize(r.target()))
}

// addRules registers each rule once: a rule whose identity is already
// registered (a base rule repeated by the egress allow-list, say) is
// skipped, since EC2 would reject the copy.
func (v *Vpc) addRules(ctx *pulumi.Context, name string, rules []rule) error {
	for _, r := range rules {
		rn := r.resourceName(name)
		if v.rules[rn] {
			continue
		}
		v.rules[rn] = true
		var from, to pulumi.IntPtrInput
		if r.proto != "-1" {
			from = pulumi.IntPtr(r.port)
			to = pulumi.IntPtr(r.port)
			if r.toPort != 0 {
				to = pulumi.IntPtr(r.toPort)
			}
		}
		var cidr, ref, prefix pulumi.StringPtrInput
		if r.cidr != "" {
			cidr = pulumi.StringPtr(r.cidr)
		}
		if r.peer != "" {
			ref = v.sg[r.peer].ID().ToStringOutput().ToStringPtrOutput()
		}
		if r.prefix != nil {
			prefix = r.prefix.ToStringOutput().ToStringPtrOutput()
		}
		parent := pulumi.Parent(v.sg[r.sg])
		var err error
		if r.in {
			_, err = vpc.NewSecurityGroupIngressRule(ctx, rn, &vpc.SecurityGroupIngressRuleArgs{
				SecurityGroupId: v.sg[r.sg].ID(), IpProtocol: pulumi.String(r.proto), FromPort: from, ToPort: to,
				CidrIpv4: cidr, ReferencedSecurityGroupId: ref, PrefixListId: prefix, Description: pulumi.String(r.desc),
			}, parent)
		} else {
			_, err = vpc.NewSecurityGroupEgressRule(ctx, rn, &vpc.SecurityGroupEgressRuleArgs{
				SecurityGroupId: v.sg[r.sg].ID(), IpProtocol: pulumi.String(r.proto), FromPort: from, ToPort: to,
				CidrIpv4: cidr, ReferencedSecurityGroupId: ref, PrefixListId: prefix, Description: pulumi.String(r.desc),
			}, parent)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// createNodeRules adds the rules that need the endpoints to exist.
func (v *Vpc) createNodeRules(ctx *pulumi.Context, name string, args *VpcArgs) error {
	// ECR image layers are served from S3 through the gateway endpoint.
	return v.addRules(ctx, name, []rule{{
		sg: sgNodes, proto: "tcp", port: HTTPSPort, prefix: v.s3Endpoint.PrefixListId,
		desc: "S3 (ECR layers) through the gateway endpoint",
	}})
}

func sanitize(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			out = append(out, r)
		default:
			out = append(out, '-')
		}
	}
	return string(out)
}
