package fakeaws

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The registry side of ECR: ecr:GetAuthorizationToken gives a Basic
// credential and the proxy endpoint (this server, under /ecr/<region>),
// where the Docker Registry HTTP API v2 serves manifests as a pull-through
// cache does: a pull by tag fetches the upstream's current digest into the
// region's cache; a pull by digest finds only what is cached (a first pull
// by digest is "not found", aws/containers-roadmap#2837).

// registryPassword is the password inside every authorization token.
const registryPassword = "fake-ecr-password"

// RegistryToken is the authorizationToken the server issues: base64 of
// AWS:<password>, which clients send as Basic credentials.
var RegistryToken = base64.StdEncoding.EncodeToString([]byte("AWS:" + registryPassword))

// indexBody is an image index with one Linux platform and an attestation.
func indexBody(child string) string {
	return `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + child + `","platform":{"os":"linux","architecture":"amd64"}},` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:attestation","platform":{"os":"unknown","architecture":"unknown"}}]}`
}

const imageManifestBody = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}`

// ChildDigest is the Linux platform's manifest of an index the server
// serves for repository:tag (Indexes).
func ChildDigest(repository, tag string) string {
	return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("child:"+repository+":"+tag)))
}

func (s *Server) authorizationToken(w http.ResponseWriter, region string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	writeJSON(w, http.StatusOK, map[string]any{"authorizationData": []map[string]any{{
		"authorizationToken": RegistryToken, "proxyEndpoint": s.URL + "/ecr/" + region,
		"expiresAt": float64(time.Now().Add(12 * time.Hour).Unix()),
	}}})
}

// registry answers /ecr/<region>/v2/<repository>/manifests/<reference>.
func (s *Server) registry(w http.ResponseWriter, r *http.Request) {
	region, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/ecr/"), "/v2/")
	repo, ref, ok := strings.Cut(rest, "/manifests/")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Calls = append(s.Calls, fmt.Sprintf("registry:%s %s/%s:%s", r.Method, region, repo, ref))
	problem := func(status int, code, msg string) {
		writeJSON(w, status, map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	}
	switch {
	case r.Header.Get("Authorization") != "Basic "+RegistryToken:
		problem(http.StatusUnauthorized, "DENIED", "Your authorization token has expired. Reauthenticate and try again.")
		return
	case !ok || region == "":
		problem(http.StatusNotFound, "NAME_UNKNOWN", "no such route")
		return
	case s.Deny["registry:"+repo]:
		problem(http.StatusForbidden, "DENIED", "User is not authorized to perform: ecr:BatchImportUpstreamImage")
		return
	}
	if s.Cached == nil {
		s.Cached = map[string]bool{}
	}
	key := func(d string) string { return region + "/" + repo + "@" + d }
	var body, digest string
	if strings.HasPrefix(ref, "sha256:") {
		if !s.Cached[key(ref)] {
			problem(http.StatusNotFound, "MANIFEST_UNKNOWN", "Requested image not found")
			return
		}
		body, digest = s.manifests[ref], ref
		if body == "" {
			body = imageManifestBody // cached before this server knew it
		}
	} else {
		digest = ImageDigest(repo, ref)
		if s.UpstreamDigest != nil {
			digest = s.UpstreamDigest(repo, ref)
		}
		if s.Missing[repo+":"+ref] {
			problem(http.StatusNotFound, "MANIFEST_UNKNOWN", "Requested image not found")
			return
		}
		body = imageManifestBody
		if s.Indexes[repo+":"+ref] {
			child := ChildDigest(repo, ref)
			body = indexBody(child)
			s.Cached[key(child)] = true
			s.remember(child, imageManifestBody)
		}
		s.Cached[key(digest)] = true
		s.remember(digest, body)
	}
	w.Header().Set("Docker-Content-Digest", digest)
	w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write([]byte(body))
	}
}

func (s *Server) remember(digest, body string) {
	if s.manifests == nil {
		s.manifests = map[string]string{}
	}
	s.manifests[digest] = body
}
