package stacks

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/observability"
	"github.com/platformeng/coder-platform/components/registry"
	"github.com/platformeng/coder-platform/components/registry/imageref"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/stacks/config"
	"github.com/platformeng/coder-platform/templates"
)

// Image is one image the stack runs, named by its upstream reference.
type Image struct {
	// Ref is host/path:tag, the key images.digests pins.
	Ref string
	// Use says what runs it.
	Use string
	// ControlPlaneOnly images run in the control-plane region alone.
	ControlPlaneOnly bool
}

// Images lists every image the stack's workloads run, from the same
// constants and config the components use: the one list `platform images`
// pins and the program resolves.
func Images(cfg *config.Plan) []Image {
	out := []Image{{Ref: coder.Image + ":" + cfg.Coder.Version, Use: "coderd, workspace proxies, provisioners and the delivery jobs"}}
	out = append(out, Image{Ref: coder.PostgresImage, Use: "the database bootstrap job", ControlPlaneOnly: true})
	if g := cfg.Coder.AIGateway; g.Enabled {
		out = append(out, Image{Ref: g.Image, Use: "the AI gateway", ControlPlaneOnly: true})
	}
	out = append(out, clusterImageList(cfg)...)
	out = append(out, Image{Ref: coder.ESOImage, Use: "External Secrets Operator"},
		Image{Ref: observability.FluentBitImage, Use: "Fluent Bit"})
	if kedaRuns(cfg) {
		k := coder.KEDAImages(cfg.Versions().KEDAChart)
		for _, key := range templates.SortedKeys(k) {
			out = append(out, Image{Ref: k[key], Use: "KEDA (" + key + ")"})
		}
	}
	out = append(out, Image{Ref: observability.GrafanaImage, Use: "Grafana", ControlPlaneOnly: true},
		Image{Ref: observability.GrafanaSidecarImage, Use: "Grafana's dashboard sidecar", ControlPlaneOnly: true})
	out = append(out, scaletestImages(cfg)...)
	ws := workspaceImages(cfg)
	for _, id := range templates.SortedKeys(ws) {
		out = append(out, Image{Ref: ws[id], Use: "pod workspaces (image id " + id + ")"})
	}
	return out
}

// kedaRuns reports whether a region runs KEDA: it scales autoscaled
// provisioner pools (components/coder operators.go).
func kedaRuns(cfg *config.Plan) bool {
	for _, r := range cfg.Capacity().Regions {
		for _, p := range r.Provisioners.Pools {
			if p.Autoscaled {
				return true
			}
		}
	}
	return false
}

// workspaceImages maps each image id the delivered pod templates offer to
// its reference in templates.imageRepository (tagged by image id).
func workspaceImages(cfg *config.Plan) map[string]string {
	out := map[string]string{}
	if !cfg.Templates.Delivering() {
		return out
	}
	for _, t := range cfg.Composed() {
		if t.Base.Platform != templates.PlatformKubernetes {
			continue
		}
		for _, img := range t.Base.Images {
			out[img.ID] = cfg.Templates.ImageRepository + ":" + img.ID
		}
	}
	return out
}

// stackImages are the stack's images with their digests, resolved once in
// the control-plane region.
type stackImages struct {
	refs    map[string]imageref.Ref // by upstream reference
	digests map[string]string
	// cpOnly are the images only the control plane runs.
	cpOnly map[string]bool
	// unpushed are the images of the stack's own repository that it does
	// not hold yet (none before the first `pulumi up` creates it): no
	// region lists them until they are pushed.
	unpushed []string
}

// resolveImages takes each image's digest from images.digests, or else
// from the control plane's pull-through cache for its tag (ecr:getImage),
// so that every region runs the control plane's digest. An image neither
// pinned nor cached yet (the first `pulumi up` of a stack) stops the
// program: nothing is planned with a guessed digest.
func resolveImages(ctx *pulumi.Context, cfg *config.Plan, cp *Region) (*stackImages, error) {
	si := &stackImages{refs: map[string]imageref.Ref{}, digests: map[string]string{}, cpOnly: map[string]bool{}}
	for _, img := range Images(cfg) {
		ref, err := imageref.Parse(img.Ref)
		if err != nil {
			return nil, fmt.Errorf("image of %s: %w", img.Use, err)
		}
		// Only the control plane's when every use of it is.
		if only, seen := si.cpOnly[img.Ref]; seen {
			si.cpOnly[img.Ref] = only && img.ControlPlaneOnly
		} else {
			si.cpOnly[img.Ref] = img.ControlPlaneOnly
		}
		si.refs[img.Ref] = ref
		if d, ok := cfg.Images.Digests[ref.Pinned()]; ok {
			si.digests[img.Ref] = d
			continue
		}
		cached, err := ref.ECR("", cp.Config.Name)
		if err != nil {
			return nil, err
		}
		res, err := ecr.GetImage(ctx, &ecr.GetImageArgs{RepositoryName: cached.Path, ImageTag: &ref.Tag}, pulumi.Provider(cp.Provider))
		if _, _, own := imageref.ECRHost(ref.Host); own && err != nil && imageref.NotPushed(err) {
			// The operators push these after the first `pulumi up`
			// creates the repository (docs/images.md).
			si.unpushed = append(si.unpushed, img.Ref)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("image %s (%s) is not pinned in images.digests and the control plane's registry in %s "+
				"has no %s:%s yet (%w); run `platform images pin --stack %s` and put its digests in Pulumi.%s.yaml (docs/images.md)",
				img.Ref, img.Use, cp.Config.Name, cached.Path, ref.Tag, err, cfg.Name, cfg.Name)
		}
		si.digests[img.Ref] = res.ImageDigest
	}
	return si, nil
}

// upstreams are the registries the stack's images come from.
func (si *stackImages) upstreams() []imageref.Upstream {
	var out []imageref.Upstream
	for _, u := range imageref.Upstreams {
		for _, ref := range si.refs {
			if slices.Contains(u.Hosts, ref.Host) && !slices.ContainsFunc(out, func(x imageref.Upstream) bool { return x.Prefix == u.Prefix }) {
				out = append(out, u)
			}
		}
	}
	return out
}

// PullThroughPrefixes are the cache prefixes of every registry the stack's
// images come from (the nodes' pull-through permission).
func PullThroughPrefixes(cfg *config.Plan) []string {
	var out []string
	for _, img := range Images(cfg) {
		ref, err := imageref.Parse(img.Ref)
		if err != nil {
			continue // resolveImages reports it
		}
		if u := imageref.ForHost(ref.Host); u != nil && !slices.Contains(out, u.Prefix) {
			out = append(out, u.Prefix)
		}
	}
	sort.Strings(out)
	return out
}

// deployRegistry gives the region its registry and resolves the images its
// workloads pull; with images.ecr off, they pull from upstream by tag.
func deployRegistry(s *scope) error {
	ctx, cfg, p, r := s.ctx, s.cfg, s.p, s.r
	if !cfg.Images.On() {
		return nil
	}
	if r.Config.Role.RunsCoderd() {
		si, err := resolveImages(ctx, cfg, r)
		if err != nil {
			return err
		}
		p.images = si
		if len(si.unpushed) > 0 {
			s.d.add(Warning, r.Config.Name+" registry", "the workspace repository does not hold %s yet: pod workspaces of those images cannot start "+
				"until you push them, pin them (platform images pin) and run pulumi up again (docs/images.md#workspace-images-push-pin-deploy)",
				strings.Join(si.unpushed, ", "))
		}
	}
	// The registry's host name is in Helm values and Job specs as text.
	id, err := aws.GetCallerIdentity(ctx, nil, pulumi.Provider(r.Provider))
	if err != nil {
		return fmt.Errorf("the account of %s's registry: %w", r.Config.Name, err)
	}
	args := &registry.Args{
		Stack: cfg.Name, Region: r.Config.Name, AccountID: id.AccountId,
		KeyArn:    r.Keys.Arn(security.KeyECR),
		Upstreams: p.images.upstreams(), CredentialsReady: map[string]bool{},
		Images: p.images.runIn(r), Warmer: p.warmer,
	}
	for _, u := range args.Upstreams {
		if !u.Credential {
			continue
		}
		ready, err := secretFilled(ctx, r, registry.CredentialName(cfg.Name, u.Prefix))
		if err != nil {
			return err
		}
		args.CredentialsReady[u.Prefix] = ready
	}
	if repo := ownRepository(cfg); repo != "" {
		if r.Config.Role.RunsCoderd() {
			args.Repositories = []string{repo}
			for _, o := range p.Regions {
				if o != r {
					args.ReplicateTo = append(args.ReplicateTo, o.Config.Name)
				}
			}
		} else {
			args.Replicas = []string{repo}
		}
	}
	r.Registry, err = registry.New(ctx, s.name, args, s.opts...)
	if err != nil {
		return err
	}
	if len(r.Registry.Pending) > 0 {
		s.d.add(Warning, r.Config.Name+" registry", "images from %s are pulled from there, by digest, until their pull-through cache "+
			"credential has a value: put it (docs/images.md#upstream-credentials) and run pulumi up again", strings.Join(r.Registry.Pending, ", "))
	}
	return nil
}

// ownRepository is the workspace image repository (templates.
// imageRepository) when it is in the stack's account's registry: the
// control plane holds it and every other region a replica. Its path is
// what the registry creates.
func ownRepository(cfg *config.Plan) string {
	ref, err := imageref.Parse(cfg.Templates.ImageRepository + ":x")
	if err != nil {
		return ""
	}
	if _, _, ok := imageref.ECRHost(ref.Host); !ok {
		return ""
	}
	return ref.Path
}

// regionImages are the region's references of the stack's images.
func regionImages(s *scope) (coder.Images, map[string]string, error) {
	out, err := s.p.images.in(s.r)
	if err != nil {
		return coder.Images{}, nil, err
	}
	imgs := coder.Images{Coder: out[coder.Image+":"+s.cfg.Coder.Version], Postgres: out[coder.PostgresImage], Operators: out}
	// Every region gets the pod templates' image list: its own registry's
	// references by digest, or the repository's tags without a registry.
	if ws := workspaceImages(s.cfg); len(ws) > 0 {
		imgs.Workspace = map[string]string{}
		for id, up := range ws {
			ref := out[up]
			if s.r.Registry == nil {
				ref = up
			}
			if ref != "" { // else not pushed yet: base-k8s's precondition names it
				imgs.Workspace[id] = ref
			}
		}
	}
	return imgs, out, nil
}

// in maps each image's upstream reference to where region r pulls it
// (empty without a registry: the workloads pull from upstream by tag).
func (si *stackImages) in(r *Region) (map[string]string, error) {
	out := map[string]string{}
	if r.Registry == nil {
		return out, nil
	}
	account, region := r.Registry.Account, r.Config.Name
	for up, ref := range si.refs {
		if slices.Contains(si.unpushed, up) {
			continue
		}
		got, err := registry.Ref(account, region, ref, si.digests[up], r.Registry.Pending)
		if err != nil {
			return nil, fmt.Errorf("image %s in %s: %w", up, region, err)
		}
		out[up] = got.String()
	}
	return out, nil
}

// runIn are the images region r runs, as upstream references with the
// digest it pulls (what its registry fills its caches with).
func (si *stackImages) runIn(r *Region) []imageref.Ref {
	var out []imageref.Ref
	for _, up := range templates.SortedKeys(si.refs) {
		if slices.Contains(si.unpushed, up) || si.cpOnly[up] && !r.Config.Role.RunsCoderd() {
			continue
		}
		ref := si.refs[up]
		ref.Digest = si.digests[up]
		out = append(out, ref)
	}
	return out
}

// secretFilled reports whether a secret holds a value, as secretsReady
// does: a missing or empty secret is "not yet", any other failure an error.
func secretFilled(ctx *pulumi.Context, r *Region, name string) (bool, error) {
	res, err := secretsmanager.GetSecretVersions(ctx, &secretsmanager.GetSecretVersionsArgs{SecretId: name}, pulumi.Provider(r.Provider))
	switch {
	case err == nil:
		return currentVersion(res.Versions) != "", nil
	case secretNotCreated(err):
		return false, nil
	}
	return false, fmt.Errorf("secret %s in %s: cannot tell whether it holds a value (%w); "+
		"nothing was planned: a failed lookup must never remove the workloads that use it, "+
		"so fix access to Secrets Manager and run again", name, r.Config.Name, err)
}
