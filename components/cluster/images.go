package cluster

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/helmchart"
)

// The controllers' upstream images: each chart's default at the pinned
// version, which the stack resolves per region (stacks/registry.go).
const (
	// LBControllerImage is chart 1.16.0's image.repository:image.tag
	// (aws/eks-charts stable/aws-load-balancer-controller/values.yaml).
	LBControllerImage = "public.ecr.aws/eks/aws-load-balancer-controller:v2.16.0"
	// AutoscalerImageRepo takes the tag v<appVersion> of the chart
	// (compat.Set.AutoscalerApp): every pinned chart's image.tag default
	// (kubernetes/autoscaler charts/cluster-autoscaler/values.yaml at
	// cluster-autoscaler-chart-9.46.6, 9.51.0, 9.53.0).
	AutoscalerImageRepo = "registry.k8s.io/autoscaling/cluster-autoscaler"
)

// Images are the controllers' images as the stack resolved them for the
// region (host/path:tag@digest); an empty field keeps the chart's default.
type Images struct {
	LBController string
	Autoscaler   string
}

// withImage sets values' image when ref is given: both controller charts
// take image.repository and image.tag, rendered "repository:tag" (aws-load-
// balancer-controller and cluster-autoscaler templates/deployment.yaml).
func withImage(values pulumi.Map, ref string) (pulumi.Map, error) {
	img, err := helmchart.Image(ref, helmchart.RepoTag)
	if err != nil || img == nil {
		return values, err
	}
	values["image"] = img
	return values, nil
}
