package cluster

import (
	"sort"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/helmchart"
	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/workloads"
)

// Pinned charts. Bump deliberately, after reading the release notes.
const (
	LBControllerChart          = "aws-load-balancer-controller"
	LBControllerChartVersion   = "1.16.0" // controller v2.16.0
	LBControllerRepo           = "https://aws.github.io/eks-charts"
	AutoscalerChart            = "cluster-autoscaler"
	AutoscalerRepo             = "https://kubernetes.github.io/autoscaler"
	ClusterTagKey              = "coder:cluster"
	lbControllerServiceAccount = "aws-load-balancer-controller"
	autoscalerServiceAccount   = "cluster-autoscaler"
)

// createControllers installs the AWS Load Balancer Controller and the
// cluster autoscaler on coder-control nodes, each with its own IRSA role.
func (c *Cluster) createControllers(ctx *pulumi.Context, name string) error {
	if err := c.createLBController(ctx, name); err != nil {
		return err
	}
	return c.createAutoscaler(ctx, name)
}

// The NLBs are explicit Pulumi resources (components/edge); the controller
// only keeps pod IPs registered in their target groups through
// TargetGroupBinding. Its role can therefore only describe, and register or
// deregister targets of target groups tagged with this cluster.
func (c *Cluster) createLBController(ctx *pulumi.Context, name string) error {
	a := c.args
	role, err := irsa.NewRole(ctx, name+"-lb-controller", irsa.RoleArgs{
		OIDC: c.OIDC, ServiceAccount: policydoc.ServiceAccount{Namespace: "kube-system", Name: lbControllerServiceAccount},
		Description: "AWS Load Balancer Controller: TargetGroupBinding only",
		Policy: policydoc.Document{
			{Sid: "Describe", Actions: []string{
				"ec2:DescribeAvailabilityZones", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces",
				"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
				"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeLoadBalancers",
				"elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroupAttributes",
				"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
			}},
			{Sid: "RegisterPodTargets", Actions: []string{"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"},
				Resources: pulumi.StringArray{pulumi.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/*", a.Region, a.AccountID)},
				Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:ResourceTag/" + ClusterTagKey: pulumi.String(a.Name)}}},
		},
	}, c)
	if err != nil {
		return err
	}
	ctl := workloads.TierControl
	values, err := withImage(pulumi.Map{
		"clusterName":  c.ClusterName,
		"region":       pulumi.String(a.Region),
		"vpcId":        a.Network.VpcID,
		"replicaCount": pulumi.Int(2),
		"serviceAccount": pulumi.Map{
			"create": pulumi.Bool(true), "name": pulumi.String(lbControllerServiceAccount),
			"annotations": pulumi.Map{irsa.AnnotationKey: role.Arn},
		},
		// Services of type LoadBalancer are not used; nothing should be mutated.
		"enableServiceMutatorWebhook": pulumi.Bool(false),
		"nodeSelector":                pulumi.ToMap(ctl.NodeSelector()),
		"tolerations":                 pulumi.Array{pulumi.ToMap(ctl.Toleration())},
		"podDisruptionBudget":         pulumi.Map{"maxUnavailable": pulumi.Int(1)},
	}, a.Images.LBController)
	if err != nil {
		return err
	}
	_, err = helmchart.Install(ctx, name+"-lb-controller", helmchart.Chart{
		Release: "aws-load-balancer-controller", Chart: LBControllerChart, Version: LBControllerChartVersion,
		Repo: LBControllerRepo, Namespace: "kube-system",
	}, values, c.k8s(c.controlNG)...)
	return err
}

// createAutoscaler runs the cluster autoscaler with the priority expander:
// coder-ws spot first, its on-demand pool when spot capacity is not there.
func (c *Cluster) createAutoscaler(ctx *pulumi.Context, name string) error {
	a := c.args
	role, err := irsa.NewRole(ctx, name+"-autoscaler", irsa.RoleArgs{
		OIDC: c.OIDC, ServiceAccount: policydoc.ServiceAccount{Namespace: "kube-system", Name: autoscalerServiceAccount},
		Description: "Cluster autoscaler: scale only this cluster's node groups",
		Policy: policydoc.Document{
			{Sid: "Describe", Actions: []string{
				"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
				"autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
				"autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
				"ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
				"eks:DescribeNodegroup",
			}},
			{Sid: "ScaleOwnGroups", Actions: []string{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"},
				Resources: pulumi.StringArray{pulumi.Sprintf("arn:aws:autoscaling:%s:%s:autoScalingGroup:*", a.Region, a.AccountID)},
				Condition: pulumi.Map{"StringEquals": pulumi.Map{
					"aws:ResourceTag/k8s.io/cluster-autoscaler/" + a.Name: pulumi.String("owned"),
				}}},
		},
	}, c)
	if err != nil {
		return err
	}
	priorities := pulumi.Map{}
	byPriority := map[int][]string{}
	for _, g := range a.NodeGroups {
		p := 10
		if g.CapacityType == Spot {
			p = 50
		}
		byPriority[p] = append(byPriority[p], ".*"+g.Name+".*")
	}
	for p, patterns := range byPriority {
		sort.Strings(patterns)
		priorities[strconv.Itoa(p)] = pulumi.ToStringArray(patterns)
	}
	ctl := workloads.TierControl
	values, err := withImage(pulumi.Map{
		"cloudProvider": pulumi.String("aws"),
		"awsRegion":     pulumi.String(a.Region),
		"autoDiscovery": pulumi.Map{"clusterName": c.ClusterName},
		"rbac": pulumi.Map{"serviceAccount": pulumi.Map{
			"create": pulumi.Bool(true), "name": pulumi.String(autoscalerServiceAccount),
			"annotations": pulumi.Map{irsa.AnnotationKey: role.Arn},
		}},
		"expanderPriorities": priorities,
		"extraArgs": pulumi.Map{
			"expander":                      pulumi.String("priority"),
			"balance-similar-node-groups":   pulumi.Bool(true),
			"skip-nodes-with-local-storage": pulumi.Bool(false),
			// Fall back to on-demand after 5 minutes without spot capacity.
			"max-node-provision-time":  pulumi.String("5m0s"),
			"scale-down-unneeded-time": pulumi.String("10m0s"),
		},
		"podAnnotations": pulumi.Map{"cluster-autoscaler.kubernetes.io/safe-to-evict": pulumi.String("false")},
		// The managed scraper collects its metrics for the scaling-lag alert.
		"service":      pulumi.Map{"labels": pulumi.Map{workloads.MetricsLabel: pulumi.String("true")}},
		"nodeSelector": pulumi.ToMap(ctl.NodeSelector()),
		"tolerations":  pulumi.Array{pulumi.ToMap(ctl.Toleration())},
	}, a.Images.Autoscaler)
	if err != nil {
		return err
	}
	_, err = helmchart.Install(ctx, name+"-autoscaler", helmchart.Chart{
		Release: "cluster-autoscaler", Chart: AutoscalerChart, Version: c.args.AutoscalerChartVersion,
		Repo: AutoscalerRepo, Namespace: "kube-system",
	}, values, c.k8s(c.controlNG)...)
	return err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
