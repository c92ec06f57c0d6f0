// Package registry gives every region of a stack its own ECR registry for
// the images the platform runs: pull-through cache rules for the public
// registries the charts use, the control plane's own repositories (the
// hardened workspace images) replicated to every other region, and
// repository creation templates so that every repository ECR creates on
// the platform's behalf is KMS-encrypted with the region's key.
//
// Workloads pull by digest (Ref), so each region's cache fetches exactly
// the image the control plane runs: one digest, every region.
package registry

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/registry/imageref"
	"github.com/platformeng/coder-platform/components/tokens"
)

// Args configures one region's registry.
type Args struct {
	Stack  string
	Region string
	// AccountID owns the registry.
	AccountID string
	// KeyArn is the region's ECR key: repositories and cached images.
	KeyArn pulumi.StringInput
	// Upstreams are the public registries the stack's images come from; a
	// rule caches each.
	Upstreams []imageref.Upstream
	// CredentialsReady says which upstreams needing a credential have one
	// (by prefix): a rule is created only then, the images of the others
	// are pulled from upstream, by the same digest, until it is filled.
	CredentialsReady map[string]bool
	// Repositories are the platform's own repositories (control plane):
	// created here, tags by image id (mutable; pulled by digest), scanned
	// on push.
	Repositories []string
	// ReplicateTo are the regions the own repositories are copied to
	// (control plane); a replica region lists them in Replicas instead.
	ReplicateTo []string
	// Replicas are the own repositories this region receives (proxy
	// regions): a creation template encrypts them on arrival.
	Replicas []string
	// Images are the images the region's workloads run, as upstream
	// references with the digest they pull: those of an active rule are
	// filled into its cache (warm.go).
	Images []imageref.Ref
	// Warmer fills the caches during an update; nil in a preview.
	Warmer Warmer
}

// Registry is one region's ECR registry.
type Registry struct {
	pulumi.ResourceState

	// Host is the registry's host name; Account its account.
	Host, Account string
	// Pending are the upstreams (host names) whose credential is empty:
	// their images come from upstream until it is put.
	Pending []string
	// Ready are the rules and templates a pull needs: workloads depend on
	// them.
	Ready []pulumi.Resource

	args       *Args
	name       string
	role       pulumi.StringOutput
	rolePolicy pulumi.CustomResource
	// fill are the images an update fills the caches with (warm.go).
	fill []Cached
}

// New creates a region's registry.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Registry, error) {
	g := &Registry{args: args, name: name, Account: args.AccountID, Host: imageref.RegistryHost(args.AccountID, args.Region)}
	var err error
	if g.fill, err = g.cached(); err != nil {
		return nil, fmt.Errorf("registry %s: %w", name, err)
	}
	in := inputs(args)
	var fill []string
	for _, c := range g.fill {
		fill = append(fill, c.String())
	}
	in["cachedImages"] = pulumi.ToStringArray(fill)
	if err := ctx.RegisterComponentResourceV2(tokens.Registry, name, in, g, opts...); err != nil {
		return nil, err
	}
	for _, step := range []func(*pulumi.Context) error{g.createRole, g.createCaches, g.createRepositories, g.createWarm} {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("registry %s: %w", name, err)
		}
	}
	if err := ctx.RegisterResourceOutputs(g, pulumi.Map{
		"pendingUpstreams": pulumi.ToStringArray(g.Pending),
	}); err != nil {
		return nil, err
	}
	return g, nil
}

// inputs records what the policy pack judges: the region and the
// upstreams whose images may still come from upstream (New adds the images
// an update fills the caches with).
func inputs(a *Args) pulumi.Map {
	ups := pulumi.StringMap{}
	var pending []string
	for _, u := range a.Upstreams {
		ups[u.Prefix] = pulumi.String(u.URL)
		if u.Credential && !a.CredentialsReady[u.Prefix] {
			pending = append(pending, u.Hosts...)
		}
	}
	sort.Strings(pending)
	return pulumi.Map{
		"region": pulumi.String(a.Region), "host": pulumi.String(imageref.RegistryHost(a.AccountID, a.Region)), "upstreams": ups,
		"pendingUpstreams": pulumi.ToStringArray(pending),
		"repositories":     pulumi.ToStringArray(a.Repositories), "replicateTo": pulumi.ToStringArray(a.ReplicateTo),
	}
}

// Ref is where a region pulls an image: its ECR registry, by digest, or
// the upstream itself, by the same digest, while the upstream's credential
// is pending.
func Ref(account, region string, upstream imageref.Ref, digest string, pending []string) (imageref.Ref, error) {
	upstream.Digest = digest
	for _, h := range pending {
		if h == upstream.Host {
			return upstream, nil
		}
	}
	return upstream.ECR(account, region)
}
