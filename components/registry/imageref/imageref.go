// Package imageref parses container image references and maps the public
// registries the platform pulls from to the ECR pull-through cache prefixes
// that mirror them. It is pure Go: the registry component, the stacks, the
// `platform images` command and the policy pack share it.
package imageref

import (
	"fmt"
	"regexp"
	"strings"
)

// Upstream is a public registry ECR can cache through a pull-through cache
// rule. URL is the rule's upstreamRegistryUrl, as the ECR API reference
// lists it for CreatePullThroughCacheRule (ecr-public public.ecr.aws,
// docker-hub registry-1.docker.io, github-container-registry ghcr.io, k8s
// registry.k8s.io, quay quay.io). Docker Hub and GHCR need a Secrets Manager
// credential whose name begins with ecr-pullthroughcache/ ("Creating a pull
// through cache rule in Amazon ECR"); the others need none.
type Upstream struct {
	// Prefix is the ECR repository prefix of the rule: the first path
	// segment of every cached repository (2–30 characters, lower case).
	Prefix string
	// URL is the upstream registry URL of the rule.
	URL string
	// Hosts are the host names image references use for it.
	Hosts []string
	// Credential says the upstream needs a Secrets Manager credential.
	Credential bool
}

// Upstreams are the registries the platform's images come from.
var Upstreams = []Upstream{
	{Prefix: "ecr-public", URL: "public.ecr.aws", Hosts: []string{"public.ecr.aws"}},
	{Prefix: "k8s", URL: "registry.k8s.io", Hosts: []string{"registry.k8s.io"}},
	{Prefix: "quay", URL: "quay.io", Hosts: []string{"quay.io"}},
	{Prefix: "github", URL: "ghcr.io", Hosts: []string{"ghcr.io"}, Credential: true},
	{Prefix: "docker-hub", URL: "registry-1.docker.io", Hosts: []string{"docker.io", "registry-1.docker.io", "index.docker.io"}, Credential: true},
}

// CredentialPrefix begins the name of every Secrets Manager secret a pull
// through cache rule authenticates with ("Creating a pull through cache
// rule in Amazon ECR": the name begins with ecr-pullthroughcache/, in the
// rule's account and region). ECR reads such a secret only on the
// AWS-managed aws/secretsmanager key ("Storing your upstream repository
// credentials in an AWS Secrets Manager secret").
const CredentialPrefix = "ecr-pullthroughcache/"

// ForHost is the upstream whose host names include host, or nil.
func ForHost(host string) *Upstream {
	for i := range Upstreams {
		for _, h := range Upstreams[i].Hosts {
			if h == host {
				return &Upstreams[i]
			}
		}
	}
	return nil
}

// ForPrefix is the upstream cached under prefix, or nil.
func ForPrefix(prefix string) *Upstream {
	for i := range Upstreams {
		if Upstreams[i].Prefix == prefix {
			return &Upstreams[i]
		}
	}
	return nil
}

// Ref is one image reference: Host/Path[:Tag][@Digest].
type Ref struct {
	Host, Path, Tag, Digest string
}

// DigestPattern is a sha256 manifest digest.
var DigestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

var (
	pathPattern = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)
	tagPattern  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	ecrHost     = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$`)
)

// Parse reads a reference. A reference without a registry host is Docker
// Hub's, and a one-segment Docker Hub path is an official image under
// library/ (which the ECR cache path must include: "Pulling an image with a
// pull through cache rule in Amazon ECR").
func Parse(s string) (Ref, error) {
	var r Ref
	rest := s
	if i := strings.Index(rest, "@"); i >= 0 {
		r.Digest, rest = rest[i+1:], rest[:i]
		if !DigestPattern.MatchString(r.Digest) {
			return Ref{}, fmt.Errorf("image %q: digest %q is not sha256: and 64 lower-case hex digits", s, r.Digest)
		}
	}
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		r.Tag, rest = rest[i+1:], rest[:i]
		if !tagPattern.MatchString(r.Tag) {
			return Ref{}, fmt.Errorf("image %q: tag %q is not a valid tag", s, r.Tag)
		}
	}
	first, after, found := strings.Cut(rest, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		r.Host, r.Path = first, after
	} else {
		r.Host, r.Path = "docker.io", rest
	}
	if u := ForHost(r.Host); u != nil && u.Prefix == "docker-hub" {
		r.Host = "docker.io"
		if !strings.Contains(r.Path, "/") {
			r.Path = "library/" + r.Path
		}
	}
	if !pathPattern.MatchString(r.Path) {
		return Ref{}, fmt.Errorf("image %q: repository path %q is not a valid repository name", s, r.Path)
	}
	if r.Tag == "" && r.Digest == "" {
		return Ref{}, fmt.Errorf("image %q has neither a tag nor a digest", s)
	}
	return r, nil
}

// Repo is Host/Path.
func (r Ref) Repo() string { return r.Host + "/" + r.Path }

// Version is the tag and digest as a chart's image tag value carries them
// ("v2.35.1@sha256:…"): charts that render repo:tag then pull by digest.
func (r Ref) Version() string {
	switch {
	case r.Digest == "":
		return r.Tag
	case r.Tag == "":
		return "@" + r.Digest
	}
	return r.Tag + "@" + r.Digest
}

// String is the full reference.
func (r Ref) String() string {
	v := r.Version()
	if v != "" && !strings.HasPrefix(v, "@") {
		v = ":" + v
	}
	return r.Repo() + v
}

// Pinned is the reference without its digest: the key `images.digests`
// pins, Host/Path:Tag.
func (r Ref) Pinned() string { return r.Repo() + ":" + r.Tag }

// RegistryHost is an account's private ECR registry in a region.
func RegistryHost(account, region string) string {
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com", account, region)
}

// ECR is where r is pulled from in a region's private registry: under its
// upstream's cache prefix, or, for a repository of the registry itself (an
// image the platform pushes), the same repository path in this region (a
// replica).
func (r Ref) ECR(account, region string) (Ref, error) {
	out := r
	out.Host = RegistryHost(account, region)
	if _, _, ok := ECRHost(r.Host); ok {
		return out, nil
	}
	u := ForHost(r.Host)
	if u == nil {
		return Ref{}, fmt.Errorf("image %s: ECR has no pull-through cache rule for %s (supported: %s)", r, r.Host, supportedHosts())
	}
	out.Path = u.Prefix + "/" + r.Path
	return out, nil
}

// ECRHost reports whether host is a private ECR registry, and its account
// and region.
func ECRHost(host string) (account, region string, ok bool) {
	m := ecrHost.FindStringSubmatch(host)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// Origin is the image a reference stands for, wherever it is pulled from:
// an ECR cache path is mapped back to its upstream (ghcr.io/coder/coder for
// <account>.dkr.ecr.<region>.amazonaws.com/github/coder/coder), and a
// repository of the account's own registry is its path. Two regions run the
// same image when their references have one origin and one digest.
func (r Ref) Origin() string {
	if _, _, ok := ECRHost(r.Host); ok {
		prefix, rest, found := strings.Cut(r.Path, "/")
		if u := ForPrefix(prefix); found && u != nil {
			return u.Hosts[0] + "/" + rest
		}
		return "ecr/" + r.Path
	}
	return r.Repo()
}

func supportedHosts() string {
	var hs []string
	for _, u := range Upstreams {
		hs = append(hs, u.Hosts[0])
	}
	return strings.Join(hs, ", ")
}

// notFound are the ways an answer says that a repository or a tag does not
// exist. ECR's own codes (Amazon ECR API Reference, DescribeImages, Errors)
// reach `platform images pin`, which calls DescribeImages with
// aws-sdk-go-v2. The provider's ecr:getImage does not pass them on: its
// findImageDetails turns RepositoryNotFoundException and
// ImageNotFoundException into a terraform-plugin-sdk retry.NotFoundError,
// which prints as "couldn't find resource" after the data source's
// "reading ECR Images: " (terraform-provider-aws
// internal/service/ecr/image_data_source.go).
var notFound = []string{"RepositoryNotFoundException", "ImageNotFoundException", "reading ECR Images: couldn't find resource"}

// NotPushed reports whether err is ECR saying that the image, or its whole
// repository, does not exist (yet): the account's own images before they
// are pushed. Any other error is not an answer about the image.
func NotPushed(err error) bool {
	if err == nil {
		return false
	}
	for _, c := range notFound {
		if strings.Contains(err.Error(), c) {
			return true
		}
	}
	return false
}
