// Package observability collects the platform's metrics, logs and audit
// trails, and alarms on them.
package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/amp"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/components/workloads"
)

// scraperUser is the Kubernetes user the managed scraper authenticates as.
const scraperUser = "aps-collector-user"

// PrometheusArgs configures the managed Prometheus of one region.
type PrometheusArgs struct {
	Region      string
	AccountID   pulumi.StringInput
	ClusterName pulumi.StringOutput
	// SubnetIDs and SecurityGroupIDs place the scraper's ENIs next to the
	// nodes (the shared nodes group lets it reach pods on MetricsPort).
	SubnetIDs        pulumi.StringArrayOutput
	SecurityGroupIDs pulumi.StringArray
	KmsKeyArn        pulumi.StringOutput
	KubeProvider     pulumi.ProviderResource
	ScrapeInterval   string
}

// Prometheus is an Amazon Managed Service for Prometheus workspace fed by an
// AWS-managed (agentless) scraper of the region's cluster.
type Prometheus struct {
	pulumi.ResourceState

	WorkspaceArn pulumi.StringOutput `pulumi:"workspaceArn"`
	WorkspaceID  pulumi.StringOutput `pulumi:"workspaceId"`
	// Endpoint is the workspace's Prometheus endpoint (ends in /).
	Endpoint pulumi.StringOutput `pulumi:"endpoint"`
}

// NewPrometheus creates the workspace, the scraper and the scraper's access.
func NewPrometheus(ctx *pulumi.Context, name string, args *PrometheusArgs, opts ...pulumi.ResourceOption) (*Prometheus, error) {
	p := &Prometheus{}
	if err := ctx.RegisterComponentResourceV2(tokens.Prometheus, name, pulumi.Map{
		"region": pulumi.String(args.Region), "scrapeInterval": pulumi.String(args.ScrapeInterval),
		"scrapePort": pulumi.Int(workloads.MetricsPort),
	}, p, opts...); err != nil {
		return nil, err
	}
	ws, err := amp.NewWorkspace(ctx, name, &amp.WorkspaceArgs{
		Alias:     pulumi.String(name),
		KmsKeyArn: args.KmsKeyArn,
		Tags:      pulumi.StringMap{"Name": pulumi.String(name)},
	}, pulumi.Parent(p), pulumi.Protect(true))
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", name, err)
	}
	clusterArn := pulumi.Sprintf("arn:aws:eks:%s:%s:cluster/%s", args.Region, args.AccountID, args.ClusterName)
	_, err = amp.NewScraper(ctx, name, &amp.ScraperArgs{
		Alias: pulumi.String(name),
		Source: &amp.ScraperSourceArgs{Eks: &amp.ScraperSourceEksArgs{
			ClusterArn: clusterArn, SubnetIds: args.SubnetIDs, SecurityGroupIds: args.SecurityGroupIDs,
		}},
		Destination:         &amp.ScraperDestinationArgs{Amp: &amp.ScraperDestinationAmpArgs{WorkspaceArn: ws.Arn}},
		ScrapeConfiguration: pulumi.String(scrapeConfig(args.ScrapeInterval)),
	}, pulumi.Parent(p))
	if err != nil {
		return nil, fmt.Errorf("prometheus %s: %w", name, err)
	}
	// The scraper authenticates as scraperUser. With the cluster's API
	// authentication mode, AMP creates the scraper role's EKS access entry
	// itself when the scraper is created (AWS: "Configuring your Amazon EKS
	// cluster" for managed collectors); a second, explicit entry would fail
	// with ResourceInUseException. Only the RBAC below is ours to create.
	k8s := []pulumi.ResourceOption{pulumi.Parent(p), pulumi.Provider(args.KubeProvider)}
	if _, err := rbacv1.NewClusterRole(ctx, name+"-scraper", &rbacv1.ClusterRoleArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("aps-collector-role")},
		Rules: rbacv1.PolicyRuleArray{
			rbacv1.PolicyRuleArgs{ApiGroups: pulumi.ToStringArray([]string{""}),
				Resources: pulumi.ToStringArray([]string{"nodes", "nodes/proxy", "nodes/metrics", "services", "endpoints", "pods", "configmaps"}),
				Verbs:     pulumi.ToStringArray([]string{"get", "list", "watch"})},
			rbacv1.PolicyRuleArgs{ApiGroups: pulumi.ToStringArray([]string{"discovery.k8s.io"}),
				Resources: pulumi.ToStringArray([]string{"endpointslices"}), Verbs: pulumi.ToStringArray([]string{"get", "list", "watch"})},
			rbacv1.PolicyRuleArgs{NonResourceURLs: pulumi.ToStringArray([]string{"/metrics"}), Verbs: pulumi.ToStringArray([]string{"get"})},
		},
	}, k8s...); err != nil {
		return nil, err
	}
	if _, err := rbacv1.NewClusterRoleBinding(ctx, name+"-scraper", &rbacv1.ClusterRoleBindingArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("aps-collector-user-role-binding")},
		RoleRef:  rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("ClusterRole"), Name: pulumi.String("aps-collector-role")},
		Subjects: rbacv1.SubjectArray{rbacv1.SubjectArgs{Kind: pulumi.String("User"), Name: pulumi.String(scraperUser), ApiGroup: pulumi.String("rbac.authorization.k8s.io")}},
	}, k8s...); err != nil {
		return nil, err
	}
	p.WorkspaceArn, p.WorkspaceID, p.Endpoint = ws.Arn, ws.ID().ToStringOutput(), ws.PrometheusEndpoint
	if err := ctx.RegisterResourceOutputs(p, pulumi.Map{"workspaceArn": p.WorkspaceArn, "endpoint": p.Endpoint}); err != nil {
		return nil, err
	}
	return p, nil
}

// scrapeConfig keeps only endpoints of Services labelled MetricsLabel=true.
func scrapeConfig(interval string) string {
	return fmt.Sprintf(`global:
  scrape_interval: %s
scrape_configs:
  - job_name: coder
    kubernetes_sd_configs:
      - role: endpoints
    relabel_configs:
      - source_labels: [__meta_kubernetes_service_label_coder_com_metrics]
        action: keep
        regex: "true"
      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace
      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod
      - source_labels: [__meta_kubernetes_service_name]
        target_label: service
`, interval)
}
