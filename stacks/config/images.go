package config

import (
	"regexp"
	"sort"

	"github.com/platformeng/coder-platform/components/registry/imageref"
)

// Images is where the stack's workloads pull their images from
// (docs/images.md): each region's own ECR registry, through pull-through
// cache rules for the public registries and replicas of the control plane's
// repositories, every image by digest.
type Images struct {
	// ECR pulls every image the stack runs (Coder's, the database
	// bootstrap, the AI gateway, the cluster controllers, the operators,
	// Fluent Bit, Grafana and the pod templates' workspace images) from the
	// region's own ECR registry, by digest, and replicates the workspace
	// image repository to every region (default true); false pulls from
	// upstream by tag.
	ECR *bool `json:"ecr"`
	// Digests pins images: upstream reference (host/path:tag, as the
	// program names it; `platform images list --stack S`) to its manifest
	// digest (sha256: and 64 hex digits). `platform images pin --stack S`
	// resolves them. An image without a pin takes the digest the control
	// plane's registry holds for its tag when the program runs.
	Digests map[string]string `json:"digests"`
}

// On reports whether images come from ECR.
func (i Images) On() bool { return i.ECR == nil || *i.ECR }

// pinKey is an upstream reference with a tag and no digest.
var pinKey = regexp.MustCompile(`^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+:[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

func validateImages(s *Stack, p *problems) {
	keys := make([]string, 0, len(s.Images.Digests))
	for k := range s.Images.Digests {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := "images.digests." + k
		if _, err := imageref.Parse(k); err != nil || !pinKey.MatchString(k) {
			p.add(key, k, "must be an image reference with its registry host and a tag and no digest, such as ghcr.io/coder/coder:v2.35.1")
			continue
		}
		if d := s.Images.Digests[k]; !imageref.DigestPattern.MatchString(d) {
			p.add(key, d, "must be a manifest digest: sha256: and 64 lower-case hex digits (`platform images pin --stack %s` prints them)", s.Name)
		}
	}
}

// validateImageRepository: with per-region registries, a workspace image
// repository in ECR is the stack's own, which the program creates in the
// control plane and replicates to every other region (stacks/registry.go):
// it must name the control plane's region, or the references every
// region's list holds would point where nothing was created.
func validateImageRepository(s *Stack, p *problems) {
	repo := s.Templates.ImageRepository
	if repo == "" || !s.Images.On() {
		return
	}
	ref, err := imageref.Parse(repo + ":x")
	if err != nil || ref.Tag != "x" || ref.Digest != "" {
		p.add("templates.imageRepository", repo, "must be a repository without a tag or digest, such as 111122223333.dkr.ecr.us-east-1.amazonaws.com/coder/workspace")
		return
	}
	if _, region, ecr := imageref.ECRHost(ref.Host); ecr && s.ControlPlane() != nil && region != s.ControlPlane().Name {
		p.add("templates.imageRepository", repo, "must be in the control plane's region (%s): with images.ecr on, the program creates the repository there and replicates it to every other region", s.ControlPlane().Name)
	}
}
