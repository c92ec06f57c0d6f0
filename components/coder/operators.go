package coder

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/helmchart"
	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/workloads"
)

// Pinned operator charts.
const (
	ESOChart        = "external-secrets"
	ESOChartVersion = "0.20.4" // serves external-secrets.io/v1
	ESORepo         = "https://charts.external-secrets.io"
	KEDAChart       = "keda"
	KEDARepo        = "https://kedacore.github.io/charts"
)

func onControl() pulumi.Map {
	t := workloads.TierControl
	return pulumi.Map{"nodeSelector": pulumi.ToMap(t.NodeSelector()), "tolerations": pulumi.Array{pulumi.ToMap(t.Toleration())}}
}

// createOperators installs External Secrets Operator (which holds no AWS
// permissions of its own) and, with autoscaling, KEDA.
func (c *Coder) createOperators(ctx *pulumi.Context) error {
	placement := onControl()
	values := merge(placement, pulumi.Map{
		"installCRDs":    pulumi.Bool(true),
		"replicaCount":   pulumi.Int(2),
		"webhook":        merge(placement, pulumi.Map{"replicaCount": pulumi.Int(2)}),
		"certController": merge(placement),
	})
	// The controller, webhook and cert-controller run one image, each set
	// on its own (the chart does not share image between them).
	img, err := helmchart.Image(c.args.Images.Operators[ESOImage], helmchart.RepoTag)
	if err != nil {
		return err
	}
	if img != nil {
		values["image"] = img
		values["webhook"].(pulumi.Map)["image"] = img
		values["certController"].(pulumi.Map)["image"] = img
	}
	eso, err := c.release(ctx, c.name+"-external-secrets", chart{Release: "external-secrets", Chart: ESOChart,
		Version: ESOChartVersion, Repo: ESORepo, Namespace: "external-secrets", CreateNamespace: true}, values)
	if err != nil {
		return err
	}
	c.eso = eso
	if !c.args.Provisioners.Autoscaling() || c.args.QueueMetrics == nil {
		return nil
	}
	// KEDA's operator queries the managed Prometheus with its own role.
	role, err := irsa.NewRole(ctx, c.name+"-keda", irsa.RoleArgs{
		OIDC: c.args.Cluster.OIDC, ServiceAccount: policydoc.ServiceAccount{Namespace: "keda", Name: "keda-operator"},
		Description: "KEDA: query the managed Prometheus for provisioner queue depth",
		Policy: policydoc.Document{{Sid: "QueryMetrics",
			Actions:   []string{"aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"},
			Resources: pulumi.StringArray{c.args.QueueMetrics.WorkspaceArn}}},
	}, c)
	if err != nil {
		return err
	}
	kvalues := merge(placement, pulumi.Map{
		"podIdentity": pulumi.Map{"aws": pulumi.Map{"irsa": pulumi.Map{"enabled": pulumi.Bool(true), "roleArn": role.Arn}}},
	})
	kimages := pulumi.Map{}
	for key, up := range KEDAImages(c.args.KEDAChartVersion) {
		img, err := helmchart.Image(c.args.Images.Operators[up], helmchart.RegistryRepoTag)
		if err != nil {
			return err
		}
		if img != nil {
			kimages[key] = img
		}
	}
	if len(kimages) > 0 {
		kvalues["image"] = kimages
	}
	keda, err := c.release(ctx, c.name+"-keda", chart{Release: "keda", Chart: KEDAChart,
		Version: c.args.KEDAChartVersion, Repo: KEDARepo, Namespace: "keda", CreateNamespace: true}, kvalues)
	if err != nil {
		return err
	}
	c.keda = keda
	return nil
}

// merge returns a new map with the entries of every map, later ones winning.
func merge(maps ...pulumi.Map) pulumi.Map {
	out := pulumi.Map{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
