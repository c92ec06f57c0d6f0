package coder

import (
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/helmchart"
)

// chart is a pinned Helm chart installed as one release.
type chart = helmchart.Chart

// releaseTimeoutSeconds lets provisioners drain during an upgrade.
const releaseTimeoutSeconds = 900

// release installs a chart atomically. Coder's releases wait up to 15
// minutes, long enough for provisioners to drain.
func (c *Coder) release(ctx *pulumi.Context, name string, ch chart, values pulumi.Map, deps ...pulumi.Resource) (*helmv3.Release, error) {
	ch.TimeoutSeconds = releaseTimeoutSeconds
	return helmchart.Install(ctx, name, ch, values, c.k8s(deps...)...)
}
