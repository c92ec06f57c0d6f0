package registry

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/registry/imageref"
)

// A pull-through cache fills on a pull by tag; a first pull by digest of an
// image it does not hold yet answers "not found", even with the tag in the
// reference (aws/containers-roadmap#2837; the ECR guide's pull examples
// are all by tag). Every workload here pulls by digest, so before any of
// them runs, `pulumi up` pulls each cached image's manifest by tag through
// the region's registry, as a node would, and checks that the cache then
// serves the pinned digest.

// Cached is one image a region pulls through its cache: the repository in
// the region's registry (the rule's prefix and the upstream path), the tag
// the cache follows, and the digest the workloads pull.
type Cached struct {
	Repository, Tag, Digest string
}

func (c Cached) String() string { return c.Repository + ":" + c.Tag + "@" + c.Digest }

// Warmer fills a region's caches with images, or says why it cannot.
type Warmer interface {
	Warm(ctx context.Context, region string, images []Cached) error
}

// cached are the images of Args.Images that this region pulls through one
// of its rules (not those of an upstream whose credential is pending, nor
// the stack's own replicated repositories), sorted.
func (g *Registry) cached() ([]Cached, error) {
	active := map[string]bool{}
	for _, u := range g.activeUpstreams() {
		active[u.Prefix] = true
	}
	var out []Cached
	for _, ref := range g.args.Images {
		u := imageref.ForHost(ref.Host)
		if u == nil || !active[u.Prefix] {
			continue
		}
		in, err := ref.ECR(g.args.AccountID, g.args.Region)
		if err != nil {
			return nil, err
		}
		out = append(out, Cached{Repository: in.Path, Tag: ref.Tag, Digest: ref.Digest})
	}
	slices.SortFunc(out, func(a, b Cached) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out), nil
}

// CachedImagesParameter is the SSM parameter that records what a region's
// caches were filled with.
func CachedImagesParameter(stack, region string) string {
	return fmt.Sprintf("/coder/%s/%s/registry/cached-images", stack, region)
}

// createWarm fills the caches once their rules, templates and role exist,
// and records the result in a parameter: a child of the registry, so that
// everything that waits for the registry waits for the fill. Without a
// Warmer (a preview) it records what an update fills.
func (g *Registry) createWarm(ctx *pulumi.Context) error {
	images := g.fill
	if len(images) == 0 {
		return nil
	}
	var lines []string
	for _, c := range images {
		lines = append(lines, c.String())
	}
	record := fmt.Sprintf("%d images, sha256:%x", len(images), sha256.Sum256([]byte(strings.Join(lines, "\n"))))
	var after []any
	for _, r := range g.Ready {
		if cr, ok := r.(pulumi.CustomResource); ok {
			after = append(after, cr.ID())
		}
	}
	if g.rolePolicy != nil {
		after = append(after, g.rolePolicy.ID())
	}
	warmer, region := g.args.Warmer, g.args.Region
	filled := pulumi.All(after...).ApplyTWithContext(ctx.Context(), func(c context.Context, _ []any) (string, error) {
		if warmer != nil {
			if err := warmer.Warm(c, region, images); err != nil {
				return "", fmt.Errorf("filling the pull-through caches of %s: %w", region, err)
			}
		}
		return record, nil
	}).(pulumi.StringOutput)
	p, err := ssm.NewParameter(ctx, g.name+"-cached-images", &ssm.ParameterArgs{
		Name:        pulumi.String(CachedImagesParameter(g.args.Stack, region)),
		Description: pulumi.String("The images this region's ECR pull-through caches were filled with by tag before anything pulled them by digest (docs/images.md)"),
		Type:        pulumi.String("String"),
		Tier:        pulumi.String("Standard"),
		Value:       filled,
	}, pulumi.Parent(g))
	if err != nil {
		return err
	}
	g.Ready = append(g.Ready, p)
	return nil
}
