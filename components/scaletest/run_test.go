package scaletest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/fakehttps"
)

// fakeCoderd answers the routes run.sh calls as coderd v2.35.1 does (the
// routes of enterprise/coderd/coderd.go and coderd/coderd.go, bodies in
// the codersdk shapes of codersdk/groups.go, users.go and deployment.go),
// and records them with the coder commands the stub CLI ran, in order.
type fakeCoderd struct {
	mu        sync.Mutex
	events    []string
	users     map[string]string // username → id, for users that exist
	members   []string          // the group's member ids
	allowance int               // the group's quota allowance
	prebuilds bool              // workspace_prebuilds entitled
	n         int
}

const (
	fakeMe     = "5e0c1b2a-7d3f-4c8e-9b6a-2f4d1c3e5a70"
	fakeOrg    = "0d0e0f10-1112-4314-9516-171819202122"
	fakeGroup  = "6a6b6c6d-6e6f-4071-8273-747576777879"
	runToken   = "run-token-secret"
	adminToken = "admin-token-secret"
)

func (f *fakeCoderd) event(format string, args ...any) {
	f.events = append(f.events, fmt.Sprintf(format, args...))
}

func (f *fakeCoderd) group() map[string]any {
	var members []map[string]any
	for _, id := range f.members {
		members = append(members, map[string]any{"id": id})
	}
	return map[string]any{"id": fakeGroup, "name": "scaletest", "organization_id": fakeOrg, "members": members, "quota_allowance": f.allowance}
}

func (f *fakeCoderd) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	write := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		b, _ := json.MarshalIndent(v, "", "\t")
		_, _ = w.Write(b)
	}
	// The stub CLI's reports.
	switch r.URL.Path {
	case "/fake/coder":
		f.event("coder %s", body)
		return
	case "/fake/users":
		f.n++
		f.users[string(body)] = fmt.Sprintf("00000000-0000-4000-8000-%012d", f.n)
		return
	case "/fake/cleanup":
		// Deleting a user drops its group memberships (v2.35.1
		// coderd/database/migrations/000492_delete_org_members_on_user_soft_delete.up.sql).
		for u, id := range f.users {
			if strings.HasPrefix(u, "scaletest-") {
				delete(f.users, u)
				f.members = slices.DeleteFunc(f.members, func(m string) bool { return m == id })
			}
		}
		return
	}
	if r.Header.Get("Coder-Session-Token") != runToken {
		write(http.StatusUnauthorized, map[string]string{"message": "bad token"})
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v2")
	switch {
	case r.Method == http.MethodGet && path == "/entitlements":
		write(http.StatusOK, map[string]any{"features": map[string]any{
			"template_rbac":       map[string]any{"entitlement": "entitled", "enabled": true},
			"workspace_prebuilds": map[string]any{"entitlement": "entitled", "enabled": f.prebuilds},
		}, "has_license": true})
	case r.Method == http.MethodGet && path == "/users/me":
		write(http.StatusOK, map[string]any{"id": fakeMe, "username": "automation"})
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/users/"):
		if id, ok := f.users[strings.TrimPrefix(path, "/users/")]; ok {
			write(http.StatusOK, map[string]any{"id": id})
		} else {
			write(http.StatusNotFound, map[string]any{"message": "not found"})
		}
	case r.Method == http.MethodGet && path == "/organizations/default":
		write(http.StatusOK, map[string]any{"id": fakeOrg, "name": "coder"})
	case r.Method == http.MethodGet && path == "/organizations/"+fakeOrg+"/groups/scaletest":
		write(http.StatusOK, f.group())
	case r.Method == http.MethodGet && path == "/groups/"+fakeGroup:
		write(http.StatusOK, f.group())
	case r.Method == http.MethodPatch && path == "/groups/"+fakeGroup:
		var req struct {
			AddUsers    []string `json:"add_users"`
			RemoveUsers []string `json:"remove_users"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			write(http.StatusBadRequest, map[string]any{"message": err.Error()})
			return
		}
		// enterprise/coderd/groups.go patchGroup: every user must be the
		// organization's; a second insert of a member fails.
		for _, id := range append(slices.Clone(req.AddUsers), req.RemoveUsers...) {
			if id != fakeMe && !slices.Contains(mapValues(f.users), id) {
				write(http.StatusBadRequest, map[string]any{"message": "User must be a member of organization"})
				return
			}
		}
		for _, id := range req.AddUsers {
			if slices.Contains(f.members, id) {
				write(http.StatusInternalServerError, map[string]any{"message": "duplicate key"})
				return
			}
			f.members = append(f.members, id)
			f.event("join %s", id)
		}
		for _, id := range req.RemoveUsers {
			f.members = slices.DeleteFunc(f.members, func(m string) bool { return m == id })
			f.event("leave %s", id)
		}
		write(http.StatusOK, f.group())
	default:
		f.event("unexpected %s %s", r.Method, path)
		write(http.StatusNotFound, map[string]any{"message": "no such route"})
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// stubCoder is the coder CLI: it reports its arguments and session token,
// prints a token for `tokens create`, creates a user for `users create`
// (as POST /users does), and deletes the scale-test users for `exp
// scaletest cleanup`.
const stubCoder = `#!/usr/bin/env bash
tok=admin; [ "$CODER_SESSION_TOKEN" = ` + runToken + ` ] && tok=run
post() { curl -sS -o /dev/null -X POST --data-binary "$2" "${CODER_URL}/fake/$1"; }
post coder "[$tok] $*"
case "$1 $2" in
  "tokens create") echo ` + runToken + ` ;;
  "users create")
    while [ $# -gt 0 ]; do [ "$1" = --username ] && post users "$2"; shift; done ;;
  "exp scaletest") [ "$3" != cleanup ] || post cleanup x ;;
esac
`

// runFake runs run.sh against a fake coderd with the component's
// environment for a, and returns its output, the events and the status it
// wrote.
func runFake(t *testing.T, f *fakeCoderd, a *Args) (string, []string, string) {
	t.Helper()
	url, ca := fakehttps.Serve(t, f)
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.Mkdir(bin, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "coder"), []byte(stubCoder), 0o755))
	results := filepath.Join(dir, "results")
	a.CoderURL = url
	cmd := exec.Command("bash", "-c", strings.ReplaceAll(Script(), "/results", results))
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "CURL_CA_BUNDLE="+ca,
		"CODER_SESSION_TOKEN="+adminToken, "RUN_ID=scaletest-1")
	for _, kv := range a.scriptEnv() {
		cmd.Env = append(cmd.Env, kv[0]+"="+kv[1])
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.NotContains(t, string(out), runToken, "no token in the Job's log")
	status, err := os.ReadFile(filepath.Join(results, "status"))
	require.NoError(t, err, string(out))
	f.mu.Lock()
	defer f.mu.Unlock()
	return string(out), slices.Clone(f.events), strings.TrimSpace(string(status))
}

func fakeArgs() *Args {
	return &Args{Organization: "default", Template: "pod-swdev-scaletest", Group: "scaletest", GroupAllowance: 1000,
		LicensedFeatures: []string{"template_rbac"},
		AdminToken:       Secret{Name: "coder/test/us-east-1/admin-token"},
		Run: Run{Workspaces: 1000, Concurrency: 60, Timeout: 3 * time.Hour, JobTimeout: 15 * time.Minute,
			Traffic:   &Traffic{Duration: 30 * time.Minute, TickInterval: 100 * time.Millisecond, BytesPerTick: 1024},
			Dashboard: &Dashboard{Users: 2, Duration: 30 * time.Minute, Interval: 10 * time.Second, Jitter: 5 * time.Second},
			Cleanup:   true, CleanupTimeout: 2 * time.Hour, Budget: 6 * time.Hour}}
}

// A run builds as its own account, which joins the template's group for
// the quota while the run lasts; the dashboard's users are created and
// join too; no grant to anyone else; the run's members leave at the end
// (the dashboard users are gone by then: cleanup deleted them).
func TestScaletestScriptRunsAsItsOwnAccount(t *testing.T) {
	f := &fakeCoderd{users: map[string]string{}, allowance: 1000, prebuilds: true}
	a := fakeArgs()
	out, events, status := runFake(t, f, a)
	assert.Equal(t, "0", status, out)
	d0, d1 := "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
	create := "coder [run] " + strings.Join(CreateArgs(a.Run, a.Template), " ")
	cleanup := "coder [run] " + strings.Join(CleanupArgs(a.Run, a.Template), " ")
	traffic := "coder [run] " + strings.Join(TrafficArgs(a.Run, a.Template), " ")
	dashboard := "coder [run] " + strings.Join(DashboardArgs(a.Run), " ")
	want := []string{
		"coder [admin] tokens create --name scaletest-scaletest-1 --lifetime 360m",
		"join " + fakeMe,
		"coder [run] users create --org " + fakeOrg + " --username scaletest-dashboard-0 --email dashboard-0@scaletest.local --login-type none",
		"join " + d0,
		"coder [run] users create --org " + fakeOrg + " --username scaletest-dashboard-1 --email dashboard-1@scaletest.local --login-type none",
		"join " + d1,
		create,
	}
	require.GreaterOrEqual(t, len(events), len(want)+5, out)
	assert.Equal(t, want, events[:len(want)], out)
	assert.ElementsMatch(t, []string{traffic, dashboard}, events[len(want):len(want)+2], "the load commands run side by side")
	assert.Equal(t, []string{cleanup, "leave " + fakeMe, "coder [admin] tokens remove scaletest-scaletest-1"}, events[len(want)+2:], out)
	assert.Empty(t, f.members, "no one is left in the group")
	assert.Contains(t, out, "scaletest: the run's account joined the group scaletest for the run")
	assert.Contains(t, out, "scaletest: run token scaletest-scaletest-1 expired")
	assert.NotContains(t, out, "could not leave")
}

// Without workspace_prebuilds, v2.35.1's cleanup would fail before
// deleting anything, and without the group's allowance the builds would:
// the run stops before it creates anything.
func TestScaletestScriptStopsBeforeWhatWouldFail(t *testing.T) {
	f := &fakeCoderd{users: map[string]string{}, allowance: 1000}
	out, events, status := runFake(t, f, fakeArgs())
	assert.Equal(t, "1", status)
	assert.Contains(t, out, "coderd's entitlements do not enable workspace_prebuilds")
	assert.Equal(t, []string{"coder [admin] tokens create --name scaletest-scaletest-1 --lifetime 360m",
		"coder [admin] tokens remove scaletest-scaletest-1"}, events)

	// A group whose allowance the Day-2 configuration has not raised yet
	// would fail every build past the account's few: the run stops first.
	f = &fakeCoderd{users: map[string]string{}, allowance: 0, prebuilds: true}
	out, events, status = runFake(t, f, fakeArgs())
	assert.Equal(t, "1", status)
	assert.Contains(t, out, "the group scaletest has a quota allowance of 0, not the run's 1000")
	assert.Equal(t, []string{"coder [admin] tokens create --name scaletest-scaletest-1 --lifetime 360m",
		"coder [admin] tokens remove scaletest-scaletest-1"}, events)

	// Without cleanup the run needs no such entitlement; a member the run
	// did not add (the account, here) stays; without template_rbac there
	// are no groups to join.
	f = &fakeCoderd{users: map[string]string{}, members: []string{fakeMe}, allowance: 1000}
	a := fakeArgs()
	a.Run.Cleanup, a.Run.Dashboard = false, nil
	out, events, status = runFake(t, f, a)
	assert.Equal(t, "0", status, out)
	assert.NotContains(t, strings.Join(events, "\n"), "join")
	assert.NotContains(t, strings.Join(events, "\n"), "leave")
	assert.Equal(t, []string{fakeMe}, f.members)

	f = &fakeCoderd{users: map[string]string{}, prebuilds: true}
	a = fakeArgs()
	a.LicensedFeatures = nil
	out, events, status = runFake(t, f, a)
	assert.Equal(t, "0", status, out)
	for _, e := range events {
		assert.NotRegexp(t, "^(join|leave|unexpected)", e)
	}
}
