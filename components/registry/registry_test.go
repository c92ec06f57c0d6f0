package registry_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/registry"
	"github.com/platformeng/coder-platform/components/registry/imageref"
	"github.com/platformeng/coder-platform/internal/componenttest"
)

const key = "arn:aws:kms:us-east-2:111122223333:key/ecr"

func run(t *testing.T, args *registry.Args) (componenttest.Resources, *registry.Registry) {
	var g *registry.Registry
	rs := componenttest.Run(t, func(ctx *pulumi.Context) error {
		var err error
		g, err = registry.New(ctx, "r", args)
		return err
	})
	return rs, g
}

func upstreams(prefixes ...string) []imageref.Upstream {
	var out []imageref.Upstream
	for _, p := range prefixes {
		out = append(out, *imageref.ForPrefix(p))
	}
	return out
}

// The control plane: a rule and a KMS template per upstream, the own
// repository KMS-encrypted, replicated to the proxies.
func TestControlPlaneRegistry(t *testing.T) {
	rs, g := run(t, &registry.Args{Stack: "workshop", Region: "us-east-2", AccountID: "111122223333",
		KeyArn:    pulumi.String(key),
		Upstreams: upstreams("ecr-public", "github"), CredentialsReady: map[string]bool{"github": true},
		Repositories: []string{"coder/workspace"}, ReplicateTo: []string{"us-west-2", "eu-west-2"}})
	assert.Equal(t, "111122223333.dkr.ecr.us-east-2.amazonaws.com", g.Host)
	assert.Empty(t, g.Pending)

	require.Len(t, rs.OfType("aws:ecr/pullThroughCacheRule:PullThroughCacheRule"), 2)
	gh := rs.Named("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "r-cache-github")
	assert.Equal(t, "ghcr.io", componenttest.String(t, gh, "upstreamRegistryUrl"))
	assert.Equal(t, "github", componenttest.String(t, gh, "ecrRepositoryPrefix"))
	assert.True(t, componenttest.Has(gh, "credentialArn"), "GHCR needs its credential")
	pub := rs.Named("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "r-cache-ecr-public")
	assert.Equal(t, "public.ecr.aws", componenttest.String(t, pub, "upstreamRegistryUrl"))
	assert.False(t, componenttest.Has(pub, "credentialArn"))

	sec := rs.Named("aws:secretsmanager/secret:Secret", "r-cache-github-credential")
	assert.Equal(t, "ecr-pullthroughcache/workshop/github", componenttest.String(t, sec, "name"))
	assert.False(t, componenttest.Has(sec, "kmsKeyId"), "ECR reads a pull through cache credential on aws/secretsmanager only")

	tpl := rs.Named("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", "r-template-github")
	assert.Equal(t, "github", componenttest.String(t, tpl, "prefix"))
	assert.Equal(t, []any{"PULL_THROUGH_CACHE"}, componenttest.Input(t, tpl, "appliedFors"))
	assert.Equal(t, []any{map[string]any{"encryptionType": "KMS", "kmsKey": key}}, componenttest.Input(t, tpl, "encryptionConfigurations"))

	repo := rs.Named("aws:ecr/repository:Repository", "r-repo-coder-workspace")
	assert.Equal(t, "MUTABLE", componenttest.String(t, repo, "imageTagMutability"), "a rebuild pushes the image id again; pulls are by digest")
	assert.Equal(t, []any{map[string]any{"encryptionType": "KMS", "kmsKey": key}}, componenttest.Input(t, repo, "encryptionConfigurations"))

	rep := rs.Named("aws:ecr/replicationConfiguration:ReplicationConfiguration", "r-replication")
	rules := componenttest.At(t, rep, "replicationConfiguration", "rules").([]any)
	require.Len(t, rules, 1)
	rule := rules[0].(map[string]any)
	assert.Equal(t, []any{
		map[string]any{"region": "us-west-2", "registryId": "111122223333"},
		map[string]any{"region": "eu-west-2", "registryId": "111122223333"},
	}, rule["destinations"])
	assert.Equal(t, []any{map[string]any{"filter": "coder/workspace", "filterType": "PREFIX_MATCH"}}, rule["repositoryFilters"])

	role := rs.Named("aws:iam/rolePolicy:RolePolicy", "r-ecr-create")
	assert.Contains(t, componenttest.String(t, role, "policy"), "arn:aws:ecr:us-east-2:111122223333:repository/github/*")
}

// A proxy region whose GHCR credential is empty: no rule for it yet, its
// images come from ghcr.io by digest, and the replicas get a template.
func TestProxyRegistryWithPendingCredential(t *testing.T) {
	rs, g := run(t, &registry.Args{Stack: "workshop", Region: "us-west-2", AccountID: "111122223333",
		KeyArn:    pulumi.String(key),
		Upstreams: upstreams("github"), CredentialsReady: map[string]bool{}, Replicas: []string{"coder/workspace"}})
	assert.Equal(t, []string{"ghcr.io"}, g.Pending)
	assert.Empty(t, rs.OfType("aws:ecr/pullThroughCacheRule:PullThroughCacheRule"))
	assert.Empty(t, rs.OfType("aws:ecr/replicationConfiguration:ReplicationConfiguration"))
	tpl := rs.Named("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", "r-template-coder")
	assert.Equal(t, []any{"REPLICATION"}, componenttest.Input(t, tpl, "appliedFors"))
	assert.Equal(t, "MUTABLE", componenttest.String(t, tpl, "imageTagMutability"), "replicas take the moved tag")
	comp := rs.Named("coder:registry:Registry", "r")
	assert.Equal(t, []any{"ghcr.io"}, componenttest.Input(t, comp, "pendingUpstreams"))

	up, err := imageref.Parse("ghcr.io/coder/coder:v2.35.1")
	require.NoError(t, err)
	d := "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	ref, err := registry.Ref("111122223333", "us-west-2", up, d, g.Pending)
	require.NoError(t, err)
	assert.Equal(t, "ghcr.io/coder/coder:v2.35.1@"+d, ref.String())
	ref, err = registry.Ref("111122223333", "us-west-2", up, d, nil)
	require.NoError(t, err)
	assert.Equal(t, "111122223333.dkr.ecr.us-west-2.amazonaws.com/github/coder/coder:v2.35.1@"+d, ref.String())
}

// recorder is a Warmer that records what it is asked to fill.
type recorder struct {
	mu    sync.Mutex
	calls map[string][]registry.Cached
}

func (r *recorder) Warm(_ context.Context, region string, images []registry.Cached) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[region] = append(r.calls[region], images...)
	return nil
}

// The registry fills, through its Warmer, the caches of the rules it has
// with the images the region runs, and records them in a parameter that
// is its child, so everything that waits for the registry waits for the
// fill. Images of an upstream whose credential is pending, and the stack's
// own replicated repository, are not cached here.
func TestRegistryFillsItsCaches(t *testing.T) {
	parse := func(s string) imageref.Ref {
		ref, err := imageref.Parse(s)
		require.NoError(t, err)
		return ref
	}
	d := "sha256:" + strings.Repeat("ab", 32)
	withDigest := func(s string) imageref.Ref { r := parse(s); r.Digest = d; return r }
	w := &recorder{calls: map[string][]registry.Cached{}}
	rs, _ := run(t, &registry.Args{Stack: "workshop", Region: "us-west-2", AccountID: "111122223333",
		KeyArn:    pulumi.String(key),
		Upstreams: upstreams("ecr-public", "github", "docker-hub"), CredentialsReady: map[string]bool{"github": true},
		Replicas: []string{"coder/workspace"}, Warmer: w,
		Images: []imageref.Ref{
			withDigest("ghcr.io/coder/coder:v2.35.1"),
			withDigest("public.ecr.aws/eks/aws-load-balancer-controller:v2.16.0"),
			withDigest("docker.io/grafana/grafana:13.2.0"), // its credential is pending
			withDigest("111122223333.dkr.ecr.us-east-2.amazonaws.com/coder/workspace:ubuntu"),
		}})
	assert.Equal(t, map[string][]registry.Cached{"us-west-2": {
		{Repository: "ecr-public/eks/aws-load-balancer-controller", Tag: "v2.16.0", Digest: d},
		{Repository: "github/coder/coder", Tag: "v2.35.1", Digest: d},
	}}, w.calls)
	p := rs.Named("aws:ssm/parameter:Parameter", "r-cached-images")
	require.NotNil(t, p)
	assert.Equal(t, "/coder/workshop/us-west-2/registry/cached-images", componenttest.String(t, p, "name"))
	assert.Regexp(t, `^2 images, sha256:[0-9a-f]{64}$`, componenttest.String(t, p, "value"))
	reg := rs.Named("coder:registry:Registry", "r")
	require.NotNil(t, reg)
	assert.Equal(t, reg.URN, p.Parent, "a child: what waits for the registry waits for the fill")
}
