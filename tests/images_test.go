package tests

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/workloads"
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

// The operator charts (External Secrets, KEDA) and Fluent Bit set every
// image they run to the region's registry by digest, and every region's
// cluster holds the pod templates' image list with its own registry's
// references at the control plane's digests: one delivered template, each
// region's images.
func TestOperatorAndWorkspaceImagesByDigest(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	byDigest := `@sha256:[0-9a-f]{64}$`
	lists := map[string]map[string]any{}
	for _, region := range []string{"us-east-2", "us-west-2", "eu-west-2"} {
		host := "123456789012.dkr.ecr." + region + ".amazonaws.com"
		values := func(chart, name string) map[string]any {
			return preview.PlainValue(mustInput(t, release(t, r, region, chart, name), "values")).(map[string]any)
		}
		eso := values("external-secrets", "external-secrets")
		for key, img := range map[string]any{"image": eso["image"], "webhook.image": eso["webhook"].(map[string]any)["image"],
			"certController.image": eso["certController"].(map[string]any)["image"]} {
			m := img.(map[string]any)
			assert.Equal(t, host+"/github/external-secrets/external-secrets", m["repository"], "external-secrets %s in %s", key, region)
			assert.Regexp(t, `^v0\.20\.4`+byDigest, m["tag"], "external-secrets %s in %s", key, region)
		}
		keda := values("keda", "keda")["image"].(map[string]any)
		for key, repo := range map[string]string{"keda": "kedacore/keda", "metricsApiServer": "kedacore/keda-metrics-apiserver", "webhooks": "kedacore/keda-admission-webhooks"} {
			m := keda[key].(map[string]any)
			assert.Equal(t, host, m["registry"], "keda %s in %s", key, region)
			assert.Equal(t, "github/"+repo, m["repository"], "keda %s in %s", key, region)
			assert.Regexp(t, `^2\.[0-9]+\.[0-9]+`+byDigest, m["tag"], "keda %s in %s", key, region)
		}
		fb := values("aws-for-fluent-bit", "aws-for-fluent-bit")["image"].(map[string]any)
		assert.Equal(t, host+"/ecr-public/aws-observability/aws-for-fluent-bit", fb["repository"], region)
		assert.Regexp(t, `^2\.32\.2\.20240516`+byDigest, fb["tag"], region)

		var list *preview.Resource
		for _, cm := range r.OfType("kubernetes:core/v1:ConfigMap") {
			if r.RegionOf(cm) == region && str(cm, "metadata.name") == workloads.WorkspaceImagesConfigMap {
				list = cm
			}
		}
		require.NotNil(t, list, "no workspace image list in %s", region)
		assert.Equal(t, workloads.NamespaceWorkspaces, str(list, "metadata.namespace"))
		data := preview.PlainValue(mustInput(t, list, "data")).(map[string]any)
		assert.ElementsMatch(t, []string{"al2023", "ubuntu-2204", "ubuntu-2404"}, keys(data), region)
		for id, ref := range data {
			assert.Regexp(t, `^`+regexp.QuoteMeta(host+"/coder/workspace:"+id)+byDigest, ref, region)
		}
		lists[region] = data
	}
	// The same digest of each image id everywhere.
	digest := func(ref any) string { _, d, _ := strings.Cut(ref.(string), "@"); return d }
	for id, ref := range lists["us-east-2"] {
		for _, region := range []string{"us-west-2", "eu-west-2"} {
			assert.Equal(t, digest(ref), digest(lists[region][id]), "%s in %s", id, region)
		}
	}
}

// Before the operators push the workspace images, the stack's own
// repository does not exist or lacks them: the program still plans, every
// region's list leaves them out and the preview says what to do. Any other
// failure to read the repository stops it, so that a transient error never
// empties the lists.
func TestWorkspaceImagesNotPushedYet(t *testing.T) {
	t.Parallel()
	// What the provider's ecr:getImage answers for a repository or a tag
	// that does not exist: ECR's exception name is not in it.
	missing := "invoking aws:ecr/getImage:getImage: 1 error occurred:\n\t* reading ECR Images: couldn't find resource"
	r, err := preview.RunStackFile(project(t).Name, "workshop", stackFile(t, "workshop"), preview.At(testNow), preview.FailImageLookups("coder/workspace", missing))
	require.NoError(t, err)
	lists := 0
	for _, cm := range r.OfType("kubernetes:core/v1:ConfigMap") {
		if str(cm, "metadata.name") == workloads.WorkspaceImagesConfigMap {
			lists++
			assert.Empty(t, preview.PlainValue(mustInput(t, cm, "data")), "nothing pushed, nothing listed")
		}
	}
	assert.Equal(t, 3, lists, "every region still has its list: the template's precondition names what is missing")
	var warned bool
	for _, d := range r.Diagnostics {
		warned = warned || strings.Contains(d.Message, "does not hold 444455556666.dkr.ecr.us-east-2.amazonaws.com/coder/workspace:al2023")
	}
	assert.True(t, warned, "the preview names the images to push")

	denied := "reading ECR Image (coder/workspace): operation error ECR: DescribeImages, https response error StatusCode: 400, RequestID: 2, api error AccessDeniedException: not authorized"
	_, err = preview.RunStackFile(project(t).Name, "workshop", stackFile(t, "workshop"), preview.At(testNow), preview.FailImageLookups("coder/workspace", denied))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "AccessDeniedException")
	assert.Contains(t, err.Error(), "run `platform images pin --stack workshop`")
}

// Each region's registry fills its caches, during an update, with the
// images that region runs, at the digests it pulls: the control plane's
// alone (Grafana's sidecar) are filled there only, the shared ones in
// every region at one digest.
func TestEachRegionFillsTheImagesItRuns(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	fills := map[string][]string{}
	for _, reg := range r.OfType("coder:registry:Registry") {
		var list []string
		for _, v := range preview.PlainValue(mustInput(t, reg, "cachedImages")).([]any) {
			list = append(list, v.(string))
		}
		fills[str(reg, "region")] = list
	}
	require.Len(t, fills, 3)
	has := func(region, repo string) string {
		for _, c := range fills[region] {
			if strings.HasPrefix(c, repo+":") {
				return c
			}
		}
		return ""
	}
	sidecar, lbc := "quay/kiwigrid/k8s-sidecar", "ecr-public/eks/aws-load-balancer-controller"
	assert.NotEmpty(t, has("us-east-2", sidecar), "the control plane runs Grafana's sidecar")
	want := has("us-east-2", lbc)
	assert.Regexp(t, `@sha256:[0-9a-f]{64}$`, want)
	for _, region := range []string{"us-west-2", "eu-west-2"} {
		assert.Empty(t, has(region, sidecar), "%s does not run Grafana", region)
		assert.Equal(t, want, has(region, lbc), "%s fills the control plane's digest", region)
	}
}
