package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/platformeng/coder-platform/components/registry/imageref"
)

// manifestTypes are the manifest media types a pin accepts, an index
// first: the digest of a multi-architecture image is its index's, which
// ECR's pull-through cache keeps (OCI Distribution Spec, "Pulling
// manifests"; Docker Registry HTTP API V2).
var manifestTypes = []string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}

// upstreamEndpoint is a registry host's API base URL; Docker Hub's API is
// registry-1.docker.io.
func upstreamEndpoint(host string) string {
	if u := imageref.ForHost(host); u != nil && u.Prefix == "docker-hub" {
		host = u.URL
	}
	return "https://" + host
}

// resolver asks registries for a tag's manifest digest: public ones
// anonymously over the registry API, the account's own ECR registry (the
// workspace images) through ecr:DescribeImages with the caller's AWS
// credentials.
type resolver struct {
	client   *http.Client
	endpoint func(host string) string
	// ecr answers for a private ECR repository (nil: refused).
	ecr func(ctx context.Context, repository, tag string) (string, error)
}

func newResolver(c *http.Client, endpoint func(string) string) *resolver {
	return &resolver{client: c, endpoint: endpoint}
}

// digest is the Docker-Content-Digest of ref's manifest (HEAD), or the
// sha256 of the manifest's bytes when the registry sends no header (GET).
// A 401 is answered once with an anonymous bearer token.
func (r *resolver) digest(ctx context.Context, ref imageref.Ref) (string, error) {
	if _, _, private := imageref.ECRHost(ref.Host); private {
		if r.ecr == nil {
			return "", fmt.Errorf("%s is in a private ECR registry, which needs AWS credentials", ref.Repo())
		}
		return r.ecr(ctx, ref.Repo(), ref.Tag)
	}
	u := fmt.Sprintf("%s/v2/%s/manifests/%s", r.endpoint(ref.Host), ref.Path, ref.Tag)
	token := ""
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		resp, body, err := r.fetch(ctx, method, u, token)
		if err != nil {
			return "", err
		}
		if resp.StatusCode == http.StatusUnauthorized && token == "" {
			if token, err = r.token(ctx, resp.Header.Get("WWW-Authenticate")); err != nil {
				return "", err
			}
			if resp, body, err = r.fetch(ctx, method, u, token); err != nil {
				return "", err
			}
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("%s %s: %s", method, u, resp.Status)
		}
		if d := resp.Header.Get("Docker-Content-Digest"); d != "" {
			if !imageref.DigestPattern.MatchString(d) {
				return "", fmt.Errorf("%s: the registry answered digest %q, not a sha256 digest", u, d)
			}
			return d, nil
		}
		if method == http.MethodGet {
			return fmt.Sprintf("sha256:%x", sha256.Sum256(body)), nil
		}
	}
	return "", fmt.Errorf("%s: no digest", u)
}

// fetch does one request and reads its body.
func (r *resolver) fetch(ctx context.Context, method, u, token string) (*http.Response, []byte, error) {
	resp, err := r.do(ctx, method, u, token)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp, body, err
}

func (r *resolver) do(ctx context.Context, method, u, token string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", strings.Join(manifestTypes, ", "))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return r.client.Do(req)
}

// token takes an anonymous pull token from the realm a 401's
// WWW-Authenticate Bearer challenge names (Docker Registry token
// authentication: realm, service and scope; the answer's token or
// access_token).
func (r *resolver) token(ctx context.Context, challenge string) (string, error) {
	scheme, params, _ := strings.Cut(challenge, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("the registry asks for %q authentication; only anonymous bearer tokens are supported", scheme)
	}
	p := map[string]string{}
	for _, kv := range strings.Split(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		p[k] = strings.Trim(v, `"`)
	}
	realm, err := url.Parse(p["realm"])
	if err != nil || p["realm"] == "" {
		return "", fmt.Errorf("bearer challenge without a realm: %q", challenge)
	}
	q := realm.Query()
	for _, k := range []string{"service", "scope"} {
		if p[k] != "" {
			q.Set(k, p[k])
		}
	}
	realm.RawQuery = q.Encode()
	resp, err := r.do(ctx, http.MethodGet, realm.String(), "")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token from %s: %s", realm.Host, resp.Status)
	}
	var t struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
		return "", fmt.Errorf("token from %s: %w", realm.Host, err)
	}
	if t.Token == "" {
		t.Token = t.AccessToken
	}
	return t.Token, nil
}
