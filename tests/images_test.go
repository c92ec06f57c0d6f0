package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Every region's cluster controllers, and the control plane's Grafana and
// its sidecar, pull from the region's own ECR registry (or, while the
// upstream's credential is pending, the upstream itself) by the one digest
// the control plane resolved (docs/images.md).
func TestAddonAndGrafanaImagesByDigest(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	digests := map[string]string{}
	for _, region := range []string{"us-east-2", "us-west-2", "eu-west-2"} {
		host := "123456789012.dkr.ecr." + region + ".amazonaws.com"
		for chart, path := range map[string]string{
			"aws-load-balancer-controller": "/ecr-public/eks/aws-load-balancer-controller",
			"cluster-autoscaler":           "/k8s/autoscaling/cluster-autoscaler",
		} {
			values := preview.PlainValue(mustInput(t, release(t, r, region, chart, chart), "values")).(map[string]any)
			img := values["image"].(map[string]any)
			assert.Equal(t, host+path, img["repository"], chart+" in "+region)
			assert.Regexp(t, `^v[0-9.]+@sha256:[0-9a-f]{64}$`, img["tag"], chart+" in "+region)
			if d, ok := digests[chart]; ok {
				assert.Equal(t, d, img["tag"], chart+": one digest in every region")
			}
			digests[chart] = img["tag"].(string)
		}
	}
	values := preview.PlainValue(mustInput(t, release(t, r, "us-east-2", "grafana", "grafana"), "values")).(map[string]any)
	for key, img := range map[string]map[string]any{
		"image": values["image"].(map[string]any), "sidecar.image": values["sidecar"].(map[string]any)["image"].(map[string]any),
	} {
		assert.Regexp(t, `^(123456789012\.dkr\.ecr\.us-east-2\.amazonaws\.com|docker\.io|quay\.io)$`, img["registry"], key)
		assert.Regexp(t, `^[0-9a-f]{64}$`, img["sha"], key)
	}
}
