package coder

import "strings"

// Images are the references this region's workloads pull, as the stack
// resolved them (stacks/registry.go: the region's own ECR registry, by
// digest). An empty field pulls the upstream image by tag.
type Images struct {
	// Coder is coderd's, the proxy's, the provisioners' and the delivery
	// jobs' image: host/path:tag@digest.
	Coder string
	// Postgres runs the one-off database bootstrap. The AI gateway's is
	// AIGatewayArgs.Image.
	Postgres string
}

// coderRef is the Coder image reference every Coder workload runs.
func (c *Coder) coderRef() string {
	if ref := c.args.Images.Coder; ref != "" {
		return ref
	}
	return Image + ":" + c.args.Version
}

// chartImage is coderRef as the coder charts take it: coder.image.repo and
// coder.image.tag, which they render as repo:tag (coder/coder
// helm/libcoder/templates/_helpers.tpl "coder.image"), so a tag of
// v2.35.1@sha256:… pulls by digest.
func (c *Coder) chartImage() (repo, tag string) {
	ref := c.coderRef()
	name, digest, _ := strings.Cut(ref, "@")
	i := strings.LastIndex(name, ":")
	repo, tag = name[:i], name[i+1:]
	if digest != "" {
		tag += "@" + digest
	}
	return repo, tag
}

// postgresRef is the database bootstrap image.
func (c *Coder) postgresRef() string {
	if ref := c.args.Images.Postgres; ref != "" {
		return ref
	}
	return PostgresImage
}
