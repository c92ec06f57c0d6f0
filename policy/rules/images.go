package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/platformeng/coder-platform/components/registry/imageref"
	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/components/workloads"
)

const (
	tRegistry = tokens.Registry
	tRegion   = tokens.Region
)

// imageUse is one image reference a resource pulls.
type imageUse struct {
	r      *Resource
	ref    imageref.Ref
	raw    string
	region string
}

// imageUses finds every image reference of the stack's Kubernetes
// workloads: a container's image, a Coder chart's coder.image (repo:tag,
// as the chart renders it), the add-on charts' image values and the pod
// templates' image list of each region (workloads.WorkspaceImagesConfigMap).
func imageUses(rs []*Resource) []imageUse {
	byURN := map[string]*Resource{}
	for _, r := range rs {
		byURN[r.URN] = r
	}
	var out []imageUse
	for _, r := range rs {
		if !strings.HasPrefix(r.Type, "kubernetes:") {
			continue
		}
		var raws []string
		if r.Type == tRelease || r.Type == tChartV4 {
			repo, rs := str(r.Props, "values", "coder", "image", "repo")
			tag, ts := str(r.Props, "values", "coder", "image", "tag")
			if rs == known && ts == known && repo != "" && tag != "" {
				raws = append(raws, repo+":"+tag)
			}
			raws = append(raws, chartImages(r.Props)...)
		} else if workspaceImageList(r) {
			raws = configMapValues(r.Props)
		} else {
			raws = containerImages(resource.NewObjectProperty(r.Props))
		}
		for _, raw := range raws {
			ref, err := imageref.Parse(raw)
			if err != nil {
				continue
			}
			out = append(out, imageUse{r: r, ref: ref, raw: raw, region: regionOf(r, byURN)})
		}
	}
	return out
}

// chartImages are the images a release's values set the way the add-on
// charts take them: any object of the values with repository and tag,
// rendered "repository:tag" (aws-load-balancer-controller, cluster-
// autoscaler, aws-for-fluent-bit, external-secrets' image, webhook.image and
// certController.image), with registry "registry/repository:tag" (KEDA's
// image.keda, image.metricsApiServer, image.webhooks) and with sha
// "registry/repository:tag@sha256:sha" (Grafana's image and sidecar.image).
// Values that do not set them leave the chart's default, which this cannot
// see.
func chartImages(props resource.PropertyMap) []string {
	values, s := object(props, "values")
	if s != known {
		return nil
	}
	var out []string
	var walk func(m resource.PropertyMap)
	walk = func(m resource.PropertyMap) {
		get := func(k string) string {
			v, s := str(m, k)
			if s != known {
				return ""
			}
			return v
		}
		if repo, tag := get("repository"), get("tag"); repo != "" && tag != "" {
			raw := repo + ":" + tag
			if reg := get("registry"); reg != "" {
				raw = reg + "/" + raw
			}
			if sha := get("sha"); sha != "" {
				raw += "@sha256:" + sha
			}
			out = append(out, raw)
			return
		}
		for _, k := range m.StableKeys() {
			if sub, s := object(m, string(k)); s == known {
				walk(sub)
			}
		}
	}
	walk(values)
	return out
}

// workspaceImageList reports whether r is a region's list of the pod
// templates' images, which base-k8s reads to pick a workspace's image.
func workspaceImageList(r *Resource) bool {
	name, _ := str(r.Props, "metadata", "name")
	ns, _ := str(r.Props, "metadata", "namespace")
	return r.Type == tConfigMap && name == workloads.WorkspaceImagesConfigMap && ns == workloads.NamespaceWorkspaces
}

// configMapValues are the known values of a ConfigMap's data, by key.
func configMapValues(props resource.PropertyMap) []string {
	data, s := object(props, "data")
	if s != known {
		return nil
	}
	var out []string
	for _, k := range data.StableKeys() {
		if v, vs := unwrap(data[k]); vs == known && v.IsString() {
			out = append(out, v.StringValue())
		}
	}
	return out
}

// containerImages are the known string values of every "image" key.
func containerImages(v resource.PropertyValue) []string {
	v, s := unwrap(v)
	if s != known {
		return nil
	}
	var out []string
	switch {
	case v.IsObject():
		for k, x := range v.ObjectValue() {
			if k == "image" {
				if iv, is := unwrap(x); is == known && iv.IsString() {
					out = append(out, iv.StringValue())
					continue
				}
			}
			out = append(out, containerImages(x)...)
		}
	case v.IsArray():
		for _, x := range v.ArrayValue() {
			out = append(out, containerImages(x)...)
		}
	}
	return out
}

// regionOf is the region whose component a resource sits under.
func regionOf(r *Resource, byURN map[string]*Resource) string {
	for p := byURN[r.Parent]; p != nil; p = byURN[p.Parent] {
		if p.Type == tRegion {
			return p.Name
		}
	}
	return ""
}

var imageDigestConsistency = &Policy{
	Name: "image-digest-consistency",
	Description: "With per-region registries, every workload pulls its image by digest from its own region's ECR registry, " +
		"and every region runs the same digest of each image.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "reference images through the stack's image resolution (stacks/registry.go): the region's registry host, " +
		"the image's cache path and the digest pinned in images.digests (docs/images.md).",
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		// pending are, per region, the upstreams still pulled directly.
		pending := map[string][]string{}
		registries := 0
		for _, r := range rs {
			if r.Type != tRegistry {
				continue
			}
			registries++
			region, _ := str(r.Props, "region")
			hosts, _ := strs(r.Props, "pendingUpstreams")
			pending[region] = hosts
		}
		if registries == 0 {
			return nil // images.ecr is off: charts pull from upstream by tag
		}
		uses := imageUses(rs)
		var out []Finding
		digests := map[string]map[string][]imageUse{} // origin → digest → uses
		for _, u := range uses {
			if u.ref.Digest == "" {
				out = append(out, Finding{u.r.URN, fmt.Sprintf("pulls %s by tag, not by digest.", u.raw)})
				continue
			}
			_, region, isECR := imageref.ECRHost(u.ref.Host)
			switch {
			case isECR && u.region != "" && region != u.region:
				out = append(out, Finding{u.r.URN, fmt.Sprintf("pulls %s from the %s registry, not its own region's (%s).", u.raw, region, u.region)})
			case !isECR && !contains(pending[u.region], u.ref.Host):
				out = append(out, Finding{u.r.URN, fmt.Sprintf("pulls %s from %s, not from its region's ECR registry.", u.raw, u.ref.Host)})
			}
			// One image is an origin at one tag: a repository's tags (the
			// workspace images' ids) are different images.
			origin := u.ref.Origin()
			if u.ref.Tag != "" {
				origin += ":" + u.ref.Tag
			}
			if digests[origin] == nil {
				digests[origin] = map[string][]imageUse{}
			}
			digests[origin][u.ref.Digest] = append(digests[origin][u.ref.Digest], u)
		}
		origins := make([]string, 0, len(digests))
		for o := range digests {
			origins = append(origins, o)
		}
		sort.Strings(origins)
		for _, o := range origins {
			byDigest := digests[o]
			if len(byDigest) < 2 {
				continue
			}
			var ds []string
			for d := range byDigest {
				ds = append(ds, d)
			}
			sort.Strings(ds)
			for _, d := range ds {
				for _, u := range byDigest[d] {
					out = append(out, Finding{u.r.URN, fmt.Sprintf("runs %s at %s; the stack runs it at %d digests (%s): every region must run one.",
						o, short(d), len(ds), shorts(ds))})
				}
			}
		}
		return out
	},
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// short abbreviates a digest for a message.
func short(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}

func shorts(ds []string) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = short(d)
	}
	return strings.Join(out, ", ")
}
