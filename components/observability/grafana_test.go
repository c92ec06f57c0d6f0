package observability_test

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/observability"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
)

const (
	tRelease   = "kubernetes:helm.sh/v3:Release"
	tConfigMap = "kubernetes:core/v1:ConfigMap"
	tNamespace = "kubernetes:core/v1:Namespace"
	tRolePol   = "aws:iam/rolePolicy:RolePolicy"
)

func registerDashboards(t *testing.T) ct.Resources {
	t.Helper()
	return registerDashboardsWith(t, observability.GrafanaImages{})
}

func registerDashboardsWith(t *testing.T, images observability.GrafanaImages) ct.Resources {
	t.Helper()
	ws := func(region, id string, coderd bool) observability.DashboardWorkspace {
		return observability.DashboardWorkspace{Region: region, Coderd: coderd,
			Arn:      pulumi.String("arn:aws:aps:" + region + ":123456789012:workspace/" + id),
			Endpoint: pulumi.String("https://aps-workspaces." + region + ".amazonaws.com/workspaces/" + id + "/")}
	}
	return ct.Run(t, func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		_, err = observability.NewDashboards(ctx, "coder-test", &observability.DashboardsArgs{
			Stack: "test", KubeProvider: k8s,
			OIDC: irsa.OIDC{
				ProviderArn: pulumi.String("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-2.amazonaws.com/id/ABC"),
				IssuerURL:   pulumi.String("https://oidc.eks.us-east-2.amazonaws.com/id/ABC"),
			},
			Workspaces: []observability.DashboardWorkspace{ws("us-east-2", "ws-1", true), ws("eu-west-2", "ws-2", false)},
			Images:     images,
		})
		return err
	})
}

// Grafana is the pinned chart with one AMP data source per region (SigV4
// with the pod's IRSA role, the control plane's under the UID the coderd
// panels read), the dashboard sidecar on the dashboards' label, and no
// state of its own; each dashboard is a labelled ConfigMap.
func TestDashboardsRelease(t *testing.T) {
	t.Parallel()
	rs := registerDashboards(t)
	rels := rs.OfType(tRelease)
	require.Len(t, rels, 1)
	rel := rels[0]
	assert.Equal(t, observability.GrafanaChart, ct.String(t, rel, "chart"))
	assert.Equal(t, observability.GrafanaChartVersion, ct.String(t, rel, "version"))
	assert.Equal(t, observability.GrafanaRepo, ct.String(t, rel, "repositoryOpts.repo"))
	assert.Equal(t, observability.GrafanaNamespace, ct.String(t, rel, "namespace"))
	assert.Equal(t, []any{"grafana-amazonprometheus-datasource@" + observability.AMPDatasourceVersion}, ct.Input(t, rel, "values.plugins"))
	assert.Equal(t, "grafana", ct.At(t, rel, "values", "serviceAccount", "name"))
	assert.NotEmpty(t, ct.At(t, rel, "values", "serviceAccount", "annotations", irsa.AnnotationKey))
	assert.Equal(t, false, ct.At(t, rel, "values", "persistence", "enabled"))
	assert.Equal(t, true, ct.At(t, rel, "values", "sidecar", "dashboards", "enabled"))
	assert.Equal(t, observability.DashboardLabel, ct.At(t, rel, "values", "sidecar", "dashboards", "label"))
	// The sidecar gets a Role in Grafana's namespace, not the chart's
	// default ClusterRole over every Secret of the cluster.
	assert.Equal(t, true, ct.At(t, rel, "values", "rbac", "namespaced"))

	sources, ok := ct.At(t, rel, "values", "datasources", "datasources.yaml", "datasources").([]any)
	require.True(t, ok)
	require.Len(t, sources, 2)
	byUID := map[string]map[string]any{}
	for _, s := range sources {
		m := s.(map[string]any)
		byUID[m["uid"].(string)] = m
		assert.Equal(t, observability.AMPDatasourceType, m["type"])
		js := m["jsonData"].(map[string]any)
		assert.Equal(t, true, js["sigV4Auth"])
		assert.Equal(t, "default", js["sigV4AuthType"], "the AWS SDK default chain: the pod's IRSA web identity")
		assert.Equal(t, false, js["manageAlerts"], "the program owns the rules; the role cannot list them")
	}
	require.Contains(t, byUID, observability.CoderdDatasource)
	assert.Equal(t, "us-east-2", byUID[observability.CoderdDatasource]["jsonData"].(map[string]any)["sigV4Region"])
	assert.Equal(t, "https://aps-workspaces.us-east-2.amazonaws.com/workspaces/ws-1/", byUID[observability.CoderdDatasource]["url"])
	require.Contains(t, byUID, "amp-eu-west-2")
	assert.Equal(t, "eu-west-2", byUID["amp-eu-west-2"]["jsonData"].(map[string]any)["sigV4Region"])

	files, err := observability.DashboardFiles()
	require.NoError(t, err)
	cms := rs.OfType(tConfigMap)
	require.Len(t, cms, len(files))
	for _, cm := range cms {
		assert.Equal(t, "1", ct.At(t, cm, "metadata", "labels", observability.DashboardLabel))
		assert.Equal(t, observability.GrafanaNamespace, ct.At(t, cm, "metadata", "namespace"))
		data := ct.Input(t, cm, "data").(map[string]any)
		require.Len(t, data, 1)
		for _, v := range data {
			assert.True(t, json.Valid([]byte(v.(string))))
		}
	}
	ns := rs.OfType(tNamespace)
	require.Len(t, ns, 1)
	assert.Equal(t, "restricted", ct.At(t, ns[0], "metadata", "labels", "pod-security.kubernetes.io/enforce"))
}

// The query role may only query the stack's workspaces.
func TestDashboardsQueryRole(t *testing.T) {
	t.Parallel()
	rs := registerDashboards(t)
	pols := rs.OfType(tRolePol)
	require.Len(t, pols, 1)
	st := ct.Statements(ct.JSON(t, pols[0], "policy"))["QueryWorkspaces"]
	require.NotNil(t, st)
	assert.ElementsMatch(t, []any{"aps:QueryMetrics", "aps:GetLabels", "aps:GetSeries", "aps:GetMetricMetadata"}, st["Action"])
	assert.ElementsMatch(t, []any{"arn:aws:aps:us-east-2:123456789012:workspace/ws-1", "arn:aws:aps:eu-west-2:123456789012:workspace/ws-2"}, st["Resource"])
}

// With resolved references, Grafana and its sidecar pull from the region's
// registry by digest, through the chart's registry/repository/tag/sha keys;
// without them the chart keeps its defaults.
func TestDashboardsImages(t *testing.T) {
	t.Parallel()
	const (
		host = "123456789012.dkr.ecr.us-east-2.amazonaws.com"
		hex  = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	)
	rs := registerDashboardsWith(t, observability.GrafanaImages{
		Grafana: host + "/docker-hub/grafana/grafana:13.2.0@sha256:" + hex,
		Sidecar: host + "/quay/kiwigrid/k8s-sidecar:2.10.1@sha256:" + hex,
	})
	rel := rs.OfType(tRelease)[0]
	assert.Equal(t, map[string]any{"registry": host, "repository": "docker-hub/grafana/grafana", "tag": "13.2.0", "sha": hex},
		ct.At(t, rel, "values", "image"))
	assert.Equal(t, map[string]any{"registry": host, "repository": "quay/kiwigrid/k8s-sidecar", "tag": "2.10.1", "sha": hex},
		ct.At(t, rel, "values", "sidecar", "image"))
	assert.Equal(t, true, ct.At(t, rel, "values", "sidecar", "dashboards", "enabled"))

	def := registerDashboards(t).OfType(tRelease)[0]
	assert.False(t, ct.Has(def, "values.image"))
}
