package delivery_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/components/observability"
	"github.com/platformeng/coder-platform/internal/fakehttps"
	"github.com/platformeng/coder-platform/internal/realcoderd"
)

// configure runs configure.sh with env against the server at url.
func configure(t *testing.T, url, token string, clientEnv []string, env map[string]string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", "-c", delivery.ConfigureScript())
	cmd.Env = append(append(os.Environ(), clientEnv...), "CODER_URL="+url, "CODER_SESSION_TOKEN="+token,
		"TOKEN_SECRET=coder/prod/us-east-1/admin-token")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	assert.NotContains(t, string(out), token, "the token never reaches the Job's log")
	return string(out), err
}

// An open-source coderd has no licence, groups or quotas: the unlicensed
// configuration checks the owners, and a re-run changes nothing.
func TestCoderdConfigurationChecksOwners(t *testing.T) {
	srv := realcoderd.Start(t)
	env := map[string]string{"OWNERS": "alice@example.com,bob@example.com", "LICENSED_FEATURES": "", "DAY2_GROUPS": ""}
	for range 2 {
		out, err := configure(t, srv.URL, srv.Token, srv.Env, env)
		require.NoError(t, err, out)
		assert.Contains(t, out, "configure: owners are the declared ones (alice@example.com,bob@example.com) and this automation account")
		assert.Contains(t, out, "configure: done: 0 change(s)")
	}

	// Someone grants owner by hand: the next run fails and names them.
	srv.CreateUser(t, "mallory", "owner")
	srv.CreateUser(t, "alice", "owner")
	out, err := configure(t, srv.URL, srv.Token, srv.Env, env)
	require.Error(t, err, out)
	assert.Contains(t, out, "coderd has owners that coder.identity.owners does not declare: mallory@example.com; remove them from the IdP group that maps to owner")
	assert.Contains(t, out, observability.Day2FailurePattern)
	assert.NotContains(t, out, "alice@example.com;", "a declared owner is fine")

	env["OWNERS"] = "Alice@Example.com,mallory@example.com" // as people spell them
	out, err = configure(t, srv.URL, srv.Token, srv.Env, env)
	require.NoError(t, err, out)
}

// Accounts not seen for SUSPEND_INACTIVE_DAYS are suspended, never the
// owners or the automation account, and a re-run changes nothing.
func TestCoderdConfigurationSuspendsInactiveAccounts(t *testing.T) {
	srv := realcoderd.Start(t)
	ctx := context.Background()
	ids := map[string]string{"alice": srv.CreateUser(t, "alice", "owner"), "bob": srv.CreateUser(t, "bob")}
	status := func(id string) string {
		var u struct {
			Status string `json:"status"`
		}
		require.NoError(t, srv.Do(ctx, "GET", "/users/"+id, nil, &u))
		return u.Status
	}
	env := map[string]string{"OWNERS": "alice@example.com", "LICENSED_FEATURES": "", "DAY2_GROUPS": "", "SUSPEND_INACTIVE_DAYS": "30"}

	// Today everyone was seen recently: nothing happens.
	out, err := configure(t, srv.URL, srv.Token, srv.Env, env)
	require.NoError(t, err, out)
	assert.Contains(t, out, "configure: done: 0 change(s)")
	// A new account is dormant until it signs in (codersdk
	// CreateUserRequest.UserStatus, v2.30.0), and not suspended.
	assert.Equal(t, "dormant", status(ids["bob"]))

	// Forty days on, nobody has been seen for thirty.
	env["NOW"] = fmt.Sprint(time.Now().Add(40 * 24 * time.Hour).Unix())
	out, err = configure(t, srv.URL, srv.Token, srv.Env, env)
	require.NoError(t, err, out)
	assert.Contains(t, out, "configure: suspended bob@example.com: not seen since")
	assert.Contains(t, out, "configure: done: 1 change(s)")
	assert.Equal(t, "suspended", status(ids["bob"]))
	assert.NotEqual(t, "suspended", status(ids["alice"]), "an owner is never suspended")
	var me struct {
		Status string `json:"status"`
	}
	require.NoError(t, srv.Do(ctx, "GET", "/users/me", nil, &me))
	assert.Equal(t, "active", me.Status, "nor the automation account")

	out, err = configure(t, srv.URL, srv.Token, srv.Env, env)
	require.NoError(t, err, out)
	assert.Contains(t, out, "configure: done: 0 change(s)", "a suspended account stays as it is")
}

// enterprise answers the licensed routes configure.sh calls with the
// shapes coderd v2.30.0 returns (codersdk.License, Group, User,
// GetUsersResponse), and keeps their state, so a second run can be
// checked to write nothing.
type enterprise struct {
	mu        sync.Mutex
	groupSync map[string]any // codersdk.GroupSyncSettings of the default organization
	licenses  []map[string]any
	groups    map[string]map[string]any // by name
	writes    []string
	owners    []map[string]any
}

const (
	entOrgID = "0d6a2f4e-5b1c-4f8e-9a37-2c1e5d7b9f01"
	entMeID  = "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
)

func newEnterprise() *enterprise {
	return &enterprise{groupSync: map[string]any{
		// With no settings in its database, coderd answers with the legacy
		// ones from its flags (coderd/idpsync/group.go).
		"field": "groups", "mapping": nil, "regex_filter": "^developers$", "auto_create_missing_groups": true,
		"legacy_group_name_mapping": map[string]string{"okta-devs": "developers"},
	}, groups: map[string]map[string]any{
		"Everyone": {"id": entOrgID, "name": "Everyone", "display_name": "", "organization_id": entOrgID, "members": []any{},
			"total_member_count": 0, "avatar_url": "", "quota_allowance": 0, "source": "user", "organization_name": "coder"},
	}, owners: []map[string]any{
		{"id": entMeID, "username": "automation", "email": "automation@example.com", "status": "active", "login_type": "none",
			"roles": []map[string]string{{"name": "owner", "display_name": "Owner"}}},
		{"id": "11111111-2222-4333-8444-555555555555", "username": "alice", "email": "alice@example.com", "status": "active",
			"login_type": "oidc", "roles": []map[string]string{{"name": "owner", "display_name": "Owner"}}},
	}}
}

func (e *enterprise) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.Header.Get("Coder-Session-Token") != token {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"You must be logged in to perform this action."}`))
		return
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	if r.Method != http.MethodGet {
		b, _ := json.Marshal(body)
		e.writes = append(e.writes, r.Method+" "+r.URL.Path+" "+string(b))
	}
	reply := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "\t") // coderd's httpapi.Write indents
		_ = enc.Encode(v)
	}
	p := strings.TrimPrefix(r.URL.Path, "/api/v2")
	groupByID := func(id string) map[string]any {
		for _, g := range e.groups {
			if g["id"] == id {
				return g
			}
		}
		return nil
	}
	switch {
	case r.Method == "GET" && p == "/organizations/default":
		reply(200, map[string]any{"id": entOrgID, "name": "coder", "display_name": "Coder", "is_default": true})
	case r.Method == "GET" && p == "/users/me":
		reply(200, e.owners[0])
	case r.Method == "GET" && p == "/users" && r.URL.Query().Get("q") == "role:owner":
		reply(200, map[string]any{"users": e.owners, "count": len(e.owners)})
	case p == "/organizations/"+entOrgID+"/settings/idpsync/groups":
		if r.Method == "PATCH" {
			e.groupSync = body
		}
		reply(200, e.groupSync)
	case r.Method == "GET" && p == "/licenses":
		reply(200, e.licenses)
	case r.Method == "POST" && p == "/licenses":
		claims := jwtClaims(body["license"].(string))
		l := map[string]any{"id": len(e.licenses) + 1, "uuid": claims["jti"], "uploaded_at": "2026-12-01T10:00:00Z", "claims": claims}
		e.licenses = append(e.licenses, l)
		reply(201, l)
	case r.Method == "GET" && strings.HasPrefix(p, "/organizations/"+entOrgID+"/groups/"):
		if g, ok := e.groups[strings.TrimPrefix(p, "/organizations/"+entOrgID+"/groups/")]; ok {
			reply(200, g)
			return
		}
		reply(404, map[string]string{"message": "Resource not found or you do not have access to this resource"})
	case r.Method == "POST" && p == "/organizations/"+entOrgID+"/groups":
		name := body["name"].(string)
		g := map[string]any{"id": "group-" + name, "name": name, "display_name": "", "organization_id": entOrgID,
			"members": []any{}, "total_member_count": 0, "avatar_url": "", "quota_allowance": body["quota_allowance"], "source": "user"}
		e.groups[name] = g
		reply(201, g)
	case r.Method == "GET" && strings.HasPrefix(p, "/groups/") && groupByID(strings.TrimPrefix(p, "/groups/")) != nil:
		reply(200, groupByID(strings.TrimPrefix(p, "/groups/")))
	case r.Method == "PATCH" && strings.HasPrefix(p, "/groups/") && groupByID(strings.TrimPrefix(p, "/groups/")) != nil:
		g := groupByID(strings.TrimPrefix(p, "/groups/"))
		g["quota_allowance"] = body["quota_allowance"]
		reply(200, g)
	default:
		reply(404, map[string]string{"message": "Route not found."})
	}
}

func jwtClaims(jwt string) map[string]any {
	parts := strings.Split(jwt, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		panic(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return c
}

// licenseJWT is a licence shaped as Coder issues them (EdDSA-signed; the
// signature is coderd's to check, not the script's).
func licenseJWT(jti string) string {
	enc := base64.RawURLEncoding.EncodeToString
	claims, _ := json.Marshal(map[string]any{"jti": jti, "license_expires": 1893456000, "account_type": "salesforce",
		"version": 3, "feature_set": "premium", "features": map[string]int{"user_limit": 3000}})
	return enc([]byte(`{"alg":"EdDSA","typ":"JWT","kid":"2022-08-12"}`)) + "." + enc(claims) + "." + enc([]byte("signature"))
}

func startEnterprise(t *testing.T) (*enterprise, string, []string) {
	e := newEnterprise()
	url, ca := fakehttps.Serve(t, e)
	return e, url, []string{"CURL_CA_BUNDLE=" + ca}
}

func TestConfigureInstallsTheLicenceOnce(t *testing.T) {
	e, url, env := startEnterprise(t)
	cfg := map[string]string{"OWNERS": "alice@example.com", "LICENSED_FEATURES": "template_rbac", "DAY2_GROUPS": "",
		"CODER_LICENSE": licenseJWT("6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b")}
	out, err := configure(t, url, token, env, cfg)
	require.NoError(t, err, out)
	assert.Contains(t, out, "configure: licence 6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b installed (expires at 1893456000, Unix time)")
	assert.NotContains(t, out, cfg["CODER_LICENSE"], "the licence is never printed")
	require.Len(t, e.licenses, 1)

	out, err = configure(t, url, token, env, cfg)
	require.NoError(t, err, out)
	assert.Contains(t, out, "configure: licence 6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b is installed")
	assert.Contains(t, out, "configure: done: 0 change(s)")
	assert.Len(t, e.licenses, 1, "installed once")

	// A renewed licence (a new jti) is installed beside the old one.
	cfg["CODER_LICENSE"] = licenseJWT("7b2e1d3f-4c5e-4f60-9b0c-1d2e3f4a5b6c")
	out, err = configure(t, url, token, env, cfg)
	require.NoError(t, err, out)
	assert.Len(t, e.licenses, 2)

	cfg["CODER_LICENSE"] = "not-a-jwt"
	out, err = configure(t, url, token, env, cfg)
	require.Error(t, err)
	assert.Contains(t, out, "the licence is not a JWT")
}

func TestConfigureCreatesGroupsAndHoldsTheirQuota(t *testing.T) {
	e, url, env := startEnterprise(t)
	cfg := map[string]string{"OWNERS": "alice@example.com", "LICENSED_FEATURES": "template_rbac",
		"DAY2_GROUPS": "default Everyone 3\ndefault developers 0\ndefault platform-engineers 0"}
	out, err := configure(t, url, token, env, cfg)
	require.NoError(t, err, out)
	assert.Equal(t, []string{
		`PATCH /api/v2/groups/` + entOrgID + ` {"quota_allowance":3}`,
		`POST /api/v2/organizations/` + entOrgID + `/groups {"name":"developers","quota_allowance":0}`,
		`POST /api/v2/organizations/` + entOrgID + `/groups {"name":"platform-engineers","quota_allowance":0}`,
	}, e.writes)
	assert.Contains(t, out, "configure: done: 3 change(s)")

	// Unchanged: nothing is written.
	e.writes = nil
	out, err = configure(t, url, token, env, cfg)
	require.NoError(t, err, out)
	assert.Empty(t, e.writes)
	assert.Contains(t, out, "configure: done: 0 change(s)")

	// A changed allowance: exactly that change.
	cfg["DAY2_GROUPS"] = "default Everyone 5\ndefault developers 0\ndefault platform-engineers 0"
	out, err = configure(t, url, token, env, cfg)
	require.NoError(t, err, out)
	assert.Equal(t, []string{`PATCH /api/v2/groups/` + entOrgID + ` {"quota_allowance":5}`}, e.writes)

	// Without template_rbac the groups are left alone (coderd would
	// answer 403).
	e.writes = nil
	cfg["LICENSED_FEATURES"] = ""
	out, err = configure(t, url, token, env, cfg)
	require.NoError(t, err, out)
	assert.Empty(t, e.writes)
}

func TestConfigureFailsOnARejectedToken(t *testing.T) {
	_, url, env := startEnterprise(t)
	out, err := configure(t, url, "expired-token-0000000000", env, map[string]string{"OWNERS": "alice@example.com"})
	require.Error(t, err)
	assert.Contains(t, out, "coderd rejected the session token (HTTP 401): coder/prod/us-east-1/admin-token has expired or was revoked")
	assert.Contains(t, out, observability.Day2FailurePattern, "the line the day2-configuration alarm counts")
}

// The runbook's commands for the automation account (docs/runbooks.md,
// First deployment, step 4), run with the real CLI, give a token the Day-2
// configuration runs with.
func TestCoderdRunbookAutomationAccount(t *testing.T) {
	srv := realcoderd.Start(t)
	cli := func(args ...string) string {
		cmd := exec.Command(srv.Coder, args...)
		cmd.Env = append(append(os.Environ(), srv.Env...), "CODER_URL="+srv.URL, "CODER_SESSION_TOKEN="+srv.Token,
			"CODER_CONFIG_DIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "coder %v: %s", args, out)
		return strings.TrimSpace(string(out))
	}
	cli("users", "create", "--username", "platform-automation", "--email", "platform-automation@example.com", "--login-type", "none")
	cli("users", "edit-roles", "platform-automation", "--roles", "owner")
	token := cli("tokens", "create", "--user", "platform-automation", "--name", "day2", "--lifetime", "168h")
	require.Regexp(t, `^[A-Za-z0-9]{10}-[A-Za-z0-9]{22}$`, token, "the CLI prints the token alone")

	// The first user is one of the declared (human) owners here.
	out, err := configure(t, srv.URL, token, srv.Env, map[string]string{"OWNERS": srv.Email, "LICENSED_FEATURES": "", "DAY2_GROUPS": ""})
	require.NoError(t, err, out)
	assert.Contains(t, out, "configure: done: 0 change(s)")

	// An owner's token lives at most CODER_MAX_ADMIN_TOKEN_LIFETIME (7 days).
	cmd := exec.Command(srv.Coder, "tokens", "create", "--user", "platform-automation", "--name", "too-long", "--lifetime", "169h")
	cmd.Env = append(append(os.Environ(), srv.Env...), "CODER_URL="+srv.URL, "CODER_SESSION_TOKEN="+srv.Token, "CODER_CONFIG_DIR="+t.TempDir())
	b, err := cmd.CombinedOutput()
	require.Error(t, err, string(b))
	assert.Contains(t, string(b), "is greater than the maximum allowed lifetime (168h0m0s)")
}

// Group sync is written into the organization's settings by group id, once;
// a change made in the dashboard is undone by the next run.
func TestConfigureHoldsGroupSync(t *testing.T) {
	e, url, env := startEnterprise(t)
	cfg := map[string]string{"OWNERS": "alice@example.com", "LICENSED_FEATURES": "template_rbac",
		"DAY2_GROUPS": "default Everyone 3\ndefault developers 0", "DAY2_ORGANIZATION": "default",
		"DAY2_GROUP_SYNC_FIELD": "groups", "DAY2_GROUP_SYNC_REGEX": `^(developers|Data \\& "AI")$`, "DAY2_GROUP_SYNC_AUTO_CREATE": "true",
		"DAY2_GROUP_SYNC_MAPPING": "okta-devs\tdevelopers\nData & AI\tdata-scientists"}
	out, err := configure(t, url, token, env, cfg)
	require.NoError(t, err, out)
	assert.Contains(t, out, "configure: group default/data-scientists: created for the group sync mapping")
	assert.Contains(t, out, "configure: group sync of default: set (claim groups)")
	assert.Equal(t, map[string]any{
		"field": "groups", "regex_filter": `^(developers|Data \\& "AI")$`, "auto_create_missing_groups": true,
		"mapping": map[string]any{"Data & AI": []any{"group-data-scientists"}, "okta-devs": []any{"group-developers"}},
	}, e.groupSync, "by id: coderd refuses legacy_group_name_mapping in a PATCH")

	e.writes = nil
	out, err = configure(t, url, token, env, cfg)
	require.NoError(t, err, out)
	assert.Contains(t, out, "configure: group sync of default: unchanged")
	assert.Empty(t, e.writes, "unchanged, whatever escapes coderd's JSON uses")

	e.groupSync["auto_create_missing_groups"] = false // changed in the dashboard
	out, err = configure(t, url, token, env, cfg)
	require.NoError(t, err, out)
	assert.Contains(t, out, "configure: group sync of default: set")
	assert.Equal(t, true, e.groupSync["auto_create_missing_groups"])
}
