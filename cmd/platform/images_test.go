package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/registry/imageref"
	"github.com/platformeng/coder-platform/internal/fakeaws"
	"github.com/platformeng/coder-platform/internal/readiness"
	"github.com/platformeng/coder-platform/stacks"
)

// A local registry that wants an anonymous bearer token, as ghcr.io and
// Docker Hub do: the resolver takes one and reads Docker-Content-Digest.
func TestImagesPinResolvesThroughBearerToken(t *testing.T) {
	want := "sha256:" + strings.Repeat("c", 64)
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			assert.Equal(t, "repository:coder/coder:pull", r.URL.Query().Get("scope"))
			fmt.Fprint(w, `{"token":"t0k"}`)
		case "/v2/coder/coder/manifests/v2.35.1":
			if r.Header.Get("Authorization") != "Bearer t0k" {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="test",scope="repository:coder/coder:pull"`, srv.URL))
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			assert.Contains(t, r.Header.Get("Accept"), "application/vnd.oci.image.index.v1+json")
			w.Header().Set("Docker-Content-Digest", want)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	res := newResolver(srv.Client(), func(string) string { return srv.URL })
	ref, err := imageref.Parse("ghcr.io/coder/coder:v2.35.1")
	require.NoError(t, err)
	got, err := res.digest(context.Background(), ref)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	missing, _ := imageref.Parse("ghcr.io/coder/coder:v0.0.0")
	_, err = res.digest(context.Background(), missing)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "404")
}

// Without a Docker-Content-Digest header, the digest is the manifest's.
func TestImagesPinHashesTheManifest(t *testing.T) {
	body := `{"schemaVersion":2}`
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	ref, _ := imageref.Parse("quay.io/x/y:v1")
	got, err := newResolver(srv.Client(), func(string) string { return srv.URL }).digest(context.Background(), ref)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(body))), got)
}

func TestImagesList(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"images", "list", "--stack", "workshop"}, &out, &errb)
	require.Equal(t, exitOK, code, errb.String())
	assert.Contains(t, out.String(), "ghcr.io/coder/coder:v2.35.1")
	assert.Contains(t, out.String(), "ghcr.io/berriai/litellm:v1.72.6-stable")
	assert.Equal(t, exitUsage, run([]string{"images", "pin"}, &out, &errb))
}

// The committed workshop runs one digest of each image from each region's
// registry; a weakened preview whose us-west-2 Coder releases run another
// digest trips image-digest-consistency in `platform policy check`.
func TestImageConsistencyTripsOnAWeakenedPreview(t *testing.T) {
	path, _, out := previewFile(t, "workshop")
	require.NotContains(t, out, "image-digest-consistency")
	other := "sha256:" + strings.Repeat("0", 64)
	weakened := 0
	bad := weaken(t, path, "kubernetes:helm.sh/v3:Release", func(ns map[string]any) {
		values, _ := ns["inputs"].(map[string]any)["values"].(map[string]any)
		coder, _ := values["coder"].(map[string]any)
		img, _ := coder["image"].(map[string]any)
		if repo, _ := img["repo"].(string); strings.Contains(repo, ".dkr.ecr.us-west-2.") {
			tag, _, _ := strings.Cut(img["tag"].(string), "@")
			img["tag"] = tag + "@" + other
			weakened++
		}
	})
	require.Positive(t, weakened)
	code, out, _ := runCLI(t, "policy", "check", bad)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, out, "image-digest-consistency (mandatory, high)")
	assert.Contains(t, out, "runs ghcr.io/coder/coder:v2.35.1 at sha256:000000000000…; the stack runs it at 2 digests")
}

// The workspace images are in the account's own ECR repository: pin asks
// ECR (DescribeImages, a local server speaking its protocol) and never the
// anonymous registry API.
func TestImagesPinAsksECRForTheWorkspaceImages(t *testing.T) {
	fake := fakeaws.New(t)
	fake.Images["coder/workspace:ubuntu-2404"] = true
	res := newResolver(http.DefaultClient, func(string) string { t.Fatal("the registry API was asked"); return "" })
	res.ecr = readiness.AWS{Config: fake.Config()}.ImageDigest
	ref, err := imageref.Parse("111122223333.dkr.ecr.us-east-2.amazonaws.com/coder/workspace:ubuntu-2404")
	require.NoError(t, err)
	got, err := res.digest(context.Background(), ref)
	require.NoError(t, err)
	assert.Equal(t, fakeaws.ImageDigest("coder/workspace", "ubuntu-2404"), got)
	assert.Equal(t, 1, fake.CallCount("ecr:DescribeImages"))

	missing, _ := imageref.Parse("111122223333.dkr.ecr.us-east-2.amazonaws.com/coder/workspace:al2023")
	_, err = res.digest(context.Background(), missing)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ImageNotFoundException")

	res.ecr = nil
	_, err = res.digest(context.Background(), ref)
	require.ErrorContains(t, err, "private ECR registry")
}

// Before the first `pulumi up` the workspace repository does not exist:
// pin prints the other images and names the workspace images to push; any
// other ECR failure stops it.
func TestImagesPinBeforeTheWorkspaceImagesArePushed(t *testing.T) {
	want := "sha256:" + strings.Repeat("d", 64)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Content-Digest", want)
	}))
	defer srv.Close()
	fake := fakeaws.New(t)
	res := newResolver(srv.Client(), func(string) string { return srv.URL })
	res.ecr = readiness.AWS{Config: fake.Config()}.ImageDigest
	images := []stacks.Image{{Ref: "ghcr.io/coder/coder:v2.35.1"}, {Ref: "111122223333.dkr.ecr.us-east-1.amazonaws.com/coder/workspace:ubuntu-2404"}}
	var out bytes.Buffer
	require.NoError(t, writePins(context.Background(), &out, images, res))
	assert.Equal(t, "  digests:\n"+
		`    "ghcr.io/coder/coder:v2.35.1": "`+want+`"`+"\n"+
		`    # "111122223333.dkr.ecr.us-east-1.amazonaws.com/coder/workspace:ubuntu-2404": not pushed yet: push it, then pin again (docs/images.md)`+"\n", out.String())

	fake.Deny["ecr:DescribeImages"] = true
	out.Reset()
	err := writePins(context.Background(), &out, images, res)
	require.Error(t, err, "access denied is not an answer about the image")
	assert.NotContains(t, err.Error(), "not pushed")
}
