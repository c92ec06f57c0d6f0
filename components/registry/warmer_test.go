package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/registry"
	"github.com/platformeng/coder-platform/internal/fakeaws"
)

func warmer(fake *fakeaws.Server) *registry.ECRWarmer {
	w := registry.NewWarmer(fake.Config())
	w.Backoff = time.Millisecond
	return w
}

const (
	coderRepo = "github/coder/coder"
	lbcRepo   = "ecr-public/eks/aws-load-balancer-controller"
)

// A fill pulls each manifest by tag through the region's registry with
// the token ECR issued, as a node does, which is what puts it in the
// cache; the pinned digest is then served, and so is an index's Linux
// platform.
func TestWarmFillsEachCacheByTag(t *testing.T) {
	fake := fakeaws.New(t)
	fake.Indexes = map[string]bool{coderRepo + ":v2.35.1": true}
	images := []registry.Cached{
		{Repository: coderRepo, Tag: "v2.35.1", Digest: fakeaws.ImageDigest(coderRepo, "v2.35.1")},
		{Repository: lbcRepo, Tag: "v2.16.0", Digest: fakeaws.ImageDigest(lbcRepo, "v2.16.0")},
	}
	require.NoError(t, warmer(fake).Warm(context.Background(), "us-west-2", images))
	assert.Equal(t, 1, fake.CallCount("ecr:GetAuthorizationToken"))
	for _, c := range []string{
		"registry:GET us-west-2/" + coderRepo + ":v2.35.1",
		"registry:GET us-west-2/" + coderRepo + ":" + fakeaws.ChildDigest(coderRepo, "v2.35.1"),
		"registry:GET us-west-2/" + lbcRepo + ":v2.16.0",
	} {
		assert.Equal(t, 1, fake.CallCount(c), c)
	}
	assert.Zero(t, fake.CallCount("registry:GET us-west-2/"+coderRepo+":sha256:attestation"), "attestations are not pulled by nodes")
	for _, img := range images {
		assert.True(t, fake.Cached["us-west-2/"+img.Repository+"@"+img.Digest], img)
	}
	assert.False(t, fake.Cached["us-east-2/"+coderRepo+"@"+images[0].Digest], "each region has its own cache")
}

// A tag that moved upstream since it was pinned is fine while the cache
// still holds the pinned image; when it does not, the update stops and
// says to pin again. Every image that fails is named, with what to do.
func TestWarmRefusesWhatNodesCouldNotPull(t *testing.T) {
	fake := fakeaws.New(t)
	old := "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	fake.Cached = map[string]bool{"us-east-2/" + coderRepo + "@" + old: true}
	require.NoError(t, warmer(fake).Warm(context.Background(), "us-east-2",
		[]registry.Cached{{Repository: coderRepo, Tag: "v2.35.1", Digest: old}}), "the cache still serves the pinned digest")

	fake.Missing = map[string]bool{"quay/kiwigrid/k8s-sidecar:2.10.1": true}
	fake.Deny = map[string]bool{"registry:docker-hub/grafana/grafana": true}
	err := warmer(fake).Warm(context.Background(), "us-west-2", []registry.Cached{
		{Repository: coderRepo, Tag: "v2.35.1", Digest: old},
		{Repository: "quay/kiwigrid/k8s-sidecar", Tag: "2.10.1", Digest: old},
		{Repository: "docker-hub/grafana/grafana", Tag: "13.2.0", Digest: old},
		{Repository: lbcRepo, Tag: "v2.16.0", Digest: fakeaws.ImageDigest(lbcRepo, "v2.16.0")},
	})
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, coderRepo+":v2.35.1: the cache now has the tag at "+fakeaws.ImageDigest(coderRepo, "v2.35.1")+", not at the pinned "+old)
	assert.Contains(t, msg, "run `platform images pin` again")
	assert.Contains(t, msg, "quay/kiwigrid/k8s-sidecar:2.10.1: GET 2.10.1: HTTP 404")
	assert.Contains(t, msg, "is the image there upstream, and does the rule's credential hold a value?")
	assert.Contains(t, msg, "docker-hub/grafana/grafana:13.2.0: ECR refused GET 13.2.0 (HTTP 403")
	assert.Contains(t, msg, "ecr:BatchImportUpstreamImage")
	assert.NotContains(t, msg, lbcRepo, "an image that filled is not an error")
}

// Throttling is retried, as the SDK retries ECR's API; a token ECR did
// not issue is refused.
func TestWarmRetriesAndAuthenticates(t *testing.T) {
	fake := fakeaws.New(t)
	fake.Throttle = map[string]int{"ecr:GetAuthorizationToken": 2}
	img := registry.Cached{Repository: lbcRepo, Tag: "v2.16.0", Digest: fakeaws.ImageDigest(lbcRepo, "v2.16.0")}
	require.NoError(t, warmer(fake).Warm(context.Background(), "us-east-2", []registry.Cached{img}))
	assert.Equal(t, 3, fake.CallCount("ecr:GetAuthorizationToken"))

	fake.Deny = map[string]bool{"ecr:GetAuthorizationToken": true}
	err := warmer(fake).Warm(context.Background(), "us-east-2", []registry.Cached{img})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ecr:GetAuthorizationToken in us-east-2")
}
