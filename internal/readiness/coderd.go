// Package readiness checks a live platform before a workshop: coderd and
// every proxy healthy and on the stack's version, provisioners connected,
// the delivered template versions active, the event's scaling actions in
// place, quotas, certificates and workspace images. `platform workshop
// check` prints its checklist.
package readiness

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/platformeng/coder-platform/internal/coderapi"
)

// Coderd reads coderd's API with an owner's session token.
type Coderd struct {
	coderapi.Client
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

// Health fetches a fresh health report (force=true bypasses coderd's cache).
func (c Coderd) Health(ctx context.Context) (HealthReport, error) {
	var raw map[string]json.RawMessage
	var h HealthReport
	if err := c.GetJSON(ctx, "/api/v2/debug/health?force=true", &raw); err != nil {
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
	err := c.GetJSON(ctx, "/api/v2/workspaceproxies", &r)
	return r.Regions, err
}

func (c Coderd) Organizations(ctx context.Context) ([]Organization, error) {
	var o []Organization
	err := c.GetJSON(ctx, "/api/v2/organizations", &o)
	return o, err
}

// Daemons lists an organization's provisioner daemons, offline ones too
// (coderd leaves them out unless asked).
func (c Coderd) Daemons(ctx context.Context, orgID string) ([]Daemon, error) {
	var d []Daemon
	err := c.GetJSON(ctx, "/api/v2/organizations/"+url.PathEscape(orgID)+"/provisionerdaemons?offline=true&limit=1000", &d)
	return d, err
}

func (c Coderd) Templates(ctx context.Context, orgID string) ([]Template, error) {
	var t []Template
	err := c.GetJSON(ctx, "/api/v2/organizations/"+url.PathEscape(orgID)+"/templates", &t)
	return t, err
}

func (c Coderd) TemplateVersion(ctx context.Context, id string) (TemplateVersion, error) {
	var v TemplateVersion
	err := c.GetJSON(ctx, "/api/v2/templateversions/"+url.PathEscape(id), &v)
	return v, err
}
