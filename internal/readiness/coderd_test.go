package readiness_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/coderapi"
	"github.com/platformeng/coder-platform/internal/deploy"
	"github.com/platformeng/coder-platform/internal/readiness"
	"github.com/platformeng/coder-platform/internal/realcoderd"
)

// The readiness client reads a real coderd (v2.30.0, open source) the way
// the checklist does: health, version, organizations, provisioner daemons,
// templates and their active version. Workspace proxies are a Premium
// feature, which the open-source build does not route.
func TestCoderdReadinessReadsTheRealAPI(t *testing.T) {
	srv := realcoderd.Start(t)
	ctx := context.Background()
	c := readiness.Coderd{Client: coderapi.Client{URL: srv.URL, Token: srv.Token, HTTP: srv.Client()}}

	require.NoError(t, c.Healthz(ctx))
	info, err := c.BuildInfo(ctx)
	require.NoError(t, err)
	assert.Regexp(t, `^v2\.30\.0`, info.Version)
	// The staged deploy reads the same routes to wait for an upgrade.
	d := deploy.Coderd{HTTP: srv.Client()}
	v, err := d.Version(ctx, srv.URL)
	require.NoError(t, err)
	assert.True(t, coderapi.SameVersion(v, "v2.30.0"), v)
	require.NoError(t, d.Healthy(ctx, srv.URL))
	h, err := c.Health(ctx)
	require.NoError(t, err)
	assert.Contains(t, []string{"ok", "warning", "error"}, h.Severity)
	assert.Contains(t, h.Sections, "database")
	assert.Equal(t, "ok", h.Sections["database"].Severity, "coderd reaches its database")

	orgs, err := c.Organizations(ctx)
	require.NoError(t, err)
	require.Len(t, orgs, 1)
	assert.True(t, orgs[0].IsDefault)
	assert.Equal(t, "coder", orgs[0].Name)

	// The built-in provisioner registers as a daemon of the organization.
	var daemons []readiness.Daemon
	require.Eventually(t, func() bool {
		daemons, err = c.Daemons(ctx, orgs[0].ID)
		return err == nil && len(daemons) > 0
	}, 30*time.Second, 200*time.Millisecond)
	assert.Contains(t, []string{"idle", "busy"}, daemons[0].Status)
	assert.Equal(t, "organization", daemons[0].Tags["scope"])
	assert.NotNil(t, daemons[0].LastSeenAt)

	// A pushed template's active version is read back by name.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`terraform {
  required_providers {
    coder = { source = "coder/coder" }
  }
}
data "coder_workspace" "me" {}
`), 0o644))
	cmd := exec.Command(srv.Coder, "templates", "push", "readiness", "--directory", dir, "--name", "readiness-1.0.0.abc123", "--yes", "-O", orgs[0].ID)
	cmd.Env = append(append(os.Environ(), srv.Env...), "CODER_URL="+srv.URL, "CODER_SESSION_TOKEN="+srv.Token, "CODER_CONFIG_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	templates, err := c.Templates(ctx, orgs[0].ID)
	require.NoError(t, err)
	require.Len(t, templates, 1)
	assert.Equal(t, "readiness", templates[0].Name)
	tv, err := c.TemplateVersion(ctx, templates[0].ActiveVersionID)
	require.NoError(t, err)
	assert.Equal(t, "readiness-1.0.0.abc123", tv.Name)

	_, err = c.Proxies(ctx)
	require.Error(t, err, "the open-source build has no workspace proxies route")
	assert.Contains(t, err.Error(), "GET /api/v2/workspaceproxies: HTTP 404")

	// A revoked token is named as such.
	_, err = readiness.Coderd{Client: coderapi.Client{URL: srv.URL, Token: "nope", HTTP: srv.Client()}}.Organizations(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "HTTP 401")
	assert.Contains(t, err.Error(), "the session token is missing, expired or revoked")
}
