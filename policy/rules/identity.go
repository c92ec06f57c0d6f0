package rules

import (
	"fmt"
	"time"
)

// Who may sign in to coderd and for how long, judged on coderd's env
// (option names: codersdk/deployment.go, Coder v2.30.0), and the Day-2
// configuration's owners.

// coderdEnv is coderd's env, nil for other releases and for proxies.
func coderdEnv(r *Resource) map[string]envVar {
	if _, ok := coderdValues(r); !ok {
		return nil
	}
	env, es := coderEnv(r)
	if es != known {
		return nil
	}
	return env
}

// lifetime checks that a duration option is set and at most limit; Coder's
// defaults (24h sessions, 100-year tokens) are what an unset one means.
func lifetime(env map[string]envVar, name string, limit time.Duration, unset string) string {
	e, ok := env[name]
	switch {
	case !ok:
		return fmt.Sprintf("%s is not set: Coder's default is %s.", name, unset)
	case e.state != known || e.fromSecret:
		return ""
	}
	d, err := time.ParseDuration(e.value)
	switch {
	case err != nil:
		return fmt.Sprintf("%s is %q, not a duration.", name, e.value)
	case d > limit:
		return fmt.Sprintf("%s is %s, longer than %s.", name, d, limit)
	}
	return ""
}

// findings appends the non-empty messages to out.
func findings(out []string, msgs ...string) []string {
	for _, m := range msgs {
		if m != "" {
			out = append(out, m)
		}
	}
	return out
}

var coderTokenLifetimes = &Policy{
	Name:        "coder-token-lifetimes",
	Description: "Sessions and API tokens expire: coderd bounds browser sessions and the tokens users and owners create.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "set coder.identity.sessionDuration, maxTokenLifetime and maxAdminTokenLifetime (CODER_SESSION_DURATION, CODER_MAX_TOKEN_LIFETIME, CODER_MAX_ADMIN_TOKEN_LIFETIME).",
	Params: []Param{
		{Name: "maxSessionHours", Type: "integer", Default: 24, Description: "longest browser session without activity"},
		{Name: "maxTokenDays", Type: "integer", Default: 90, Description: "longest API token a user may create (the plan's 90-day service tokens)"},
		{Name: "maxAdminTokenDays", Type: "integer", Default: 7, Description: "longest API token an owner may create"},
	},
	Types: helmTypes,
	Check: func(r *Resource, c Config) []string {
		env := coderdEnv(r)
		if env == nil {
			return nil
		}
		day := 24 * time.Hour
		return findings(nil,
			lifetime(env, "CODER_SESSION_DURATION", time.Duration(c.Int("maxSessionHours"))*time.Hour, "24h"),
			lifetime(env, "CODER_MAX_TOKEN_LIFETIME", time.Duration(c.Int("maxTokenDays"))*day, "100 years"),
			lifetime(env, "CODER_MAX_ADMIN_TOKEN_LIFETIME", time.Duration(c.Int("maxAdminTokenDays"))*day, "7 days"))
	},
}

var coderAccessHardening = &Policy{
	Name:        "coder-access-hardening",
	Description: "Sign-in goes through the IdP, sessions end after 8 idle hours, owners do not open users' workspaces, and apps run on subdomains.",
	Severity:    Medium,
	Enforcement: Advisory,
	Remediation: "keep coder.identity.passwordLogin and ownerWorkspaceAccess false and sessionDuration at 8h, or record why in the stack file.",
	Params:      []Param{{Name: "sessionHours", Type: "integer", Default: 8, Description: "the plan's idle-session limit"}},
	Types:       helmTypes,
	Check: func(r *Resource, c Config) []string {
		env := coderdEnv(r)
		if env == nil {
			return nil
		}
		var out []string
		isTrue := func(name string) bool { e, ok := env[name]; return ok && (e.state != known || e.value == "true") }
		if _, oidc := env["CODER_OIDC_ISSUER_URL"]; oidc && !isTrue("CODER_DISABLE_PASSWORD_AUTH") {
			out = append(out, "OIDC is on and password sign-in is still allowed (CODER_DISABLE_PASSWORD_AUTH is not true).")
		}
		if !isTrue("CODER_DISABLE_OWNER_WORKSPACE_ACCESS") {
			out = append(out, "owners can open every user's workspace (CODER_DISABLE_OWNER_WORKSPACE_ACCESS is not true).")
		}
		if !isTrue("CODER_DISABLE_PATH_APPS") {
			out = append(out, "workspace apps may be served by path, on the dashboard's origin (CODER_DISABLE_PATH_APPS is not true).")
		}
		return findings(out, lifetime(env, "CODER_SESSION_DURATION", time.Duration(c.Int("sessionHours"))*time.Hour, "24h"))
	},
}

var coderOwners = &Policy{
	Name:        "coder-owners",
	Description: "The owner role is held by a few named people, which the Day-2 configuration checks coderd against.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "list the 2–3 owners in coder.identity.owners.",
	Params:      []Param{{Name: "maxOwners", Type: "integer", Default: 3, Description: "the plan's 2–3 owners"}},
	Types:       []string{tConfiguration},
	Check: func(r *Resource, c Config) []string {
		owners, s := list(r.Props, "owners")
		switch {
		case s != known:
			return nil
		case len(owners) == 0:
			return []string{"no owners are declared, so nothing checks who holds the owner role."}
		case len(owners) > c.Int("maxOwners"):
			return []string{fmt.Sprintf("%d owners are declared; at most %d.", len(owners), c.Int("maxOwners"))}
		}
		return nil
	},
}
