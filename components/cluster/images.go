package cluster

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/registry/imageref"
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

// chartImage is an image as both controller charts take it: image.
// repository and image.tag, rendered "repository:tag" (aws-load-balancer-
// controller templates/deployment.yaml; cluster-autoscaler templates/
// deployment.yaml), so a tag of v2.16.0@sha256:… pulls by digest. Nil keeps
// the chart's default.
func chartImage(ref string) (pulumi.Map, error) {
	if ref == "" {
		return nil, nil
	}
	r, err := imageref.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("controller image: %w", err)
	}
	return pulumi.Map{"repository": pulumi.String(r.Repo()), "tag": pulumi.String(r.Version())}, nil
}

// withImage sets values' image when ref is given.
func withImage(values pulumi.Map, ref string) (pulumi.Map, error) {
	img, err := chartImage(ref)
	if err != nil || img == nil {
		return values, err
	}
	values["image"] = img
	return values, nil
}
