package coder

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/platformeng/coder-platform/internal/standards"
)

// IdentityArgs is who may sign in to coderd, with which roles, and for how
// long. Every name below is a coderd option (codersdk/deployment.go, v2.30.0).
type IdentityArgs struct {
	Groups *GroupSyncArgs
	Roles  *RoleSyncArgs
	// PasswordLogin keeps built-in passwords beside OIDC.
	PasswordLogin bool
	// OwnerWorkspaceAccess lets owners open other users' workspaces.
	OwnerWorkspaceAccess bool
	Session              time.Duration
	TokenLifetime        time.Duration
	AdminTokenLifetime   time.Duration
	// SCIM reads CODER_SCIM_AUTH_HEADER from Secrets Manager.
	SCIM bool
}

// GroupSyncArgs maps the IdP's groups claim onto Coder groups.
type GroupSyncArgs struct {
	Field       string
	Mapping     map[string]string
	AutoCreate  bool
	RegexFilter string
	Allowed     []string
}

// RoleSyncArgs maps an IdP claim onto Coder site roles.
type RoleSyncArgs struct {
	Field   string
	Mapping map[string][]string
}

// PurposeSCIM is the SCIM bearer token the IdP authenticates with.
const PurposeSCIM = "scim-auth-header"

// IdentityEnv is coderd's plain environment for sign-in, roles, sessions
// and tokens, in a fixed order. Durations are Go durations, as coderd
// parses them.
func IdentityEnv(id IdentityArgs, oidc bool) [][2]string {
	out := [][2]string{
		{"CODER_SESSION_DURATION", id.Session.String()},
		// Activity refreshes a session: it ends after Session without use.
		{"CODER_DISABLE_SESSION_EXPIRY_REFRESH", "false"},
		{"CODER_MAX_TOKEN_LIFETIME", id.TokenLifetime.String()},
		{"CODER_MAX_ADMIN_TOKEN_LIFETIME", id.AdminTokenLifetime.String()},
		{"CODER_DISABLE_OWNER_WORKSPACE_ACCESS", fmt.Sprint(!id.OwnerWorkspaceAccess)},
		{"CODER_DISABLE_PASSWORD_AUTH", fmt.Sprint(oidc && !id.PasswordLogin)},
	}
	if !oidc {
		return out
	}
	if g := id.Groups; g != nil {
		out = append(out,
			[2]string{"CODER_OIDC_GROUP_FIELD", g.Field},
			[2]string{"CODER_OIDC_GROUP_MAPPING", jsonObject(g.Mapping)},
			[2]string{"CODER_OIDC_GROUP_AUTO_CREATE", fmt.Sprint(g.AutoCreate)},
		)
		if g.RegexFilter != "" {
			out = append(out, [2]string{"CODER_OIDC_GROUP_REGEX_FILTER", g.RegexFilter})
		}
		if len(g.Allowed) > 0 {
			out = append(out, [2]string{"CODER_OIDC_ALLOWED_GROUPS", strings.Join(g.Allowed, ",")})
		}
	}
	if r := id.Roles; r != nil {
		out = append(out,
			[2]string{"CODER_OIDC_USER_ROLE_FIELD", r.Field},
			[2]string{"CODER_OIDC_USER_ROLE_MAPPING", jsonObject(roleMapping(r.Mapping))},
		)
	}
	return out
}

// jsonObject renders a map as JSON with sorted keys (encoding/json sorts
// map keys), so the release does not change between runs.
func jsonObject[V any](m map[string]V) string {
	if m == nil {
		return "{}"
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // string keys and string or []string values always marshal
	}
	return string(b)
}

// roleMapping adds an empty mapping for every site role's name the stack
// does not map: coderd passes an unmapped claim value through as a role
// name (enterprise/coderd/enidpsync/role.go), so an IdP group that happens
// to be called "owner" would grant owner.
func roleMapping(m map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, r := range standards.SiteRoles {
		out[r] = []string{}
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}
