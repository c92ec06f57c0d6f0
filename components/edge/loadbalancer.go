// Package edge is the public front of coderd or a workspace proxy: an
// internet-facing network load balancer that terminates TLS with an ACM
// certificate and forwards to pod IPs in the private-control subnets.
//
// The NLB is built from explicit resources rather than from Service
// annotations, so its TLS policy, listeners and access logs are declared
// here and judged by the policy pack before deployment. The AWS Load
// Balancer Controller only binds the coderd Service's pods into the target
// group (TargetGroupBinding, in components/coder).
package edge

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/bucket"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/tokens"
)

// LoadBalancerArgs configures one region's public NLB.
type LoadBalancerArgs struct {
	Region    string
	AccountID pulumi.StringInput
	// ClusterName tags the target group so only this cluster's load
	// balancer controller may register targets in it.
	ClusterName string
	VpcID       pulumi.StringOutput
	// PublicSubnetIDs has one subnet per AZ; AZCount is their number.
	PublicSubnetIDs pulumi.StringArrayOutput
	AZCount         int
	// SecurityGroupID is the load balancer group (443 from the internet).
	SecurityGroupID pulumi.StringOutput
	// WorkspaceSecurityGroupID gets egress to the NLB's addresses, so agents
	// reach the access URL whatever the allow-list says.
	WorkspaceSecurityGroupID pulumi.StringOutput
	// PrimaryAddresses are the control plane's NLB addresses, for a proxy
	// region: its agents dial the primary access URL too.
	PrimaryAddresses       pulumi.StringArrayOutput
	PrimaryCount           int
	CertificateArn         pulumi.StringOutput
	TLSPolicy              string
	TargetPort             int
	HealthCheckPath        string
	DeregistrationDelay    int
	AccessLogKeyArn        pulumi.StringOutput
	AccessLogRetentionDays int
}

// LoadBalancer is the public NLB of a region.
type LoadBalancer struct {
	pulumi.ResourceState

	Arn            pulumi.StringOutput `pulumi:"arn"`
	DNSName        pulumi.StringOutput `pulumi:"dnsName"`
	ZoneID         pulumi.StringOutput `pulumi:"zoneId"`
	TargetGroupArn pulumi.StringOutput `pulumi:"targetGroupArn"`
	// The suffixes are the CloudWatch dimensions of the NLB and its targets.
	ArnSuffix            pulumi.StringOutput      `pulumi:"arnSuffix"`
	TargetGroupArnSuffix pulumi.StringOutput      `pulumi:"targetGroupArnSuffix"`
	PublicIPs            pulumi.StringArrayOutput `pulumi:"publicIps"`
	AccessLogs           pulumi.StringOutput      `pulumi:"accessLogBucket"`
}

// NewLoadBalancer creates the NLB, its static addresses, target group, TLS
// listener and access-log bucket.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args.PrimaryCount > 0 && args.PrimaryAddresses.OutputState == nil {
		return nil, fmt.Errorf("edge %s: PrimaryCount is %d but PrimaryAddresses is not set", name, args.PrimaryCount)
	}
	l := &LoadBalancer{}
	if err := ctx.RegisterComponentResourceV2(tokens.LoadBalancer, name, pulumi.Map{
		"region": pulumi.String(args.Region), "tlsPolicy": pulumi.String(args.TLSPolicy),
		"targetPort": pulumi.Int(args.TargetPort), "listenerPorts": pulumi.IntArray{pulumi.Int(443)},
	}, l, opts...); err != nil {
		return nil, err
	}
	if err := l.build(ctx, name, args); err != nil {
		return nil, fmt.Errorf("edge %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(l, pulumi.Map{
		"arn": l.Arn, "dnsName": l.DNSName, "zoneId": l.ZoneID, "targetGroupArn": l.TargetGroupArn,
		"arnSuffix": l.ArnSuffix, "targetGroupArnSuffix": l.TargetGroupArnSuffix,
		"publicIps": l.PublicIPs, "accessLogBucket": l.AccessLogs,
	}); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *LoadBalancer) build(ctx *pulumi.Context, name string, a *LoadBalancerArgs) error {
	logs, err := bucket.New(ctx, name+"-nlb-logs", bucket.Args{
		KmsKeyArn: a.AccessLogKeyArn, TransitionDays: 30, ExpireDays: a.AccessLogRetentionDays,
		Statements: func(arn pulumi.StringOutput) policydoc.Document {
			return policydoc.Document{
				{Sid: "LogDeliveryWrite", Principal: policydoc.Service("delivery.logs.amazonaws.com"),
					Actions:   []string{"s3:PutObject"},
					Resources: pulumi.StringArray{pulumi.Sprintf("%s/nlb/AWSLogs/%s/*", arn, a.AccountID)},
					Condition: pulumi.Map{"StringEquals": pulumi.Map{
						"aws:SourceAccount": a.AccountID, "s3:x-amz-acl": pulumi.String("bucket-owner-full-control"),
					}}},
				{Sid: "LogDeliveryAclCheck", Principal: policydoc.Service("delivery.logs.amazonaws.com"),
					Actions: []string{"s3:GetBucketAcl"}, Resources: pulumi.StringArray{arn},
					Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": a.AccountID}}},
			}
		},
	}, l)
	if err != nil {
		return err
	}
	l.AccessLogs = logs.Bucket

	// Static addresses per AZ: stable for client firewalls, and a precise
	// egress target for workspace agents.
	mappings := lb.LoadBalancerSubnetMappingArray{}
	ips := pulumi.StringArray{}
	for i := 0; i < a.AZCount; i++ {
		eip, err := ec2.NewEip(ctx, fmt.Sprintf("%s-nlb-%d", name, i), &ec2.EipArgs{
			Domain: pulumi.String("vpc"), Tags: pulumi.StringMap{"Name": pulumi.Sprintf("%s-nlb-%d", name, i)},
		}, pulumi.Parent(l), pulumi.Protect(true))
		if err != nil {
			return err
		}
		mappings = append(mappings, lb.LoadBalancerSubnetMappingArgs{
			SubnetId: a.PublicSubnetIDs.Index(pulumi.Int(i)), AllocationId: eip.ID(),
		})
		ips = append(ips, eip.PublicIp)
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, fmt.Sprintf("%s-ws-to-nlb-%d", name, i), &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId: a.WorkspaceSecurityGroupID, IpProtocol: pulumi.String("tcp"),
			FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
			CidrIpv4:    pulumi.Sprintf("%s/32", eip.PublicIp),
			Description: pulumi.String("Workspace agents to the access URL"),
		}, pulumi.Parent(eip)); err != nil {
			return err
		}
	}
	l.PublicIPs = ips.ToStringArrayOutput()
	for i := 0; i < a.PrimaryCount; i++ {
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, fmt.Sprintf("%s-ws-to-primary-%d", name, i), &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId: a.WorkspaceSecurityGroupID, IpProtocol: pulumi.String("tcp"),
			FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
			CidrIpv4:    pulumi.Sprintf("%s/32", a.PrimaryAddresses.Index(pulumi.Int(i))),
			Description: pulumi.String("Workspace agents to the primary access URL"),
		}, pulumi.Parent(l)); err != nil {
			return err
		}
	}

	nlb, err := lb.NewLoadBalancer(ctx, name, &lb.LoadBalancerArgs{
		LoadBalancerType:             pulumi.String("network"),
		Internal:                     pulumi.Bool(false),
		IpAddressType:                pulumi.String("ipv4"),
		EnableCrossZoneLoadBalancing: pulumi.Bool(true),
		SecurityGroups:               pulumi.StringArray{a.SecurityGroupID},
		SubnetMappings:               mappings,
		AccessLogs: &lb.LoadBalancerAccessLogsArgs{
			Bucket: logs.Bucket, Enabled: pulumi.Bool(true), Prefix: pulumi.String("nlb"),
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(name)},
	}, pulumi.Parent(l), pulumi.DependsOn([]pulumi.Resource{logs.Ready}))
	if err != nil {
		return err
	}
	tg, err := lb.NewTargetGroup(ctx, name, &lb.TargetGroupArgs{
		TargetType: pulumi.String("ip"),
		Protocol:   pulumi.String("TCP"),
		Port:       pulumi.Int(a.TargetPort),
		VpcId:      a.VpcID,
		// Let WebSocket and DERP sessions finish during a rollout.
		DeregistrationDelay:   pulumi.Int(a.DeregistrationDelay),
		ConnectionTermination: pulumi.Bool(false),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled: pulumi.Bool(true), Protocol: pulumi.String("HTTP"), Path: pulumi.String(a.HealthCheckPath),
			Port: pulumi.String("traffic-port"), Matcher: pulumi.String("200"),
			Interval: pulumi.Int(10), HealthyThreshold: pulumi.Int(2), UnhealthyThreshold: pulumi.Int(2),
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(name), "coder:cluster": pulumi.String(a.ClusterName)},
	}, pulumi.Parent(l))
	if err != nil {
		return err
	}
	// TLS only: no plaintext listener exists. The TLS listener's idle timeout
	// is fixed at 350 s by AWS; Coder's WebSocket and DERP keepalives are
	// far shorter, so long-lived sessions stay up.
	if _, err := lb.NewListener(ctx, name+"-tls", &lb.ListenerArgs{
		LoadBalancerArn: nlb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("TLS"),
		SslPolicy:       pulumi.String(a.TLSPolicy),
		CertificateArn:  a.CertificateArn,
		AlpnPolicy:      pulumi.String("HTTP1Only"),
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("forward"), TargetGroupArn: tg.Arn,
		}},
	}, pulumi.Parent(nlb)); err != nil {
		return err
	}
	l.Arn, l.DNSName, l.ZoneID, l.TargetGroupArn = nlb.Arn, nlb.DnsName, nlb.ZoneId, tg.Arn
	l.ArnSuffix, l.TargetGroupArnSuffix = nlb.ArnSuffix, tg.ArnSuffix
	return nil
}
