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
// coderd returns (codersdk.Organization, Template, Group, TemplateACL,
// TemplateVersion), and logs each call as "METHOD PATH BODY". With -w it
// prints the status code instead, as curl does. Some answers are indented
// and some compact: the script must parse JSON, not match its layout.
const curlStub = `#!/usr/bin/env bash
method=GET body= url= statusonly=
while [ $# -gt 0 ]; do
  case "$1" in
    -X) method=$2; shift ;;
    -d) body=$2; shift ;;
    -w) shift ;;
    -o) statusonly=1; shift ;;
    -H) case "$2" in *"$EXPECT_TOKEN"*) ;; Coder-Session-Token*) echo "wrong token" >&2; exit 22 ;; esac; shift ;;
    http*) url=$1 ;;
  esac
  shift
done
path=${url#*/api/v2}
echo "curl $method $path $body" >>"$STUB_LOG"
if [ -n "$statusonly" ]; then
  case "$method $path" in
    "GET /organizations/default") echo 200 ;;
  "GET /organizations/` + orgID + `/groups/developers") echo 200 ;;
  "GET /organizations/` + orgID + `/groups/"*) echo 404 ;;
    *) if [ -n "${STUB_STATUS:-}" ]; then echo "$STUB_STATUS"; elif [ -n "${STUB_VERSION_EXISTS:-}" ]; then echo 200; else echo 404; fi ;;
  esac
  exit 0
fi
case "$method $path" in
  "GET /organizations/default") echo '{"id":"` + orgID + `","name":"coder","display_name":"Coder","is_default":true}' ;;
  "GET /organizations/` + orgID + `/templates/pod-swdev/versions/"*) printf '{\n  "id": "v1",\n  "name": "%s",\n  "job": {\n    "id": "j1",\n    "status": "%s"\n  }\n}\n' "${path##*/}" "${STUB_VERSION_JOB:-succeeded}" ;;
  "GET /organizations/` + orgID + `/templates/"*)
    # codersdk.Template as coderd v2.30.0 renders it (indented), with the
    # settings of a new template unless STUB_SETTINGS_MATCH says the last
    # delivery set them.
    if [ -n "${STUB_SETTINGS_MATCH:-}" ]; then
      settings='"display_name": "Software Development (pod)", "description": "Go, Node.js and Python", "icon": "/icon/code.svg",
  "default_ttl_ms": 39600000, "activity_bump_ms": 3600000,
  "autostop_requirement": {"days_of_week": ["monday", "tuesday"], "weeks": 1},
  "autostart_requirement": {"days_of_week": ["friday", "monday"]},
  "allow_user_autostart": true, "allow_user_autostop": false, "require_active_version": false'
    else
      settings='"display_name": "", "description": "", "icon": "", "default_ttl_ms": 86400000, "activity_bump_ms": 3600000,
  "autostop_requirement": {"days_of_week": [], "weeks": 1},
  "autostart_requirement": {"days_of_week": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]},
  "allow_user_autostart": true, "allow_user_autostop": true, "require_active_version": false'
    fi
    printf '{\n  "id": "` + tplID + `",\n  "name": "pod-swdev",\n  "active_version_id": "%s",\n  "build_time_stats": {"start": {"P50": null}},\n  %s,\n  "deprecated": %s,\n  "deprecation_message": "%s"\n}\n' \
      "${STUB_ACTIVE:-v0}" "$settings" "${STUB_DEPRECATED:-false}" "${STUB_DEPRECATION_MESSAGE:-}" ;;
  "GET /organizations/` + orgID + `/groups/developers") echo '{"id":"` + groupID + `","name":"developers","organization_id":"` + orgID + `"}' ;;
  "GET /organizations/` + orgID + `/groups/"*) echo '{"message":"Resource not found"}'; echo 404; exit 0 ;;
  "PATCH /templates/` + tplID + `/acl") echo '{"message":"Successfully updated template ACL list."}' ;;
  "GET /templates/` + tplID + `/acl")
    groups=${STUB_ACL_GROUPS:-}
    [ -n "$groups" ] || groups='[{"id":"` + groupID + `","name":"developers","role":"use"}]'
    echo '{"users": '"${STUB_ACL_USERS:-[]}"', "group": '"$groups"'}' ;;
  *) echo "unexpected call $method $path" >&2; echo '{"message":"unexpected"}'; echo 500; exit 0 ;;
esac
echo 200
`

// coderStub is the coder CLI: it logs its arguments and lists versions as
// the real CLI does with -o json (v2.30, verified against a real coderd):
// indented two spaces, each element wrapped in {"TemplateVersion": ...}.
const coderStub = `#!/usr/bin/env bash
echo "coder $*" >>"$STUB_LOG"
if [ "$1 $2 $3" = "templates versions list" ]; then
  if [ -n "${STUB_VERSION_EXISTS:-}" ]; then
    printf '[\n  {\n    "TemplateVersion": {\n      "id": "x",\n      "name": "%s",\n      "message": ""\n    }\n  }\n]\n' "$TEMPLATE_VERSION"
  else echo '[]'; fi
fi
`

// licensed are the features a stack that delivers templates declares;
// their paths are what these recorded-shape tests cover (the open-source
// coderd of the TestCoderd tests serves none of them).
const licensed = "template_rbac,access_control,advanced_template_scheduling"

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
		"ACCESS_GROUPS=developers", "LICENSED_FEATURES=" + licensed}
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
	assert.Contains(t, r.log, "--name swdev-1.1.0.base-k8s-1.0.0.88d80cd8922e -m swdev 1.1.0 on base-k8s 1.0.0 --activate --ignore-lockfile --yes -O "+orgID)
	assert.NotContains(t, r.log, "versions promote")
	assert.Contains(t, r.log, "coder templates edit pod-swdev -O "+orgID+" --yes --display-name Software Development (pod)")
	assert.Contains(t, r.log, "--default-ttl 11h0m0s --activity-bump 1h0m0s --autostop-requirement-weekdays monday,tuesday --autostop-requirement-weeks 1 --autostart-requirement-weekdays monday,friday --allow-user-autostart=true --allow-user-autostop=false --require-active-version=false --deprecated \n",
		"licensed, every setting is declared; an empty deprecation message means not deprecated")
	assert.Contains(t, r.log, `curl PATCH /templates/`+tplID+`/acl {"group_perms":{"`+orgID+`":"","`+groupID+`":"use"}}`, "Everyone removed, the group granted")
	assert.NotContains(t, r.log, "/groups/"+orgID+" ", "quotas are the Day-2 configuration's")
	assert.Contains(t, r.stdout, "template pod-swdev: swdev-1.1.0.base-k8s-1.0.0.88d80cd8922e active; groups developers")
}

func TestDeliverPromotesAnExistingVersion(t *testing.T) {
	r := deliver(t, map[string]string{"STUB_VERSION_EXISTS": "1"})
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.log, "coder templates versions promote --template pod-swdev --template-version swdev-1.1.0.base-k8s-1.0.0.88d80cd8922e -O "+orgID)
	assert.NotContains(t, r.log, "templates push", "a re-run pushes nothing")
}

// With its version active and its settings as declared, a re-run writes
// nothing: no promotion, no edit; the ACL patch is the declared one again.
func TestDeliverUnchangedWritesNothing(t *testing.T) {
	r := deliver(t, map[string]string{"STUB_VERSION_EXISTS": "1", "STUB_ACTIVE": "v1", "STUB_SETTINGS_MATCH": "1"})
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.stdout, "version swdev-1.1.0.base-k8s-1.0.0.88d80cd8922e is active")
	assert.Contains(t, r.stdout, "template pod-swdev: settings unchanged")
	assert.NotContains(t, r.log, "coder templates")
}

// Regression: the script grepped the CLI's JSON for a compact
// "name":"X"; the real CLI indents it, so a re-run pushed the same version
// name again and coderd answered 409.
func TestDeliverAsksCoderdForTheVersionByName(t *testing.T) {
	r := deliver(t, map[string]string{"STUB_VERSION_EXISTS": "1"})
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.log, "curl GET /organizations/"+orgID+"/templates/pod-swdev/versions/swdev-1.1.0.base-k8s-1.0.0.88d80cd8922e")
	assert.NotContains(t, r.log, "templates push")
}

func TestDeliverRefusesToPromoteAFailedVersion(t *testing.T) {
	r := deliver(t, map[string]string{"STUB_VERSION_EXISTS": "1", "STUB_VERSION_JOB": "failed"})
	require.Error(t, r.err)
	assert.Contains(t, r.stderr, "version swdev-1.1.0.base-k8s-1.0.0.88d80cd8922e exists but its import failed; fix the template and publish a new version")
	assert.NotContains(t, r.log, "versions promote")
	assert.NotContains(t, r.log, "templates push")
}

// Groups granted before but no longer declared lose their grant: the ACL
// is patched, not replaced, so the script must remove them itself.
func TestDeliverRevokesUndeclaredGroups(t *testing.T) {
	const stale = "5e1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
	r := deliver(t, map[string]string{"STUB_ACL_GROUPS": `[
    {"id": "` + groupID + `", "name": "developers", "role": "use"},
    {"id": "` + stale + `", "name": "contractors", "role": "use"},
    {"id": "` + orgID + `", "name": "Everyone", "role": "use"}
  ]`})
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.log, `curl PATCH /templates/`+tplID+`/acl {"group_perms":{"`+orgID+`":"","`+stale+`":"","`+groupID+`":"use"}}`)

	r = deliver(t, map[string]string{"STUB_ACL_GROUPS": "null"})
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.log, `curl PATCH /templates/`+tplID+`/acl {"group_perms":{"`+orgID+`":"","`+groupID+`":"use"}}`)
}

func TestDeliverFailsWhenTheVersionLookupFails(t *testing.T) {
	// Anything but 200 or 404 (an expired token, coderd down) is an error,
	// never a reason to push again.
	for _, code := range []string{"401", "500", "000"} {
		r := deliver(t, map[string]string{"STUB_STATUS": code, "TEMPLATE_VERSION": "other-version"})
		require.Error(t, r.err, code)
		assert.Contains(t, r.stderr, "looking up version other-version answered HTTP "+code)
		assert.NotContains(t, r.log, "templates push", code)
		assert.NotContains(t, r.log, "versions promote", code)
	}
}

func TestDeliverParsesJSONWhateverItsLayout(t *testing.T) {
	script := delivery.Script()
	start := strings.Index(script, "json_get() {")
	require.GreaterOrEqual(t, start, 0, "deliver.sh defines json_get")
	end := strings.Index(script[start:], "\n}\n")
	require.Greater(t, end, 0)
	fn := script[start : start+end+2]
	doc := `{
  "nested": {"id": "inner", "list": [1, {"s": "]}\""}]},
  "id":"0d6a",
  "name": "a\"b\\c",
  "deprecated": true,
  "esc": "a \u0026 b \u003c\u00e9\u003e",
  "users": [
  ],
  "none": null
}
`
	for _, c := range []struct{ key, want, rc string }{
		{"id", "0d6a", "0"}, {"deprecated", "true", "0"}, {"none", "null", "0"}, {"users", "[\n  ]", "0"},
		{"name", `a"b\c`, "0"}, {"esc", "a & b <é>", "0"}, {"nested", `{"id": "inner", "list": [1, {"s": "]}\""}]}`, "0"}, {"missing", "", "1"},
	} {
		cmd := exec.Command("bash", "-c", fn+"\nout=$(json_get \"$1\"); rc=$?; printf '%s|rc=%s' \"$out\" \"$rc\"", "-", c.key)
		cmd.Stdin = strings.NewReader(doc)
		out, err := cmd.Output()
		require.NoError(t, err, c.key)
		assert.Equal(t, c.want+"|rc="+c.rc, string(out), c.key)
	}
	items := exec.Command("bash", "-c", fn+"\njson_items", "-")
	items.Stdin = strings.NewReader("[\n  {\n    \"id\": \"a\",\n    \"s\": \"x]\"\n  },\n  [1, 2],\n  \"b\"\n]\n")
	out, err := items.Output()
	require.NoError(t, err)
	assert.Equal(t, "{     \"id\": \"a\",     \"s\": \"x]\"   }\n[1, 2]\n\"b\"\n", string(out), "one element a line")
	for _, bad := range []string{`[{"id":"x"}]`, `{"id":"x`, `{"id" "x"}`, `{"id": }`} {
		cmd := exec.Command("bash", "-c", fn+"\njson_get id", "-")
		cmd.Stdin = strings.NewReader(bad)
		out, err := cmd.CombinedOutput()
		require.Error(t, err, bad)
		assert.Contains(t, string(out), "json_get: ", bad)
	}
}

func TestDeliverDeclaresDeprecation(t *testing.T) {
	match := map[string]string{"STUB_VERSION_EXISTS": "1", "STUB_ACTIVE": "v1", "STUB_SETTINGS_MATCH": "1"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range match {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	r := deliver(t, with(map[string]string{"DEPRECATION_MESSAGE": "use pod-swdev-v2"}))
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.log, "--require-active-version=false --deprecated use pod-swdev-v2\n")

	r = deliver(t, with(map[string]string{"STUB_DEPRECATED": "true", "STUB_DEPRECATION_MESSAGE": "use pod-swdev-v2"}))
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.log, "--require-active-version=false --deprecated \n", "no message lifts the deprecation")

	r = deliver(t, with(map[string]string{"DEPRECATION_MESSAGE": "use pod-swdev-v2", "STUB_DEPRECATED": "true", "STUB_DEPRECATION_MESSAGE": "use pod-swdev-v2"}))
	require.NoError(t, r.err, r.stderr)
	assert.NotContains(t, r.log, "coder templates edit", "a deprecation in place is left alone")
}

func TestDeliverRefusesWhatItCannotDeclare(t *testing.T) {
	r := deliver(t, map[string]string{"ACCESS_GROUPS": "developers,qa"})
	require.Error(t, r.err)
	assert.Contains(t, r.stderr, "group qa does not exist in default; the Day-2 configuration creates every declared group")
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
