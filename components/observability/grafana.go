package observability

import (
	"fmt"
	"path"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/helmchart"
	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/sizing"
)

// Why Grafana OSS in the cluster, and not Amazon Managed Grafana or
// CloudWatch: the dashboards must be files in this repository that the
// program provisions and that query AMP. CloudWatch dashboards cannot run
// PromQL against AMP. Amazon Managed Grafana has no AWS API for dashboards
// or data sources (only the Grafana HTTP API, which needs a Grafana
// provider; none resolves here) and needs IAM Identity Center or SAML for
// its users. Grafana OSS from its official chart is all Kubernetes objects
// the program owns: the chart's dashboard sidecar loads every ConfigMap
// labelled DashboardLabel, the data sources are provisioned from values,
// and the pod queries each region's AMP workspace with SigV4 through its
// IRSA role. Nothing is clicked in a UI, and a change is a pulumi up.

// The pinned chart: grafana moved from grafana/helm-charts to
// grafana-community/helm-charts (grafana/helm-charts 3a90565, January
// 2026). Chart 12.11.1 runs Grafana 13.2.0 (its Chart.yaml appVersion) and
// the kiwigrid/k8s-sidecar 2.10.1 dashboard sidecar; the values keys used
// below are in its charts/grafana/values.yaml.
const (
	GrafanaChart        = "grafana"
	GrafanaChartVersion = "12.11.1"
	GrafanaRepo         = "https://grafana-community.github.io/helm-charts"
	// GrafanaNamespace holds Grafana and its dashboards' ConfigMaps.
	GrafanaNamespace = "coder-observability"
	grafanaAccount   = "grafana"
	// DashboardLabel marks the ConfigMaps the sidecar loads (the chart's
	// sidecar.dashboards.label default).
	DashboardLabel = "grafana_dashboard"
)

// AMP data source: SigV4 in the core Prometheus data source is deprecated
// and Grafana 13 migrates it to this plugin (grafana.com/docs/plugins/
// grafana-amazonprometheus-datasource: "Migrate from core Prometheus").
// The chart installs plugins through GF_PLUGINS_PREINSTALL_SYNC (its
// _pod.tpl), each "id@version".
const (
	AMPDatasourceType    = "grafana-amazonprometheus-datasource"
	AMPDatasourceVersion = "3.3.5"
	// CoderdDatasource is the UID of the control plane's workspace, which
	// scrapes coderd; every other region's is "amp-<region>". The
	// dashboards name these UIDs (a test holds them to it).
	CoderdDatasource = "amp-coderd"
	// RegionVariable is the dashboards' variable over every region's data
	// source, which panels repeat by.
	RegionVariable = "${region}"
)

// queryActions are what querying an AMP workspace takes (AWS: "Set up
// Grafana open source ... for use with Amazon Managed Service for
// Prometheus", the AmazonPrometheusQueryAccess actions).
var queryActions = []string{"aps:QueryMetrics", "aps:GetLabels", "aps:GetSeries", "aps:GetMetricMetadata"}

// DashboardWorkspace is one region's AMP workspace as a data source.
type DashboardWorkspace struct {
	Region string
	Arn    pulumi.StringInput
	// Endpoint is the workspace's Prometheus endpoint (ends in /).
	Endpoint pulumi.StringInput
	// Coderd: the region scrapes coderd (the control plane).
	Coderd bool
}

// DashboardsArgs configures the stack's Grafana, in the control plane's
// cluster.
type DashboardsArgs struct {
	Stack        string
	OIDC         irsa.OIDC
	KubeProvider pulumi.ProviderResource
	// Workspaces are every region's, the control plane's first.
	Workspaces []DashboardWorkspace
	// Images are Grafana's and its sidecar's images in the control
	// plane's registry, by digest (stacks/registry.go); an empty field
	// keeps the chart's default.
	Images GrafanaImages
}

// The chart's default images (12.11.1 values.yaml image and sidecar.image,
// registry/repository:tag; Grafana's tag defaults to appVersion 13.2.0).
const (
	GrafanaImage        = "docker.io/grafana/grafana:13.2.0"
	GrafanaSidecarImage = "quay.io/kiwigrid/k8s-sidecar:2.10.1"
)

// GrafanaImages are Grafana's references (host/path:tag@digest).
type GrafanaImages struct {
	Grafana, Sidecar string
}

// Dashboards is the stack's Grafana with the repository's dashboards.
type Dashboards struct {
	pulumi.ResourceState

	Namespace pulumi.StringOutput `pulumi:"namespace"`
}

// NewDashboards creates the namespace, the query role, one ConfigMap per
// dashboard and the Grafana release.
func NewDashboards(ctx *pulumi.Context, name string, args *DashboardsArgs, opts ...pulumi.ResourceOption) (*Dashboards, error) {
	d := &Dashboards{}
	files, err := DashboardFiles()
	if err != nil {
		return nil, fmt.Errorf("dashboards %s: %w", name, err)
	}
	regions := make([]string, len(args.Workspaces))
	for i, w := range args.Workspaces {
		regions[i] = w.Region
	}
	if err := ctx.RegisterComponentResourceV2(tokens.Dashboards, name, pulumi.Map{
		"chartVersion": pulumi.String(GrafanaChartVersion), "regions": pulumi.ToStringArray(regions),
		"dashboards": pulumi.Int(len(files)),
	}, d, opts...); err != nil {
		return nil, err
	}
	k8s := []pulumi.ResourceOption{pulumi.Parent(d), pulumi.Provider(args.KubeProvider)}
	// The chart's pods meet the restricted standard (non-root 472, all
	// capabilities dropped, RuntimeDefault seccomp), so it is enforced.
	ns, err := corev1.NewNamespace(ctx, name, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(GrafanaNamespace), Labels: pulumi.StringMap{
			"pod-security.kubernetes.io/enforce":         pulumi.String("restricted"),
			"pod-security.kubernetes.io/enforce-version": pulumi.String("latest"),
		}},
	}, k8s...)
	if err != nil {
		return nil, fmt.Errorf("dashboards %s: %w", name, err)
	}
	arns := pulumi.StringArray{}
	for _, w := range args.Workspaces {
		arns = append(arns, w.Arn)
	}
	role, err := irsa.NewRole(ctx, name+"-grafana", irsa.RoleArgs{
		OIDC: args.OIDC, ServiceAccount: policydoc.ServiceAccount{Namespace: GrafanaNamespace, Name: grafanaAccount},
		Description: "Grafana: query the stack's AMP workspaces",
		Policy:      policydoc.Document{{Sid: "QueryWorkspaces", Actions: queryActions, Resources: arns}},
	}, d)
	if err != nil {
		return nil, fmt.Errorf("dashboards %s: %w", name, err)
	}
	var maps []pulumi.Resource
	for _, f := range files {
		id := strings.TrimSuffix(path.Base(f.Name), ".json")
		cm, err := corev1.NewConfigMap(ctx, name+"-"+id, &corev1.ConfigMapArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("dashboard-" + id), Namespace: pulumi.String(GrafanaNamespace),
				Labels: pulumi.StringMap{DashboardLabel: pulumi.String("1")}},
			Data: pulumi.StringMap{path.Base(f.Name): pulumi.String(string(f.JSON))},
		}, append(k8s, pulumi.DependsOn([]pulumi.Resource{ns}))...)
		if err != nil {
			return nil, fmt.Errorf("dashboards %s: %w", name, err)
		}
		maps = append(maps, cm)
	}
	values, err := grafanaValues(args, role.Arn)
	if err != nil {
		return nil, fmt.Errorf("dashboards %s: %w", name, err)
	}
	if _, err := helmchart.Install(ctx, name+"-grafana", helmchart.Chart{
		Release: "grafana", Chart: GrafanaChart, Version: GrafanaChartVersion, Repo: GrafanaRepo, Namespace: GrafanaNamespace,
	}, values, append(k8s, pulumi.DependsOn(append(maps, ns)))...); err != nil {
		return nil, fmt.Errorf("dashboards %s: %w", name, err)
	}
	d.Namespace = ns.Metadata.Name().Elem()
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{"namespace": d.Namespace}); err != nil {
		return nil, err
	}
	return d, nil
}

// DatasourceUID is a region's data source: CoderdDatasource for the
// control plane, amp-<region> for the others.
func DatasourceUID(w DashboardWorkspace) string {
	if w.Coderd {
		return CoderdDatasource
	}
	return "amp-" + w.Region
}

// grafanaValues are the chart's values: AMP data sources by SigV4 with the
// pod's IRSA credentials ("AWS SDK Default"), the dashboard sidecar, no
// persistence (everything is provisioned), on the control nodes.
func grafanaValues(args *DashboardsArgs, roleArn pulumi.StringOutput) (pulumi.Map, error) {
	sources := pulumi.Array{}
	for i, w := range args.Workspaces {
		sources = append(sources, pulumi.Map{
			"name": pulumi.String("AMP " + w.Region), "uid": pulumi.String(DatasourceUID(w)),
			"type": pulumi.String(AMPDatasourceType), "access": pulumi.String("proxy"),
			"url": w.Endpoint, "isDefault": pulumi.Bool(i == 0), "editable": pulumi.Bool(false),
			"jsonData": pulumi.Map{
				"httpMethod": pulumi.String("POST"), "sigV4Auth": pulumi.Bool(true),
				"sigV4AuthType": pulumi.String("default"), "sigV4Region": pulumi.String(w.Region),
				// The program owns the workspaces' rules (rules.go): Grafana
				// neither edits them nor asks the ruler, which would take
				// aps:ListRules and more (the plugin's docs/sources/alerting.md).
				"manageAlerts": pulumi.Bool(false),
			},
		})
	}
	ctl := workloads.TierControl
	values := pulumi.Map{
		"serviceAccount": pulumi.Map{
			"create": pulumi.Bool(true), "name": pulumi.String(grafanaAccount),
			"annotations": pulumi.Map{irsa.AnnotationKey: roleArn},
		},
		"plugins": pulumi.ToStringArray([]string{AMPDatasourceType + "@" + AMPDatasourceVersion}),
		"datasources": pulumi.Map{"datasources.yaml": pulumi.Map{
			"apiVersion": pulumi.Int(1), "datasources": sources,
		}},
		// The sidecar reads dashboards from Grafana's own namespace: a Role
		// there, not the chart's default ClusterRole over every Secret and
		// ConfigMap (chart 12.11.1 templates/clusterrole.yaml, role.yaml).
		"rbac": pulumi.Map{"namespaced": pulumi.Bool(true)},
		"sidecar": pulumi.Map{"dashboards": pulumi.Map{
			"enabled": pulumi.Bool(true), "label": pulumi.String(DashboardLabel), "labelValue": pulumi.String("1"),
			"resource": pulumi.String("configmap"),
			// Provisioned dashboards are changed in the repository, not the UI.
			"provider": pulumi.Map{"allowUiUpdates": pulumi.Bool(false), "disableDelete": pulumi.Bool(true), "folder": pulumi.String("Coder")},
		}},
		"grafana.ini": pulumi.Map{
			"analytics": pulumi.Map{"check_for_updates": pulumi.Bool(false), "reporting_enabled": pulumi.Bool(false)},
			"users":     pulumi.Map{"allow_sign_up": pulumi.Bool(false)},
		},
		"persistence":   pulumi.Map{"enabled": pulumi.Bool(false)},
		"testFramework": pulumi.Map{"enabled": pulumi.Bool(false)},
		"resources": pulumi.Map{
			"requests": pulumi.Map{"cpu": pulumi.String(sizing.GrafanaRequests.CPU()), "memory": pulumi.String(sizing.GrafanaRequests.Memory())},
			"limits":   pulumi.Map{"cpu": pulumi.String("1"), "memory": pulumi.String("1Gi")},
		},
		"nodeSelector": pulumi.ToMap(ctl.NodeSelector()),
		"tolerations":  pulumi.Array{pulumi.ToMap(ctl.Toleration())},
	}
	img, err := helmchart.Image(args.Images.Grafana, helmchart.RegistryRepoTagSha)
	if err != nil {
		return nil, err
	}
	if img != nil {
		values["image"] = img
	}
	if img, err = helmchart.Image(args.Images.Sidecar, helmchart.RegistryRepoTagSha); err != nil {
		return nil, err
	}
	if img != nil {
		values["sidecar"].(pulumi.Map)["image"] = img
	}
	return values, nil
}
