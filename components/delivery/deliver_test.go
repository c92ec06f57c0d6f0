package delivery_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/templates"
	"github.com/platformeng/coder-platform/templates/compose"
)

const (
	orgID   = "0d6a2f4e-5b1c-4f8e-9a37-2c1e5d7b9f01"
	tplID   = "7f3c9a12-8e4b-4d6a-b1f0-3e5c7a9d2b44"
	groupID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
	token   = "s3cr3t-session-token"
)

// curlStub answers the coderd API calls deliver.sh makes with the shapes
// coderd returns (codersdk.Organization, Template, Group, TemplateACL),
// and logs each call as "METHOD PATH BODY".
const curlStub = `#!/usr/bin/env bash
method=GET body= url=
while [ $# -gt 0 ]; do
  case "$1" in
    -X) method=$2; shift ;;
    -d) body=$2; shift ;;
    -H) case "$2" in *"$EXPECT_TOKEN"*) ;; Coder-Session-Token*) echo "wrong token" >&2; exit 22 ;; esac; shift ;;
    http*) url=$1 ;;
  esac
  shift
done
path=${url#*/api/v2}
echo "curl $method $path $body" >>"$STUB_LOG"
case "$method $path" in
  "GET /organizations/default") echo '{"id":"` + orgID + `","name":"default","display_name":"Default"}' ;;
  "GET /organizations/` + orgID + `/templates/"*) echo '{"id":"` + tplID + `","name":"pod-swdev","deprecated":'"${STUB_DEPRECATED:-false}"',"deprecation_message":""}' ;;
  "GET /organizations/` + orgID + `/groups/developers") echo '{"id":"` + groupID + `","name":"developers","organization_id":"` + orgID + `"}' ;;
  "GET /organizations/` + orgID + `/groups/"*) exit 22 ;;
  "PATCH /templates/` + tplID + `/acl") echo '{"message":"Successfully updated template ACL list."}' ;;
  "GET /templates/` + tplID + `/acl") echo '{"users":'"${STUB_ACL_USERS:-[]}"',"group":[{"id":"` + groupID + `","name":"developers","role":"use"}]}' ;;
  "PATCH /groups/` + orgID + `") echo '{"id":"` + orgID + `","name":"Everyone","quota_allowance":3}' ;;
  *) echo "unexpected call $method $path" >&2; exit 22 ;;
esac
`

// coderStub is the coder CLI: it logs its arguments and lists versions.
const coderStub = `#!/usr/bin/env bash
echo "coder $*" >>"$STUB_LOG"
if [ "$1 $2 $3" = "templates versions list" ]; then
  if [ -n "${STUB_VERSION_EXISTS:-}" ]; then echo '[{"id":"x","name":"'"$TEMPLATE_VERSION"'","message":""}]'; else echo '[]'; fi
fi
`

type run struct {
	log, stdout, stderr string
	err                 error
}

func deliver(t *testing.T, env map[string]string) run {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.MkdirAll(bin, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "curl"), []byte(curlStub), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "coder"), []byte(coderStub), 0o755))
	tplDir := filepath.Join(dir, "template")
	require.NoError(t, os.MkdirAll(tplDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tplDir, "main.tf"), []byte("# composed\n"), 0o644))
	log := filepath.Join(dir, "calls.log")

	cmd := exec.Command("bash", "-c", delivery.Script())
	cmd.Env = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "STUB_LOG=" + log, "EXPECT_TOKEN=" + token,
		"TEMPLATE_DIR=" + tplDir, "VARS_FILE=" + filepath.Join(dir, "variables.yaml"), "WORK_DIR=" + filepath.Join(dir, "work"),
		"CODER_URL=http://coder.coder.svc.cluster.local", "CODER_SESSION_TOKEN=" + token, "CODER_ORGANIZATION=default",
		"TEMPLATE_NAME=pod-swdev", "TEMPLATE_VERSION=swdev-1.1.0.base-k8s-1.0.0.88d80cd8922e", "TEMPLATE_MESSAGE=swdev 1.1.0 on base-k8s 1.0.0",
		"TEMPLATE_DISPLAY_NAME=Software Development (pod)", "TEMPLATE_DESCRIPTION=Go, Node.js and Python", "TEMPLATE_ICON=/icon/code.svg",
		"DEFAULT_TTL=11h0m0s", "ACTIVITY_BUMP=1h0m0s", "AUTOSTOP_REQUIREMENT_DAYS=monday,tuesday", "AUTOSTOP_REQUIREMENT_WEEKS=1",
		"AUTOSTART_DAYS=monday,friday", "ALLOW_USER_AUTOSTART=true", "ALLOW_USER_AUTOSTOP=false", "REQUIRE_ACTIVE_VERSION=false",
		"ACCESS_GROUPS=developers", "QUOTA_ALLOWANCE=3"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	calls, _ := os.ReadFile(log)
	r := run{log: string(calls), stdout: stdout.String(), stderr: stderr.String(), err: err}
	assert.NotContains(t, r.stdout+r.stderr, token, "the token never reaches the Job's log")
	return r
}

func TestDeliverPushesANewVersion(t *testing.T) {
	r := deliver(t, nil)
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.log, "coder templates push pod-swdev -d ")
	assert.Contains(t, r.log, "--name swdev-1.1.0.base-k8s-1.0.0.88d80cd8922e -m swdev 1.1.0 on base-k8s 1.0.0 --activate --ignore-lockfile --yes -O default")
	assert.NotContains(t, r.log, "versions promote")
	assert.Contains(t, r.log, "coder templates edit pod-swdev -O default --yes --display-name Software Development (pod)")
	assert.Contains(t, r.log, "--default-ttl 11h0m0s --activity-bump 1h0m0s --autostop-requirement-weekdays monday,tuesday --autostop-requirement-weeks 1 --autostart-requirement-weekdays monday,friday --allow-user-autostart=true --allow-user-autostop=false --require-active-version=false")
	assert.NotContains(t, r.log, "--deprecated", "a template that is not deprecated is left alone")
	assert.Contains(t, r.log, `curl PATCH /templates/`+tplID+`/acl {"group_perms":{"`+orgID+`":"","`+groupID+`":"use"}}`, "Everyone removed, the group granted")
	assert.Contains(t, r.log, `curl PATCH /groups/`+orgID+` {"quota_allowance":3}`)
	assert.Contains(t, r.stdout, "template pod-swdev: swdev-1.1.0.base-k8s-1.0.0.88d80cd8922e active; groups developers; 3 workspaces per user")
}

func TestDeliverPromotesAnExistingVersion(t *testing.T) {
	r := deliver(t, map[string]string{"STUB_VERSION_EXISTS": "1"})
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.log, "coder templates versions promote --template pod-swdev --template-version swdev-1.1.0.base-k8s-1.0.0.88d80cd8922e -O default")
	assert.NotContains(t, r.log, "templates push", "a re-run pushes nothing")
}

func TestDeliverDeclaresDeprecation(t *testing.T) {
	r := deliver(t, map[string]string{"DEPRECATION_MESSAGE": "use pod-swdev-v2"})
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.log, "coder templates edit pod-swdev -O default --yes --deprecated use pod-swdev-v2 --display-name")

	r = deliver(t, map[string]string{"STUB_DEPRECATED": "true"})
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.log, "coder templates edit pod-swdev -O default --yes --deprecated  --display-name", "no message lifts the deprecation")
}

func TestDeliverRefusesWhatItCannotDeclare(t *testing.T) {
	r := deliver(t, map[string]string{"ACCESS_GROUPS": "developers,qa"})
	require.Error(t, r.err)
	assert.Contains(t, r.stderr, "group qa does not exist in default; create it or sync it from the IdP")
	assert.NotContains(t, r.log, "/acl", "no partial ACL is written")

	r = deliver(t, map[string]string{"STUB_ACL_USERS": `[{"id":"u1","username":"alice","role":"use"}]`})
	require.Error(t, r.err)
	assert.Contains(t, r.stderr, "template pod-swdev has grants to individual users; access is group-only, remove them")
	assert.NotContains(t, r.log, "/groups/"+orgID+" ", "the quota is not touched after a failed ACL check")
}

func TestJobEnvCarriesTheDeprecation(t *testing.T) {
	cat, err := templates.Load(templates.Embedded())
	require.NoError(t, err)
	m, ok := cat.Composition("pod-swdev")
	require.True(t, ok)
	deprecated := *m
	deprecated.Settings.Deprecated = "use pod-swdev-v2"
	for _, c := range []struct {
		comp *templates.Composition
		want string
	}{{m, ""}, {&deprecated, "use pod-swdev-v2"}} {
		tpl, err := compose.ComposeWith(cat, c.comp)
		require.NoError(t, err)
		env := map[string]string{}
		for _, kv := range delivery.JobEnv(&delivery.TemplateArgs{Template: tpl, Groups: []string{"developers"}}) {
			env[kv[0]] = kv[1]
		}
		assert.Contains(t, env, "DEPRECATION_MESSAGE")
		assert.Equal(t, c.want, env["DEPRECATION_MESSAGE"])
	}
}
