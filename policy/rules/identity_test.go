package rules

import "testing"

func coderdWith(t *testing.T, env string) *Resource {
	return res(t, tRelease, `{"chart":"coder","values":{"coder":{"env":[`+env+`]}}}`)
}

const hardened = `{"name":"CODER_SESSION_DURATION","value":"8h0m0s"},{"name":"CODER_MAX_TOKEN_LIFETIME","value":"2160h0m0s"},
{"name":"CODER_MAX_ADMIN_TOKEN_LIFETIME","value":"168h0m0s"},{"name":"CODER_DISABLE_OWNER_WORKSPACE_ACCESS","value":"true"},
{"name":"CODER_OIDC_ISSUER_URL","value":"https://idp.example.com"},{"name":"CODER_DISABLE_PASSWORD_AUTH","value":"true"},
{"name":"CODER_DISABLE_PATH_APPS","value":"true"}`

func TestCoderTokenLifetimes(t *testing.T) {
	t.Parallel()
	checkResource(t, coderTokenLifetimes, []resourceCase{
		{"bounded", coderdWith(t, hardened), nil},
		{"coder's defaults", coderdWith(t, ``), []string{
			"CODER_SESSION_DURATION is not set: Coder's default is 24h.",
			"CODER_MAX_TOKEN_LIFETIME is not set: Coder's default is 100 years.",
			"CODER_MAX_ADMIN_TOKEN_LIFETIME is not set: Coder's default is 7 days.",
		}},
		{"a year of tokens", coderdWith(t, `{"name":"CODER_SESSION_DURATION","value":"8h"},{"name":"CODER_MAX_TOKEN_LIFETIME","value":"8760h"},{"name":"CODER_MAX_ADMIN_TOKEN_LIFETIME","value":"168h"}`),
			[]string{"CODER_MAX_TOKEN_LIFETIME is 8760h0m0s, longer than 2160h0m0s."}},
		{"not a duration", coderdWith(t, `{"name":"CODER_SESSION_DURATION","value":"1d"},{"name":"CODER_MAX_TOKEN_LIFETIME","value":"1h"},{"name":"CODER_MAX_ADMIN_TOKEN_LIFETIME","value":"1h"}`),
			[]string{`CODER_SESSION_DURATION is "1d", not a duration.`}},
		{"unknown value", coderdWith(t, `{"name":"CODER_SESSION_DURATION","value":"<unknown>"},{"name":"CODER_MAX_TOKEN_LIFETIME","value":"1h"},{"name":"CODER_MAX_ADMIN_TOKEN_LIFETIME","value":"1h"}`), nil},
		{"proxy", res(t, tRelease, `{"chart":"coder","values":{"coder":{"workspaceProxy":true,"env":[]}}}`), nil},
		{"provisioner", res(t, tRelease, `{"chart":"coder-provisioner","values":{"coder":{"env":[]}}}`), nil},
	})
}

func TestCoderAccessHardening(t *testing.T) {
	t.Parallel()
	checkResource(t, coderAccessHardening, []resourceCase{
		{"hardened", coderdWith(t, hardened), nil},
		{"weaker choices", coderdWith(t, `{"name":"CODER_SESSION_DURATION","value":"12h"},{"name":"CODER_OIDC_ISSUER_URL","value":"https://idp"},
{"name":"CODER_DISABLE_PASSWORD_AUTH","value":"false"},{"name":"CODER_DISABLE_OWNER_WORKSPACE_ACCESS","value":"false"}`), []string{
			"OIDC is on and password sign-in is still allowed (CODER_DISABLE_PASSWORD_AUTH is not true).",
			"owners can open every user's workspace (CODER_DISABLE_OWNER_WORKSPACE_ACCESS is not true).",
			"workspace apps may be served by path, on the dashboard's origin (CODER_DISABLE_PATH_APPS is not true).",
			"CODER_SESSION_DURATION is 12h0m0s, longer than 8h0m0s.",
		}},
		{"passwords without an IdP", coderdWith(t, `{"name":"CODER_SESSION_DURATION","value":"8h"},{"name":"CODER_DISABLE_OWNER_WORKSPACE_ACCESS","value":"true"},
{"name":"CODER_DISABLE_PATH_APPS","value":"true"}`), nil},
	})
}

func TestCoderOwners(t *testing.T) {
	t.Parallel()
	cfg := func(owners string) *Resource { return res(t, tConfiguration, `{"owners":`+owners+`}`) }
	checkResource(t, coderOwners, []resourceCase{
		{"two owners", cfg(`["a@example.com","b@example.com"]`), nil},
		{"none", cfg(`[]`), []string{"no owners are declared, so nothing checks who holds the owner role."}},
		{"four", cfg(`["a@x.io","b@x.io","c@x.io","d@x.io"]`), []string{"4 owners are declared; at most 3."}},
		{"unknown", cfg(`"<unknown>"`), nil},
	})
}
