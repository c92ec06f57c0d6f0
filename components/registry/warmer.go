package registry

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// manifestTypes are what a node's containerd accepts for a manifest: an
// OCI or Docker index (multi-platform), or a single image's manifest.
var manifestTypes = []string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}

// nodeArchitectures are the platforms of an index a node may pull.
var nodeArchitectures = map[string]bool{"amd64": true, "arm64": true}

// ECRWarmer fills caches through the registry API as a node pulls: a
// token from ecr:GetAuthorizationToken, then the manifest by tag (which is
// what makes the cache fetch the image), then, for an index, each Linux
// platform's manifest by digest.
type ECRWarmer struct {
	AWS aws.Config
	// Attempts and Backoff bound the retries of a throttled or failed
	// request (doubling from Backoff).
	Attempts int
	Backoff  time.Duration
}

// NewWarmer is an ECRWarmer with the deployer's AWS config.
func NewWarmer(cfg aws.Config) *ECRWarmer {
	return &ECRWarmer{AWS: cfg, Attempts: 5, Backoff: time.Second}
}

// Warm fills region's caches with images and checks that each serves its
// pinned digest; it reports every image it could not, not only the first.
func (w *ECRWarmer) Warm(ctx context.Context, region string, images []Cached) error {
	cfg := w.AWS.Copy()
	cfg.Region = region
	out, err := ecr.NewFromConfig(cfg).GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return fmt.Errorf("ecr:GetAuthorizationToken in %s: %w", region, err)
	}
	if len(out.AuthorizationData) == 0 {
		return fmt.Errorf("ecr:GetAuthorizationToken in %s answered no authorization data", region)
	}
	a := out.AuthorizationData[0]
	c := &registryClient{base: strings.TrimSuffix(aws.ToString(a.ProxyEndpoint), "/"), auth: "Basic " + aws.ToString(a.AuthorizationToken),
		http: w.AWS.HTTPClient, attempts: max(w.Attempts, 1), backoff: w.Backoff}
	if c.http == nil {
		c.http = &http.Client{Timeout: 2 * time.Minute}
	}
	var errs []error
	for _, img := range images {
		if err := c.fill(ctx, img); err != nil {
			errs = append(errs, fmt.Errorf("%s:%s: %w", img.Repository, img.Tag, err))
		}
	}
	return errors.Join(errs...)
}

type registryClient struct {
	base, auth string
	http       interface {
		Do(*http.Request) (*http.Response, error)
	}
	attempts int
	backoff  time.Duration
}

// fill pulls img's manifest by tag, then makes sure the cache serves the
// pinned digest and every platform a node may pull.
func (c *registryClient) fill(ctx context.Context, img Cached) error {
	body, digest, err := c.manifest(ctx, http.MethodGet, img.Repository, img.Tag)
	if err != nil {
		return err
	}
	if digest != img.Digest {
		// The tag moved upstream since it was pinned: fine while the cache
		// still holds the pinned image (it keeps what it fetched before).
		if _, _, err := c.manifest(ctx, http.MethodHead, img.Repository, img.Digest); err != nil {
			return fmt.Errorf("the cache now has the tag at %s, not at the pinned %s, and cannot serve the pinned digest (%w): "+
				"the tag moved upstream; run `platform images pin` again and put its digests in the stack file (docs/images.md)", digest, img.Digest, err)
		}
		if body, _, err = c.manifest(ctx, http.MethodGet, img.Repository, img.Digest); err != nil {
			return err
		}
	}
	var index struct {
		Manifests []struct {
			Digest   string `json:"digest"`
			Platform struct {
				OS           string `json:"os"`
				Architecture string `json:"architecture"`
			} `json:"platform"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(body, &index); err != nil {
		return fmt.Errorf("the manifest of %s is not JSON: %w", img.Digest, err)
	}
	for _, m := range index.Manifests {
		if m.Platform.OS != "linux" || !nodeArchitectures[m.Platform.Architecture] {
			continue // attestations (unknown/unknown) and other systems
		}
		if _, _, err := c.manifest(ctx, http.MethodGet, img.Repository, m.Digest); err != nil {
			return fmt.Errorf("linux/%s: %w", m.Platform.Architecture, err)
		}
	}
	return nil
}

// manifest requests /v2/<repository>/manifests/<reference> and returns the
// body and the digest the registry gives it (Docker-Content-Digest, or the
// body's sha256), retrying throttling and server errors.
func (c *registryClient) manifest(ctx context.Context, method, repository, reference string) ([]byte, string, error) {
	url := c.base + "/v2/" + repository + "/manifests/" + reference
	var last error
	for attempt := 0; attempt < c.attempts; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, "", ctx.Err()
			case <-time.After(c.backoff << (attempt - 1)):
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, url, nil)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("Authorization", c.auth)
		req.Header.Set("Accept", strings.Join(manifestTypes, ", "))
		resp, err := c.http.Do(req)
		if err != nil {
			last = err
			continue
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		_ = resp.Body.Close()
		switch {
		case err != nil:
			last = err
		case resp.StatusCode == http.StatusOK:
			digest := resp.Header.Get("Docker-Content-Digest")
			if digest == "" && method == http.MethodGet {
				digest = fmt.Sprintf("sha256:%x", sha256.Sum256(body))
			}
			return body, digest, nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			last = fmt.Errorf("%s %s: HTTP %d %s", method, reference, resp.StatusCode, strings.TrimSpace(string(body)))
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return nil, "", fmt.Errorf("ECR refused %s %s (HTTP %d %s): the identity running pulumi up needs ecr:BatchGetImage, "+
				"ecr:BatchImportUpstreamImage and ecr:CreateRepository on the cache's repositories", method, reference, resp.StatusCode, strings.TrimSpace(string(body)))
		default:
			return nil, "", fmt.Errorf("%s %s: HTTP %d %s (is the image there upstream, and does the rule's credential hold a value?)",
				method, reference, resp.StatusCode, strings.TrimSpace(string(body)))
		}
	}
	return nil, "", fmt.Errorf("after %d attempts: %w", c.attempts, last)
}
