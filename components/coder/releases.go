package coder

import (
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// chart is a pinned Helm chart installed as one release.
type chart struct {
	Release, Chart, Version, Repo, Namespace string
	// CreateNamespace is for operators' own namespaces; the cluster
	// component owns coder, coder-prov and coder-ws.
	CreateNamespace bool
}

// release installs a chart atomically: a failed install or upgrade rolls
// back instead of leaving a half-applied release. Coder's releases wait up
// to 15 minutes, long enough for provisioners to drain.
func (c *Coder) release(ctx *pulumi.Context, name string, ch chart, values pulumi.Map, deps ...pulumi.Resource) (*helmv3.Release, error) {
	return helmv3.NewRelease(ctx, name, &helmv3.ReleaseArgs{
		Name:            pulumi.String(ch.Release),
		Chart:           pulumi.String(ch.Chart),
		Version:         pulumi.String(ch.Version),
		RepositoryOpts:  &helmv3.RepositoryOptsArgs{Repo: pulumi.String(ch.Repo)},
		Namespace:       pulumi.String(ch.Namespace),
		CreateNamespace: pulumi.Bool(ch.CreateNamespace),
		Atomic:          pulumi.Bool(true),
		Timeout:         pulumi.Int(900),
		Values:          values,
	}, c.k8s(deps...)...)
}
