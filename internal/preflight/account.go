package preflight

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	sqtypes "github.com/aws/aws-sdk-go-v2/service/servicequotas/types"
	"github.com/aws/smithy-go"

	"github.com/platformeng/coder-platform/sizing"
)

// Permissions are the IAM actions the pre-flight calls, all read-only.
var Permissions = []string{
	"servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota",
	"ec2:DescribeInstances", "ec2:DescribeAddresses", "ec2:DescribeVpcs", "ec2:DescribeInternetGateways",
	"ec2:DescribeNatGateways", "ec2:DescribeSubnets", "ec2:DescribeVolumes", "elasticloadbalancing:DescribeLoadBalancers",
	"eks:ListClusters", "rds:DescribeDBClusters", "rds:DescribeDBInstances",
}

// Owner recognises the stack's own resources, which a re-run of `pulumi up`
// does not need again: the provider's default tags project and stack, the
// stack's VPCs (instances and load balancers in them) and cluster names.
type Owner struct {
	Project, Stack string
	Clusters       []string
}

func (o Owner) owns(tags map[string]string) bool {
	return tags["project"] == o.Project && tags["stack"] == o.Stack
}

// Account reads quotas and usage with the caller's credentials. Each
// region's clients are made from Config with that region.
type Account struct {
	Config aws.Config
	Owner  Owner

	quotas map[string]quotaValue
	usage  map[string]*regionUsage
}

type quotaValue struct {
	value  float64
	source string // "applied" or "AWS default"
}

// regionUsage is what one region already uses, the stack's own excluded.
type regionUsage struct {
	ownVPCs map[string]bool
	counts  map[string]int // by usage key
	counted map[usage]bool // the kinds read so far
}

// NewAccount returns an Account for cfg (from config.LoadDefaultConfig).
func NewAccount(cfg aws.Config, owner Owner) *Account {
	return &Account{Config: cfg, Owner: owner, quotas: map[string]quotaValue{}, usage: map[string]*regionUsage{}}
}

// Regional is cfg for region: every client of the operations commands is
// made per region from one config.
func Regional(cfg aws.Config, region string) aws.Config {
	c := cfg.Copy()
	c.Region = region
	return c
}

// Quota is the applied value of q in region, or AWS's default where the
// account has no applied value (GetServiceQuota answers NoSuchResource or
// an ErrorReason for quotas never adjusted).
func (a *Account) Quota(ctx context.Context, region string, q Quota) (float64, string, error) {
	key := region + "/" + q.Service + "/" + q.Code
	if v, ok := a.quotas[key]; ok {
		return v.value, v.source, nil
	}
	sq := servicequotas.NewFromConfig(Regional(a.Config, region))
	in := &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String(q.Service), QuotaCode: aws.String(q.Code)}
	out, err := sq.GetServiceQuota(ctx, in)
	var missing *sqtypes.NoSuchResourceException
	switch {
	case err != nil && !errors.As(err, &missing):
		return 0, "", callError("servicequotas:GetServiceQuota", region, q.Code, err)
	case err == nil && out.Quota != nil && out.Quota.ErrorReason != nil &&
		out.Quota.ErrorReason.ErrorCode != sqtypes.ErrorCodeServiceQuotaNotAvailableError:
		// Service Quotas could not read the service (a denied dependency,
		// throttling): not a quota to fall back from.
		return 0, "", fmt.Errorf("servicequotas:GetServiceQuota %s in %s: %s: %s", q.Code, region,
			out.Quota.ErrorReason.ErrorCode, aws.ToString(out.Quota.ErrorReason.ErrorMessage))
	case err == nil && out.Quota != nil && out.Quota.Value != nil && out.Quota.ErrorReason == nil:
		a.quotas[key] = quotaValue{*out.Quota.Value, "applied"}
		return *out.Quota.Value, "applied", nil
	}
	def, err := sq.GetAWSDefaultServiceQuota(ctx, &servicequotas.GetAWSDefaultServiceQuotaInput{ServiceCode: in.ServiceCode, QuotaCode: in.QuotaCode})
	if err != nil {
		return 0, "", callError("servicequotas:GetAWSDefaultServiceQuota", region, q.Code, err)
	}
	if def.Quota == nil || def.Quota.Value == nil {
		return 0, "", fmt.Errorf("servicequotas:GetAWSDefaultServiceQuota in %s: quota %s has no value", region, q.Code)
	}
	a.quotas[key] = quotaValue{*def.Quota.Value, "AWS default"}
	return *def.Quota.Value, "AWS default", nil
}

// Used is the current usage of n's quota in n's scope, without the stack's own.
func (a *Account) Used(ctx context.Context, n Need) (int, error) {
	if n.Quota.usage == usageNone {
		return 0, nil
	}
	u, err := a.regionUsage(ctx, n.Region, n.Quota.usage)
	if err != nil {
		return 0, err
	}
	return u.counts[usageKey(n.Quota.usage, n.Class, n.AZ)], nil
}

func usageKey(u usage, class, az string) string { return fmt.Sprintf("%d/%s/%s", u, class, az) }

// regionUsage counts the usage kind u in region once.
func (a *Account) regionUsage(ctx context.Context, region string, u usage) (*regionUsage, error) {
	ru := a.usage[region]
	if ru == nil {
		ru = &regionUsage{counts: map[string]int{}, counted: map[usage]bool{}}
		a.usage[region] = ru
	}
	// One call counts both lifecycles, or both database kinds.
	group := u
	switch u {
	case usageVCPUSpot:
		group = usageVCPUOnDemand
	case usageDBInstances:
		group = usageDBClusters
	}
	if ru.counted[group] {
		return ru, nil
	}
	cfg := Regional(a.Config, region)
	if ru.ownVPCs == nil {
		own, total, err := a.vpcs(ctx, ec2.NewFromConfig(cfg), region)
		if err != nil {
			return nil, err
		}
		ru.ownVPCs = own
		ru.counts[usageKey(usageVPCs, "", "")] = total - len(own)
	}
	var err error
	switch u {
	case usageVCPUOnDemand, usageVCPUSpot:
		err = a.countInstances(ctx, ec2.NewFromConfig(cfg), region, ru)
	case usageEIPs:
		err = a.countAddresses(ctx, ec2.NewFromConfig(cfg), region, ru)
	case usageInternetGateways:
		err = a.countInternetGateways(ctx, ec2.NewFromConfig(cfg), region, ru)
	case usageNATPerAZ:
		err = a.countNATs(ctx, ec2.NewFromConfig(cfg), region, ru)
	case usageNLBs:
		err = a.countNLBs(ctx, elbv2.NewFromConfig(cfg), region, ru)
	case usageEKSClusters:
		err = a.countClusters(ctx, eks.NewFromConfig(cfg), region, ru)
	case usageDBClusters, usageDBInstances:
		err = a.countDatabases(ctx, rds.NewFromConfig(cfg), region, ru)
	case usageGP3GiB:
		err = a.countVolumes(ctx, ec2.NewFromConfig(cfg), region, ru)
	}
	if err != nil {
		return nil, err
	}
	ru.counted[group] = true
	return ru, nil
}

// pager is an aws-sdk-go-v2 paginator.
type pager[Out, Opts any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*Opts)) (Out, error)
}

// pages hands every page of a list call to f; a failed page is the call's
// error (callError).
func pages[Out, Opts any](ctx context.Context, action, region string, p pager[Out, Opts], f func(Out)) error {
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return callError(action, region, "", err)
		}
		f(page)
	}
	return nil
}

// tagMap is a resource's tags as a map, whatever the service's tag type.
func tagMap[T any](tags []T, kv func(T) (*string, *string)) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		k, v := kv(t)
		m[aws.ToString(k)] = aws.ToString(v)
	}
	return m
}

func ec2Tags(tags []ec2types.Tag) map[string]string {
	return tagMap(tags, func(t ec2types.Tag) (*string, *string) { return t.Key, t.Value })
}

func rdsTags(tags []rdstypes.Tag) map[string]string {
	return tagMap(tags, func(t rdstypes.Tag) (*string, *string) { return t.Key, t.Value })
}

func (a *Account) vpcs(ctx context.Context, c *ec2.Client, region string) (map[string]bool, int, error) {
	own, total := map[string]bool{}, 0
	err := pages[*ec2.DescribeVpcsOutput, ec2.Options](ctx, "ec2:DescribeVpcs", region,
		ec2.NewDescribeVpcsPaginator(c, &ec2.DescribeVpcsInput{}), func(page *ec2.DescribeVpcsOutput) {
			for _, v := range page.Vpcs {
				total++
				if a.Owner.owns(ec2Tags(v.Tags)) {
					own[aws.ToString(v.VpcId)] = true
				}
			}
		})
	return own, total, err
}

// instances hands every instance the filters select to f.
func instances(ctx context.Context, c *ec2.Client, region string, filters []ec2types.Filter, f func(ec2types.Instance)) error {
	return pages[*ec2.DescribeInstancesOutput, ec2.Options](ctx, "ec2:DescribeInstances", region,
		ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{Filters: filters}), func(page *ec2.DescribeInstancesOutput) {
			for _, res := range page.Reservations {
				for _, in := range res.Instances {
					f(in)
				}
			}
		})
}

// countInstances sums the vCPUs of running and pending instances outside
// the stack's VPCs by lifecycle and class.
func (a *Account) countInstances(ctx context.Context, c *ec2.Client, region string, ru *regionUsage) error {
	running := []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}}}
	return instances(ctx, c, region, running, func(in ec2types.Instance) {
		if ru.ownVPCs[aws.ToString(in.VpcId)] {
			return
		}
		family, _, _ := strings.Cut(string(in.InstanceType), ".")
		class, ok := ClassOf(family)
		if !ok {
			return
		}
		kind := usageVCPUOnDemand
		if in.InstanceLifecycle == ec2types.InstanceLifecycleTypeSpot {
			kind = usageVCPUSpot
		}
		ru.counts[usageKey(kind, class, "")] += instanceVCPU(in)
	})
}

// instanceVCPU is cores × threads per core, which EC2 documents as the
// vCPUs an instance counts; the type's own count where the API leaves it out.
func instanceVCPU(in ec2types.Instance) int {
	if o := in.CpuOptions; o != nil && o.CoreCount != nil && o.ThreadsPerCore != nil {
		return int(*o.CoreCount * *o.ThreadsPerCore)
	}
	if t, err := sizing.ParseInstanceType(string(in.InstanceType)); err == nil {
		return t.VCPU
	}
	return 0
}

func (a *Account) countAddresses(ctx context.Context, c *ec2.Client, region string, ru *regionUsage) error {
	out, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		return callError("ec2:DescribeAddresses", region, "", err)
	}
	for _, addr := range out.Addresses {
		if !a.Owner.owns(ec2Tags(addr.Tags)) {
			ru.counts[usageKey(usageEIPs, "", "")]++
		}
	}
	return nil
}

func (a *Account) countInternetGateways(ctx context.Context, c *ec2.Client, region string, ru *regionUsage) error {
	return pages[*ec2.DescribeInternetGatewaysOutput, ec2.Options](ctx, "ec2:DescribeInternetGateways", region,
		ec2.NewDescribeInternetGatewaysPaginator(c, &ec2.DescribeInternetGatewaysInput{}), func(page *ec2.DescribeInternetGatewaysOutput) {
			for _, g := range page.InternetGateways {
				if !a.Owner.owns(ec2Tags(g.Tags)) {
					ru.counts[usageKey(usageInternetGateways, "", "")]++
				}
			}
		})
}

// countVolumes sums the GiB of gp3 volumes that are not the stack's own:
// own ones carry its tags (the provider's, or the EBS CSI driver's
// extraVolumeTags) or are attached to an instance in its VPCs, stopped
// ones included (an EC2 workspace's volumes).
func (a *Account) countVolumes(ctx context.Context, c *ec2.Client, region string, ru *regionUsage) error {
	ownInstances := map[string]bool{}
	if len(ru.ownVPCs) > 0 {
		inOwnVPCs := []ec2types.Filter{{Name: aws.String("vpc-id"), Values: slices.Sorted(maps.Keys(ru.ownVPCs))}}
		if err := instances(ctx, c, region, inOwnVPCs, func(in ec2types.Instance) {
			ownInstances[aws.ToString(in.InstanceId)] = true
		}); err != nil {
			return err
		}
	}
	gp3 := []ec2types.Filter{{Name: aws.String("volume-type"), Values: []string{"gp3"}}}
	return pages[*ec2.DescribeVolumesOutput, ec2.Options](ctx, "ec2:DescribeVolumes", region,
		ec2.NewDescribeVolumesPaginator(c, &ec2.DescribeVolumesInput{Filters: gp3}), func(page *ec2.DescribeVolumesOutput) {
		volumes:
			for _, v := range page.Volumes {
				if a.Owner.owns(ec2Tags(v.Tags)) {
					continue
				}
				for _, att := range v.Attachments {
					if ownInstances[aws.ToString(att.InstanceId)] {
						continue volumes
					}
				}
				ru.counts[usageKey(usageGP3GiB, "", "")] += int(aws.ToInt32(v.Size))
			}
		})
}

// countNATs counts pending and available NAT gateways outside the stack's
// VPCs by the AZ of their subnet.
func (a *Account) countNATs(ctx context.Context, c *ec2.Client, region string, ru *regionUsage) error {
	var subnets []string
	live := []ec2types.Filter{{Name: aws.String("state"), Values: []string{"pending", "available"}}}
	if err := pages[*ec2.DescribeNatGatewaysOutput, ec2.Options](ctx, "ec2:DescribeNatGateways", region,
		ec2.NewDescribeNatGatewaysPaginator(c, &ec2.DescribeNatGatewaysInput{Filter: live}), func(page *ec2.DescribeNatGatewaysOutput) {
			for _, n := range page.NatGateways {
				if !ru.ownVPCs[aws.ToString(n.VpcId)] {
					subnets = append(subnets, aws.ToString(n.SubnetId))
				}
			}
		}); err != nil || len(subnets) == 0 {
		return err
	}
	azOf := map[string]string{}
	if err := pages[*ec2.DescribeSubnetsOutput, ec2.Options](ctx, "ec2:DescribeSubnets", region,
		ec2.NewDescribeSubnetsPaginator(c, &ec2.DescribeSubnetsInput{SubnetIds: subnets}), func(page *ec2.DescribeSubnetsOutput) {
			for _, s := range page.Subnets {
				azOf[aws.ToString(s.SubnetId)] = aws.ToString(s.AvailabilityZone)
			}
		}); err != nil {
		return err
	}
	for _, s := range subnets {
		ru.counts[usageKey(usageNATPerAZ, "", azOf[s])]++
	}
	return nil
}

func (a *Account) countNLBs(ctx context.Context, c *elbv2.Client, region string, ru *regionUsage) error {
	return pages[*elbv2.DescribeLoadBalancersOutput, elbv2.Options](ctx, "elasticloadbalancing:DescribeLoadBalancers", region,
		elbv2.NewDescribeLoadBalancersPaginator(c, &elbv2.DescribeLoadBalancersInput{}), func(page *elbv2.DescribeLoadBalancersOutput) {
			for _, lb := range page.LoadBalancers {
				if lb.Type == "network" && !ru.ownVPCs[aws.ToString(lb.VpcId)] {
					ru.counts[usageKey(usageNLBs, "", "")]++
				}
			}
		})
}

func (a *Account) countClusters(ctx context.Context, c *eks.Client, region string, ru *regionUsage) error {
	return pages[*eks.ListClustersOutput, eks.Options](ctx, "eks:ListClusters", region,
		eks.NewListClustersPaginator(c, &eks.ListClustersInput{}), func(page *eks.ListClustersOutput) {
			for _, name := range page.Clusters {
				if !slices.Contains(a.Owner.Clusters, name) {
					ru.counts[usageKey(usageEKSClusters, "", "")]++
				}
			}
		})
}

func (a *Account) countDatabases(ctx context.Context, c *rds.Client, region string, ru *regionUsage) error {
	if err := pages[*rds.DescribeDBClustersOutput, rds.Options](ctx, "rds:DescribeDBClusters", region,
		rds.NewDescribeDBClustersPaginator(c, &rds.DescribeDBClustersInput{}), func(page *rds.DescribeDBClustersOutput) {
			for _, cl := range page.DBClusters {
				if !a.Owner.owns(rdsTags(cl.TagList)) {
					ru.counts[usageKey(usageDBClusters, "", "")]++
				}
			}
		}); err != nil {
		return err
	}
	return pages[*rds.DescribeDBInstancesOutput, rds.Options](ctx, "rds:DescribeDBInstances", region,
		rds.NewDescribeDBInstancesPaginator(c, &rds.DescribeDBInstancesInput{}), func(page *rds.DescribeDBInstancesOutput) {
			for _, in := range page.DBInstances {
				if !a.Owner.owns(rdsTags(in.TagList)) {
					ru.counts[usageKey(usageDBInstances, "", "")]++
				}
			}
		})
}

// callError names the call, the region and, for a denied call, the
// permissions the pre-flight needs: a denied read is never a pass.
func callError(action, region, code string, err error) error {
	what := action
	if code != "" {
		what += " " + code
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure", "UnrecognizedClientException":
			return fmt.Errorf("%s in %s was denied (%s: %s); the pre-flight needs these read-only permissions: %s",
				what, region, api.ErrorCode(), api.ErrorMessage(), strings.Join(Permissions, ", "))
		}
	}
	return fmt.Errorf("%s in %s: %w", what, region, err)
}
