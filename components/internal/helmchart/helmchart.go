// Package helmchart installs pinned Helm charts the same way everywhere:
// one release per chart, atomic, so a failed install or upgrade rolls back
// instead of leaving a half-applied release.
package helmchart

import (
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Chart is a pinned chart and where its release goes.
type Chart struct {
	Release, Chart, Version, Repo, Namespace string
	// CreateNamespace is for operators' own namespaces; the cluster
	// component owns coder, coder-prov and coder-ws.
	CreateNamespace bool
	// TimeoutSeconds bounds an install or upgrade (0: Helm's default).
	TimeoutSeconds int
}

// Install creates the release.
func Install(ctx *pulumi.Context, name string, ch Chart, values pulumi.Map, opts ...pulumi.ResourceOption) (*helmv3.Release, error) {
	args := &helmv3.ReleaseArgs{
		Name:            pulumi.String(ch.Release),
		Chart:           pulumi.String(ch.Chart),
		Version:         pulumi.String(ch.Version),
		RepositoryOpts:  &helmv3.RepositoryOptsArgs{Repo: pulumi.String(ch.Repo)},
		Namespace:       pulumi.String(ch.Namespace),
		CreateNamespace: pulumi.Bool(ch.CreateNamespace),
		Atomic:          pulumi.Bool(true),
		Values:          values,
	}
	if ch.TimeoutSeconds > 0 {
		args.Timeout = pulumi.Int(ch.TimeoutSeconds)
	}
	return helmv3.NewRelease(ctx, name, args, opts...)
}
