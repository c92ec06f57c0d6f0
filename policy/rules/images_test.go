package rules

import (
	"strings"
	"testing"
)

func TestImageDigestConsistency(t *testing.T) {
	const (
		d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
		d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	)
	ecr := func(region string) string { return "111122223333.dkr.ecr." + region + ".amazonaws.com" }
	region := func(name string) *Resource {
		r := named(res(t, tRegion, `{}`), name)
		r.Name = name
		return r
	}
	east, west := region("us-east-2"), region("us-west-2")
	registry := func(in *Resource, pending string) *Resource {
		js := `{"region":"` + in.Name + `","pendingUpstreams":[` + pending + `]}`
		r := named(res(t, tRegistry, js), "registry-"+in.Name)
		r.Parent = in.URN
		return r
	}
	// coder is a Coder chart release in a region with repo and tag.
	coder := func(name string, in *Resource, repo, tag string) *Resource {
		r := named(res(t, tRelease, `{"chart":"coder","values":{"coder":{"image":{"repo":"`+repo+`","tag":"`+tag+`"}}}}`), name)
		r.Parent = in.URN
		return r
	}
	job := func(name string, in *Resource, image string) *Resource {
		r := named(res(t, "kubernetes:batch/v1:Job", `{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"`+image+`"}]}}}}`), name)
		r.Parent = in.URN
		return r
	}
	base := []*Resource{east, west, registry(east, ""), registry(west, "")}
	with := func(rs ...*Resource) []*Resource { return append(append([]*Resource{}, base...), rs...) }
	cpOK := coder("cp", east, ecr("us-east-2")+"/github/coder/coder", "v2.35.1@"+d1)
	proxyOK := coder("proxy", west, ecr("us-west-2")+"/github/coder/coder", "v2.35.1@"+d1)
	proxyOther := coder("proxy-other", west, ecr("us-west-2")+"/github/coder/coder", "v2.35.1@"+d2)
	byTag := coder("by-tag", west, ecr("us-west-2")+"/github/coder/coder", "v2.35.1")
	crossRegion := coder("cross", west, ecr("us-east-2")+"/github/coder/coder", "v2.35.1@"+d1)
	upstream := job("upstream", east, "public.ecr.aws/docker/library/postgres:16.6-alpine@"+d1)
	ghcrJob := job("ghcr", west, "ghcr.io/coder/coder:v2.35.1@"+d1)
	// addon is an add-on chart release with image.repository and image.tag.
	addon := func(name string, in *Resource, repo, tag string) *Resource {
		r := named(res(t, tRelease, `{"chart":"aws-load-balancer-controller","values":{"image":{"repository":"`+repo+`","tag":"`+tag+`"}}}`), name)
		r.Parent = in.URN
		return r
	}
	// grafana sets image and sidecar.image as registry, repository, tag and sha.
	grafana := func(name string, in *Resource, sidecarHost string) *Resource {
		img := func(host, repo, tag string) string {
			return `{"registry":"` + host + `","repository":"` + repo + `","tag":"` + tag + `","sha":"` + strings.TrimPrefix(d1, "sha256:") + `"}`
		}
		r := named(res(t, tRelease, `{"chart":"grafana","values":{"image":`+img(ecr("us-east-2"), "docker-hub/grafana/grafana", "13.2.0")+
			`,"sidecar":{"image":`+img(sidecarHost, "quay/kiwigrid/k8s-sidecar", "2.10.1")+`}}}`), name)
		r.Parent = in.URN
		return r
	}
	addonOK := addon("lbc-ok", west, ecr("us-west-2")+"/ecr-public/eks/aws-load-balancer-controller", "v2.16.0@"+d1)
	addonByTag := addon("lbc-by-tag", west, ecr("us-west-2")+"/ecr-public/eks/aws-load-balancer-controller", "v2.16.0")
	// wsImages is a region's list of the pod templates' images.
	wsImages := func(name string, in *Resource, ref string) *Resource {
		r := named(res(t, tConfigMap, `{"metadata":{"name":"coder-workspace-images","namespace":"coder-ws"},"data":{"ubuntu-2404":"`+ref+`"}}`), name)
		r.Parent = in.URN
		return r
	}
	wsRepo := func(region string) string { return ecr(region) + "/coder/workspace:ubuntu-2404" }
	wsEast, wsWest := wsImages("ws-east", east, wsRepo("us-east-2")+"@"+d1), wsImages("ws-west", west, wsRepo("us-west-2")+"@"+d1)
	wsWestOther := wsImages("ws-west-other", west, wsRepo("us-west-2")+"@"+d2)
	wsWestByTag := wsImages("ws-west-tag", west, wsRepo("us-west-2"))
	wsWestCross := wsImages("ws-west-cross", west, wsRepo("us-east-2")+"@"+d1)
	// eso sets the controller's image and the webhook's, as the chart takes
	// them; keda sets image.keda with a registry.
	eso := func(name string, in *Resource, webhookTag string) *Resource {
		img := func(tag string) string {
			return `{"repository":"` + ecr(in.Name) + `/github/external-secrets/external-secrets","tag":"` + tag + `"}`
		}
		r := named(res(t, tRelease, `{"chart":"external-secrets","values":{"image":`+img("v0.20.4@"+d1)+`,"webhook":{"replicaCount":2,"image":`+img(webhookTag)+`}}}`), name)
		r.Parent = in.URN
		return r
	}
	keda := func(name string, in *Resource, host string) *Resource {
		r := named(res(t, tRelease, `{"chart":"keda","values":{"image":{"keda":{"registry":"`+host+`","repository":"github/kedacore/keda","tag":"2.19.0@`+d1+`"}}}}`), name)
		r.Parent = in.URN
		return r
	}
	esoOK, esoWebhookByTag := eso("eso-ok", west, "v0.20.4@"+d1), eso("eso-webhook-tag", west, "v0.20.4")
	kedaOK, kedaCross := keda("keda-ok", west, ecr("us-west-2")), keda("keda-cross", west, ecr("us-east-2"))
	grafanaOK := grafana("grafana-ok", east, ecr("us-east-2"))
	grafanaCross := grafana("grafana-cross", east, ecr("us-west-2"))
	checkStack(t, imageDigestConsistency, []stackCase{
		{"images.ecr off: no registry, nothing judged", []*Resource{east, coder("x", east, "ghcr.io/coder/coder", "v2.35.1")}, nil},
		{"one digest, each region's registry", with(cpOK, proxyOK), nil},
		{"a region runs another digest", with(cpOK, proxyOther), []Finding{
			{cpOK.URN, "runs ghcr.io/coder/coder:v2.35.1 at sha256:111111111111…; the stack runs it at 2 digests (sha256:111111111111…, sha256:222222222222…): every region must run one."},
			{proxyOther.URN, "runs ghcr.io/coder/coder:v2.35.1 at sha256:222222222222…; the stack runs it at 2 digests (sha256:111111111111…, sha256:222222222222…): every region must run one."},
		}},
		{"by tag", with(cpOK, byTag), []Finding{
			{byTag.URN, "pulls " + ecr("us-west-2") + "/github/coder/coder:v2.35.1 by tag, not by digest."},
		}},
		{"another region's registry", with(cpOK, crossRegion), []Finding{
			{crossRegion.URN, "pulls " + ecr("us-east-2") + "/github/coder/coder:v2.35.1@" + d1 + " from the us-east-2 registry, not its own region's (us-west-2)."},
		}},
		{"straight from upstream", with(cpOK, upstream), []Finding{
			{upstream.URN, "pulls public.ecr.aws/docker/library/postgres:16.6-alpine@" + d1 + " from public.ecr.aws, not from its region's ECR registry."},
		}},
		{"add-on chart image by tag", with(cpOK, addonByTag), []Finding{
			{addonByTag.URN, "pulls " + ecr("us-west-2") + "/ecr-public/eks/aws-load-balancer-controller:v2.16.0 by tag, not by digest."},
		}},
		{"add-on and Grafana chart images by digest from their region", with(cpOK, addonOK, grafanaOK), nil},
		{"Grafana's sidecar from another region", with(cpOK, grafanaCross), []Finding{
			{grafanaCross.URN, "pulls " + ecr("us-west-2") + "/quay/kiwigrid/k8s-sidecar:2.10.1@" + d1 + " from the us-west-2 registry, not its own region's (us-east-2)."},
		}},
		{"operator charts by digest from their region", with(esoOK, kedaOK), nil},
		{"External Secrets' webhook by tag", with(esoWebhookByTag), []Finding{
			{esoWebhookByTag.URN, "pulls " + ecr("us-west-2") + "/github/external-secrets/external-secrets:v0.20.4 by tag, not by digest."},
		}},
		{"KEDA from another region's registry", with(kedaCross), []Finding{
			{kedaCross.URN, "pulls " + ecr("us-east-2") + "/github/kedacore/keda:2.19.0@" + d1 + " from the us-east-2 registry, not its own region's (us-west-2)."},
		}},
		{"workspace images: one digest, each region's replica", with(wsEast, wsWest), nil},
		{"workspace images: each image id its own digest", with(wsEast, wsImages("ws-al2023", west, ecr("us-west-2")+"/coder/workspace:al2023@"+d2)), nil},
		{"workspace images: a region runs another digest", with(wsEast, wsWestOther), []Finding{
			{wsEast.URN, "runs ecr/coder/workspace:ubuntu-2404 at sha256:111111111111…; the stack runs it at 2 digests (sha256:111111111111…, sha256:222222222222…): every region must run one."},
			{wsWestOther.URN, "runs ecr/coder/workspace:ubuntu-2404 at sha256:222222222222…; the stack runs it at 2 digests (sha256:111111111111…, sha256:222222222222…): every region must run one."},
		}},
		{"workspace images by tag", with(wsEast, wsWestByTag), []Finding{
			{wsWestByTag.URN, "pulls " + wsRepo("us-west-2") + " by tag, not by digest."},
		}},
		{"workspace images from the control plane's registry", with(wsEast, wsWestCross), []Finding{
			{wsWestCross.URN, "pulls " + wsRepo("us-east-2") + "@" + d1 + " from the us-east-2 registry, not its own region's (us-west-2)."},
		}},
		{"upstream while its credential is pending, same digest", []*Resource{east, west, registry(east, ""), registry(west, `"ghcr.io"`), cpOK, ghcrJob}, nil},
	})
}

// The pack holds the policy, and a weakened preview (a proxy region on
// another digest) trips it through Evaluate as `platform policy check` does.
func TestImageDigestConsistencyInPack(t *testing.T) {
	if Lookup(imageDigestConsistency.Name) == nil {
		t.Fatal("image-digest-consistency is not in the pack")
	}
	east := named(res(t, tRegion, `{}`), "us-east-2")
	east.Name = "us-east-2"
	reg := named(res(t, tRegistry, `{"region":"us-east-2","pendingUpstreams":[]}`), "reg")
	reg.Parent = east.URN
	a := named(res(t, tRelease, `{"chart":"coder","values":{"coder":{"image":{"repo":"111122223333.dkr.ecr.us-east-2.amazonaws.com/github/coder/coder","tag":"v2.35.1@sha256:`+strings.Repeat("a", 64)+`"}}}}`), "a")
	b := named(res(t, tRelease, `{"chart":"coder-provisioner","values":{"coder":{"image":{"repo":"111122223333.dkr.ecr.us-east-2.amazonaws.com/github/coder/coder","tag":"v2.35.1@sha256:`+strings.Repeat("b", 64)+`"}}}}`), "b")
	a.Parent, b.Parent = east.URN, east.URN
	vs := Evaluate([]*Policy{imageDigestConsistency}, []*Resource{east, reg, a, b}, nil)
	if len(vs) != 2 {
		t.Fatalf("want 2 violations, got %v", vs)
	}
}
