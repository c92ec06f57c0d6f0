package delivery_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/internal/realcoderd"
)

// The TestCoderd tests run deliver.sh and configure.sh, as the Jobs do,
// with the real coder CLI and curl against a real coderd (open source,
// tools/coderd) on a real PostgreSQL: `go test -run TestCoderd -v ./...`.

// testTemplate needs only the coder provider, which the tests' Terraform
// mirror serves; the composed bases need kubernetes or aws as well.
const testTemplate = `terraform {
  required_providers {
    coder = { source = "coder/coder", version = ">= 2.5.0" }
  }
}
variable "namespace" {
  type = string
}
data "coder_workspace" "me" {}
resource "coder_metadata" "ns" {
  count       = 0
  resource_id = "x"
  item {
    key   = "namespace"
    value = var.namespace
  }
}
`

type script struct {
	srv  *realcoderd.Server
	env  map[string]string
	body string
}

// run runs the script and returns its combined output.
func (s *script) run(t *testing.T, env map[string]string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", "-c", s.body)
	cmd.Env = append(os.Environ(), s.srv.Env...)
	cmd.Env = append(cmd.Env, "PATH="+filepath.Dir(s.srv.Coder)+":"+os.Getenv("PATH"))
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	assert.NotContains(t, string(out), s.srv.Token, "the token never reaches the Job's log")
	return string(out), err
}

// newDelivery prepares deliver.sh for template pod-swdev of content main.
func newDelivery(t *testing.T, srv *realcoderd.Server, version, main string) *script {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "template-"+version)
	require.NoError(t, os.MkdirAll(tpl, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tpl, "main.tf"), []byte(main), 0o644))
	vars := filepath.Join(dir, "variables.yaml")
	require.NoError(t, os.WriteFile(vars, []byte("namespace: coder-ws\n"), 0o644))
	return &script{srv: srv, body: delivery.Script(), env: map[string]string{
		"TEMPLATE_DIR": tpl, "VARS_FILE": vars, "WORK_DIR": filepath.Join(dir, "work"),
		"CODER_URL": srv.URL, "CODER_SESSION_TOKEN": srv.Token, "CODER_ORGANIZATION": "default", "LICENSED_FEATURES": "",
		"TEMPLATE_NAME": "pod-swdev", "TEMPLATE_VERSION": version, "TEMPLATE_MESSAGE": "swdev on base-k8s",
		"TEMPLATE_DISPLAY_NAME": "Software Development (pod)", "TEMPLATE_DESCRIPTION": "Go, Node.js & Python <3.13>",
		"TEMPLATE_ICON": "/icon/code.svg", "DEFAULT_TTL": "11h0m0s", "ACTIVITY_BUMP": "1h0m0s",
		"AUTOSTOP_REQUIREMENT_DAYS": "monday,tuesday", "AUTOSTOP_REQUIREMENT_WEEKS": "1", "AUTOSTART_DAYS": "monday,friday",
		"ALLOW_USER_AUTOSTART": "true", "ALLOW_USER_AUTOSTOP": "false", "REQUIRE_ACTIVE_VERSION": "false",
		"ACCESS_GROUPS": "developers", "PROVISIONER_TAGS": "",
	}}
}

// coderTemplate is what coderd holds for a template (codersdk.Template).
type coderTemplate struct {
	ID              string `json:"id"`
	ActiveVersionID string `json:"active_version_id"`
	UpdatedAt       string `json:"updated_at"`
	DisplayName     string `json:"display_name"`
	Description     string `json:"description"`
	Icon            string `json:"icon"`
	DefaultTTLMS    int64  `json:"default_ttl_ms"`
	ActivityBumpMS  int64  `json:"activity_bump_ms"`
}

type coderVersion struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Job  struct {
		Status string `json:"status"`
	} `json:"job"`
}

func getTemplate(t *testing.T, srv *realcoderd.Server) coderTemplate {
	var tpl coderTemplate
	require.NoError(t, srv.Do(context.Background(), "GET", "/organizations/default/templates/pod-swdev", nil, &tpl))
	return tpl
}

func versions(t *testing.T, srv *realcoderd.Server, tplID string) []coderVersion {
	var vs []coderVersion
	require.NoError(t, srv.Do(context.Background(), "GET", "/templates/"+tplID+"/versions", nil, &vs))
	return vs
}

func version(t *testing.T, srv *realcoderd.Server, name string) coderVersion {
	var v coderVersion
	require.NoError(t, srv.Do(context.Background(), "GET", "/organizations/default/templates/pod-swdev/versions/"+name, nil, &v))
	return v
}

func TestCoderdDeliversTemplates(t *testing.T) {
	srv := realcoderd.Start(t)

	// First delivery: pushed, active, with its settings.
	first := newDelivery(t, srv, "swdev-1.0.0.base-k8s-1.0.0.aaaa", testTemplate)
	out, err := first.run(t, nil)
	require.NoError(t, err, out)
	assert.Contains(t, out, "template pod-swdev: pushing version swdev-1.0.0.base-k8s-1.0.0.aaaa")
	assert.Contains(t, out, "open to every member (no template_rbac licence)")
	tpl := getTemplate(t, srv)
	v1 := version(t, srv, "swdev-1.0.0.base-k8s-1.0.0.aaaa")
	assert.Equal(t, v1.ID, tpl.ActiveVersionID)
	assert.Equal(t, "succeeded", v1.Job.Status)
	assert.Equal(t, "Software Development (pod)", tpl.DisplayName)
	assert.Equal(t, "Go, Node.js & Python <3.13>", tpl.Description, "coderd's JSON escapes & < > as \\u0026 …: the script decodes them")
	assert.Equal(t, "/icon/code.svg", tpl.Icon)
	assert.Equal(t, int64(11*3600*1000), tpl.DefaultTTLMS)
	assert.Equal(t, int64(3600*1000), tpl.ActivityBumpMS)

	// An unchanged re-run changes nothing and succeeds.
	out, err = first.run(t, nil)
	require.NoError(t, err, out)
	assert.Contains(t, out, "version swdev-1.0.0.base-k8s-1.0.0.aaaa is active")
	assert.Contains(t, out, "settings unchanged")
	assert.NotContains(t, out, "pushing")
	again := getTemplate(t, srv)
	assert.Equal(t, tpl, again, "nothing in coderd changed, not even updated_at")
	assert.Len(t, versions(t, srv, tpl.ID), 1)

	// Changed settings: exactly the change is applied.
	out, err = first.run(t, map[string]string{"TEMPLATE_DISPLAY_NAME": "Software Development", "DEFAULT_TTL": "8h0m0s"})
	require.NoError(t, err, out)
	changed := getTemplate(t, srv)
	assert.Equal(t, "Software Development", changed.DisplayName)
	assert.Equal(t, int64(8*3600*1000), changed.DefaultTTLMS)
	assert.Equal(t, tpl.ActiveVersionID, changed.ActiveVersionID, "settings alone push no version")
	assert.Len(t, versions(t, srv, tpl.ID), 1)

	// Changed content: a new version, pushed and made active.
	second := newDelivery(t, srv, "swdev-1.1.0.base-k8s-1.0.0.bbbb", testTemplate+"# 1.1.0\n")
	out, err = second.run(t, nil)
	require.NoError(t, err, out)
	assert.Contains(t, out, "pushing version swdev-1.1.0.base-k8s-1.0.0.bbbb")
	v2 := version(t, srv, "swdev-1.1.0.base-k8s-1.0.0.bbbb")
	assert.Equal(t, v2.ID, getTemplate(t, srv).ActiveVersionID)
	assert.Len(t, versions(t, srv, tpl.ID), 2)

	// A version that exists already (a rollback to the earlier content)
	// is promoted, not pushed again.
	out, err = first.run(t, nil)
	require.NoError(t, err, out)
	assert.Contains(t, out, "version swdev-1.0.0.base-k8s-1.0.0.aaaa exists; making it active")
	assert.NotContains(t, out, "pushing")
	assert.Equal(t, v1.ID, getTemplate(t, srv).ActiveVersionID)
	assert.Len(t, versions(t, srv, tpl.ID), 2)

	// Deprecation needs the access_control licence feature; without it the
	// run says so rather than pretend.
	out, err = first.run(t, map[string]string{"DEPRECATION_MESSAGE": "use pod-swdev-v2"})
	require.Error(t, err)
	assert.Contains(t, out, "template pod-swdev: cannot deprecate it without the access_control licence feature")
}

func TestCoderdDeliveryFailures(t *testing.T) {
	srv := realcoderd.Start(t)

	good := newDelivery(t, srv, "swdev-1.0.0.good", testTemplate)
	out, err := good.run(t, nil)
	require.NoError(t, err, out)

	// A version Terraform cannot plan: the push fails with Terraform's
	// error, the good version stays active, and a re-run refuses to
	// promote the failed version.
	broken := newDelivery(t, srv, "swdev-1.0.1.broken", testTemplate+"resource \"coder_metadata\" \"bad\" {\n  resource_id = var.missing\n}\n")
	out, err = broken.run(t, nil)
	require.Error(t, err, out)
	assert.Contains(t, out, "var.missing")
	out, err = broken.run(t, nil)
	require.Error(t, err, out)
	assert.Contains(t, out, "version swdev-1.0.1.broken exists but its import failed; fix the template and publish a new version")
	assert.Equal(t, version(t, srv, "swdev-1.0.0.good").ID, getTemplate(t, srv).ActiveVersionID)

	// A token coderd does not accept (expired, revoked): the run stops at
	// the first call and names the secret to renew.
	out, err = good.run(t, map[string]string{"CODER_SESSION_TOKEN": "AAAAAAAAAA-BBBBBBBBBBBBBBBBBBBBBBBB",
		"TOKEN_SECRET": "coder/prod/us-east-1/template-admin-token"})
	require.Error(t, err, out)
	assert.Contains(t, out, "coderd rejected the session token (HTTP 401): coder/prod/us-east-1/template-admin-token has expired or was revoked")

	// An organization that does not exist.
	out, err = good.run(t, map[string]string{"CODER_ORGANIZATION": "nowhere"})
	require.Error(t, err, out)
	assert.Contains(t, out, "organization nowhere not found in coderd")
}

// The operator commands (stack output provisionerKeyCommands) name an
// organization through `coder organizations show NAME --only-id`: the CLI's
// --org takes only the real name or the id, and a deployment created by
// Coder 2.13 or later names its default organization "coder".
func TestCoderdCLIResolvesTheDefaultOrganization(t *testing.T) {
	srv := realcoderd.Start(t)
	var org struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	require.NoError(t, srv.Do(context.Background(), "GET", "/organizations/default", nil, &org))
	assert.Equal(t, "coder", org.Name)
	cli := func(args ...string) (string, error) {
		cmd := exec.Command(srv.Coder, args...)
		cmd.Env = append(append(os.Environ(), srv.Env...), "CODER_URL="+srv.URL, "CODER_SESSION_TOKEN="+srv.Token,
			"CODER_CONFIG_DIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	out, err := cli("organizations", "show", "default", "--only-id")
	require.NoError(t, err, out)
	assert.Equal(t, org.ID, out)
	out, err = cli("provisioner", "list", "--org", "default")
	require.Error(t, err, "the CLI does not know the alias")
	assert.Contains(t, out, `organization "default" not found`)
	out, err = cli("provisioner", "list", "--org", org.ID)
	require.NoError(t, err, out)
}
