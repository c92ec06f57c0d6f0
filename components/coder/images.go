package coder

import "strings"

// The operator charts' images, which the stack resolves per region
// (stacks/registry.go). Each chart's tag defaults to its appVersion, which
// for the pinned charts is the chart version ("v"-prefixed for ESO).
const (
	// ESOImage is the one image of external-secrets chart 0.20.4's
	// controller, webhook and cert-controller (values image, webhook.image,
	// certController.image; _helpers.tpl "external-secrets.image" renders
	// repository:tag[-flavour], flavour left empty). The chart's default
	// host, oci.external-secrets.io, is the project's redirect to ghcr.io,
	// which ECR can cache.
	ESOImage = "ghcr.io/external-secrets/external-secrets:v" + ESOChartVersion
	// KEDARegistry holds KEDA's three images, tagged by chart version.
	KEDARegistry = "ghcr.io"
)

// KEDAImages are KEDA's images by values key under image (registry,
// repository, tag; rendered "registry/repository:tag" by templates/manager,
// metrics-server and webhooks deployment.yaml, the same at charts 2.17.2,
// 2.18.3 and 2.19.0).
func KEDAImages(chartVersion string) map[string]string {
	return map[string]string{
		"keda":             KEDARegistry + "/kedacore/keda:" + chartVersion,
		"metricsApiServer": KEDARegistry + "/kedacore/keda-metrics-apiserver:" + chartVersion,
		"webhooks":         KEDARegistry + "/kedacore/keda-admission-webhooks:" + chartVersion,
	}
}

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
	// Operators maps the operator charts' upstream references (ESOImage,
	// KEDAImages) to the region's; a missing one keeps the chart's default.
	Operators map[string]string
	// Workspace maps each image id of the pod templates to the reference
	// workspaces of this region pull (an image not pushed yet is left out);
	// nil writes no image list.
	Workspace map[string]string
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
