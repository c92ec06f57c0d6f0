package helmchart

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/registry/imageref"
)

// ImageShape is how a chart takes an image in its values.
type ImageShape int

const (
	// RepoTag is repository and tag, rendered "repository:tag": a tag of
	// "v1@sha256:…" pulls by digest (aws-load-balancer-controller,
	// cluster-autoscaler, aws-for-fluent-bit, external-secrets).
	RepoTag ImageShape = iota
	// RegistryRepoTag is registry, repository (the path alone) and tag,
	// rendered "registry/repository:tag" (KEDA's image.keda and siblings).
	RegistryRepoTag
	// RegistryRepoTagSha adds sha, the digest's hex, rendered
	// "registry/repository:tag@sha256:sha" (Grafana's image and
	// sidecar.image, grafana chart templates/_pod.tpl).
	RegistryRepoTagSha
)

// Image is ref (host/path:tag@digest) as a chart of that shape takes it,
// or nil for "": the chart's default.
func Image(ref string, shape ImageShape) (pulumi.Map, error) {
	if ref == "" {
		return nil, nil
	}
	r, err := imageref.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("chart image: %w", err)
	}
	switch shape {
	case RegistryRepoTag:
		return pulumi.Map{"registry": pulumi.String(r.Host), "repository": pulumi.String(r.Path), "tag": pulumi.String(r.Version())}, nil
	case RegistryRepoTagSha:
		return pulumi.Map{"registry": pulumi.String(r.Host), "repository": pulumi.String(r.Path),
			"tag": pulumi.String(r.Tag), "sha": pulumi.String(strings.TrimPrefix(r.Digest, "sha256:"))}, nil
	}
	return pulumi.Map{"repository": pulumi.String(r.Repo()), "tag": pulumi.String(r.Version())}, nil
}
