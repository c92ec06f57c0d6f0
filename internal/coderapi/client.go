// Package coderapi reads coderd's (and a workspace proxy's) REST API: the
// one HTTP client the deploy stages and the readiness check share. Types
// copy the JSON of codersdk v2.30.0, which cannot join this module (its
// tracing imports dd-trace-go, whose OpenTelemetry collector package no
// longer resolves).
package coderapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Timeout bounds a request: coderd gives a forced health report 30 s
// (HealthcheckTimeout) before it answers 503 itself.
const Timeout = 50 * time.Second

// Client calls one coderd or proxy, with an owner's session token where a
// route needs one.
type Client struct {
	URL   string
	Token string
	HTTP  *http.Client
}

// BuildInfo is GET /api/v2/buildinfo, which coderd and proxies serve
// without a session.
type BuildInfo struct {
	Version string `json:"version"`
}

func (c Client) BuildInfo(ctx context.Context) (BuildInfo, error) {
	var b BuildInfo
	err := c.GetJSON(ctx, "/api/v2/buildinfo", &b)
	return b, err
}

// Healthz is GET /healthz, which answers "OK" while the server serves.
func (c Client) Healthz(ctx context.Context) error {
	body, err := c.Get(ctx, "/healthz", false)
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(body)) != "OK" {
		return fmt.Errorf("%s/healthz answered %q", c.URL, body)
	}
	return nil
}

// GetJSON decodes the answer of an authenticated GET.
func (c Client) GetJSON(ctx context.Context, path string, out any) error {
	body, err := c.Get(ctx, path, true)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Get returns the body of a 200 answer; any other names coderd's message
// and what a 401 or 403 means.
func (c Client) Get(ctx context.Context, path string, auth bool) ([]byte, error) {
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: Timeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.URL, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	if auth && c.Token != "" {
		req.Header.Set("Coder-Session-Token", c.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var msg struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &msg)
		hint := ""
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			hint = " (the session token is missing, expired or revoked)"
		case http.StatusForbidden:
			hint = " (the check needs an owner's token; a 403 also means an unlicensed Premium feature)"
		}
		return nil, fmt.Errorf("GET %s: HTTP %d %s%s", path, resp.StatusCode, msg.Message, hint)
	}
	return body, nil
}

// SameVersion compares a build version ("v2.35.1+1a2b3c") with a release
// tag ("v2.35.1" or "2.35.1").
func SameVersion(build, tag string) bool {
	norm := func(v string) string {
		v, _, _ = strings.Cut(v, "+")
		return strings.TrimPrefix(strings.TrimSpace(v), "v")
	}
	return norm(build) != "" && norm(build) == norm(tag)
}
