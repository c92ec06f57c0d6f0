// Package readiness checks a live platform before a workshop: coderd and
// every proxy healthy and on the stack's version, provisioners connected,
// the delivered template versions active, the event's scaling actions in
// place, quotas, certificates and workspace images. `platform workshop
// check` prints its checklist.
package readiness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Coderd reads coderd's API with an owner's session token. The types copy
// the JSON of codersdk v2.30.0 (buildinfo, healthsdk.HealthcheckReport,
// WorkspaceProxy, ProvisionerDaemon, Template, TemplateVersion,
// Organization): codersdk itself cannot join this module (its tracing
// imports dd-trace-go, whose OpenTelemetry collector package no longer
// resolves), so the routes are read as codersdk reads them.
type Coderd struct {
	URL    string
	Token  string
	Client *http.Client
}

// BuildInfo is GET /api/v2/buildinfo.
type BuildInfo struct {
	Version string `json:"version"`
}

// HealthReport is GET /api/v2/debug/health (owners only).
type HealthReport struct {
	Healthy  bool                     `json:"healthy"`
	Severity string                   `json:"severity"` // ok, warning, error
	Sections map[string]HealthSection `json:"-"`
}

// HealthSection is one section of the report (healthsdk.BaseReport).
type HealthSection struct {
	Severity string  `json:"severity"`
	Error    *string `json:"error"`
	// Dismissed sections were silenced by an admin (health settings);
	// coderd still counts them in the report's top-level severity.
	Dismissed bool `json:"dismissed"`
}

// HealthTimeout bounds a forced health report: coderd gives its checks 30 s
// (HealthcheckTimeout) before it answers 503 itself.
const HealthTimeout = 45 * time.Second

// Proxy is one element of GET /api/v2/workspaceproxies.
type Proxy struct {
	Name    string `json:"name"`
	Healthy bool   `json:"healthy"`
	Version string `json:"version"`
	Deleted bool   `json:"deleted"`
	Status  struct {
		Status string `json:"status"` // ok, unreachable, unhealthy, unregistered, unknown
		Report struct {
			Errors []string `json:"errors"`
		} `json:"report"`
	} `json:"status"`
}

// Daemon is one provisioner daemon of an organization.
type Daemon struct {
	Name       string            `json:"name"`
	Tags       map[string]string `json:"tags"`
	Version    string            `json:"version"`
	Status     string            `json:"status"` // offline, idle, busy
	LastSeenAt *time.Time        `json:"last_seen_at"`
}

// Organization is one element of GET /api/v2/organizations.
type Organization struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	IsDefault bool   `json:"is_default"`
}

// Template is one element of GET /api/v2/organizations/{id}/templates.
type Template struct {
	Name            string `json:"name"`
	ActiveVersionID string `json:"active_version_id"`
}

// TemplateVersion is GET /api/v2/templateversions/{id}.
type TemplateVersion struct {
	Name string `json:"name"`
}

// Healthz is GET /healthz, which answers "OK" while coderd serves.
func (c Coderd) Healthz(ctx context.Context) error {
	body, err := c.get(ctx, "/healthz", false)
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(body)) != "OK" {
		return fmt.Errorf("/healthz answered %q", body)
	}
	return nil
}

func (c Coderd) BuildInfo(ctx context.Context) (BuildInfo, error) {
	var b BuildInfo
	return b, c.getJSON(ctx, "/api/v2/buildinfo", &b)
}

// Health fetches a fresh health report (force=true bypasses coderd's cache).
func (c Coderd) Health(ctx context.Context) (HealthReport, error) {
	var raw map[string]json.RawMessage
	var h HealthReport
	ctx, cancel := context.WithTimeout(ctx, HealthTimeout)
	defer cancel()
	if err := c.getJSON(ctx, "/api/v2/debug/health?force=true", &raw); err != nil {
		return h, err
	}
	_ = json.Unmarshal(raw["healthy"], &h.Healthy)
	_ = json.Unmarshal(raw["severity"], &h.Severity)
	h.Sections = map[string]HealthSection{}
	for _, k := range []string{"derp", "access_url", "websocket", "database", "workspace_proxy", "provisioner_daemons"} {
		var s HealthSection
		if json.Unmarshal(raw[k], &s) == nil && s.Severity != "" {
			h.Sections[k] = s
		}
	}
	return h, nil
}

func (c Coderd) Proxies(ctx context.Context) ([]Proxy, error) {
	var r struct {
		Regions []Proxy `json:"regions"`
	}
	return r.Regions, c.getJSON(ctx, "/api/v2/workspaceproxies", &r)
}

func (c Coderd) Organizations(ctx context.Context) ([]Organization, error) {
	var o []Organization
	return o, c.getJSON(ctx, "/api/v2/organizations", &o)
}

// Daemons lists an organization's provisioner daemons, offline ones too
// (coderd leaves them out unless asked).
func (c Coderd) Daemons(ctx context.Context, orgID string) ([]Daemon, error) {
	var d []Daemon
	return d, c.getJSON(ctx, "/api/v2/organizations/"+url.PathEscape(orgID)+"/provisionerdaemons?offline=true&limit=1000", &d)
}

func (c Coderd) Templates(ctx context.Context, orgID string) ([]Template, error) {
	var t []Template
	return t, c.getJSON(ctx, "/api/v2/organizations/"+url.PathEscape(orgID)+"/templates", &t)
}

func (c Coderd) TemplateVersion(ctx context.Context, id string) (TemplateVersion, error) {
	var v TemplateVersion
	return v, c.getJSON(ctx, "/api/v2/templateversions/"+url.PathEscape(id), &v)
}

func (c Coderd) getJSON(ctx context.Context, path string, out any) error {
	body, err := c.get(ctx, path, true)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func (c Coderd) get(ctx context.Context, path string, auth bool) ([]byte, error) {
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: HealthTimeout + 5*time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.URL, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	if auth {
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
