package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Every identity and licence rule, with the message a user sees.
func TestIdentityRules(t *testing.T) {
	cases := []struct {
		name, stack, key string
		edit             func(any) any
		want             string
	}{
		{"too many owners", "prod", "coder", set("identity.owners", []any{"a@acme-corp.com", "b@acme-corp.com", "c@acme-corp.com", "d@acme-corp.com"}),
			`coder.identity.owners: got ["a@acme-corp.com" "b@acme-corp.com" "c@acme-corp.com" "d@acme-corp.com"]; lists 4 owners; at most coder.identity.maxOwners (3) may hold the owner role`},
		{"no owners", "prod", "coder", set("identity.owners", nil),
			`coder.identity.owners: got nothing; name the 2–3 people who hold the owner role (their sign-in emails); the Day-2 configuration checks coderd against them`},
		{"owner cap beyond the plan", "prod", "coder", set("identity.maxOwners", 5),
			`coder.identity.maxOwners: got 5; must be 2 or 3: the implementation plan's owners are 2–3 named individuals (two, so one can recover the other)`},
		{"owner not an email", "prod", "coder", set("identity.owners", []any{"platform-lead"}),
			`coder.identity.owners[0]: got "platform-lead"; must be the email address the owner signs in with`},
		{"role for everyone", "prod", "coder", set("oidc.roles.default", []any{"owner"}),
			`coder.oidc.roles.default[0]: got "owner"; would grant owner to everyone who signs in; grant it through coder.oidc.roles.mapping`},
		{"unknown role", "prod", "coder", set("oidc.roles.mapping.coder-platform-admins", []any{"admin"}),
			`coder.oidc.roles.mapping.coder-platform-admins: got ["admin"]; "admin" is not a site role role sync can grant; use owner, user-admin, template-admin, auditor`},
		{"segregation of duties", "prod", "coder", set("oidc.roles.mapping.coder-platform-admins", []any{"user-admin", "template-admin"}),
			`coder.oidc.roles.mapping.coder-platform-admins: got ["user-admin" "template-admin"]; grants both user-admin and template-admin; segregation of duties keeps them apart (docs/identity.md)`},
		{"auditor audits", "prod", "coder", set("oidc.roles.mapping.coder-security-audit", []any{"auditor", "owner"}),
			`coder.oidc.roles.mapping.coder-security-audit: got ["auditor" "owner"]; grants both auditor and owner; segregation of duties keeps them apart (docs/identity.md)`},
		{"owner from two groups", "prod", "coder", set("oidc.roles.mapping.coder-platform-admins", []any{"owner"}),
			`coder.oidc.roles.mapping: got map[coder-platform-admins:[owner] coder-platform-owners:[owner] coder-security-audit:[auditor] coder-template-owners:[template-admin]]; grants owner through 2 claims; at most one IdP group (of coder.identity.owners) may hold it`},
		{"groups claim without its scope", "prod", "coder", set("oidc.scopes", []any{"openid", "profile", "email"}),
			`coder.oidc.scopes: got ["openid" "profile" "email"]; must include "groups" for group sync from the groups claim`},
		{"bad group filter", "prod", "coder", set("oidc.groups.regexFilter", "^(dev"),
			`coder.oidc.groups.regexFilter: got "^(dev"; must be a regular expression (Go syntax)`},
		{"token outlives a leaver", "prod", "coder", func(v any) any {
			id := v.(map[string]any)["identity"].(map[string]any)
			id["scim"], id["maxTokenLifetime"] = false, "2160h"
			return v
		},
			`coder.identity.maxTokenLifetime: got "2160h"; lets a leaver's API token outlive coder.identity.maxLeaverAccess (720h); shorten it, or turn on coder.identity.scim so the IdP suspends leavers`},
		{"session duration", "prod", "coder", set("identity.sessionDuration", "2d"),
			`coder.identity.sessionDuration: got "2d"; must be a duration from 1h0m0s to 24h0m0s, such as 8h or 720h`},
		{"leaver access beyond the plan", "prod", "coder", set("identity.maxLeaverAccess", "2000h"),
			`coder.identity.maxLeaverAccess: got "2000h"; must be a duration from 1h0m0s to 720h0m0s, such as 8h or 720h`},
		{"tokens that die before they rotate", "prod", "coder", set("identity.maxAdminTokenLifetime", "24h"),
			`coder.identity.maxAdminTokenLifetime: got "24h"; must be a duration from 48h0m0s to 2160h0m0s, such as 8h or 720h`},
		{"group sync outside the default organization", "workshop", "templates", set("organization", "demo"),
			`templates.organization: got "demo"; must be default while coder.oidc.groups is set: users who sign in join the default organization only, so groups elsewhere would stay empty`},
		{"suspension too soon", "workshop", "coder", set("identity.suspendInactiveDays", 3),
			`coder.identity.suspendInactiveDays: got 3; must be 0 (never) or 7–365 days`},
		{"no password and no idp", "prod", "coder", set("oidc", nil),
			`coder.identity.passwordLogin: got false; must be true when coder.oidc is not set: without an IdP, passwords are the only way to sign in`},
		{"scim without idp", "prod", "coder", set("oidc", nil),
			`coder.identity.scim: got true; needs coder.oidc: SCIM provisions users who then sign in through the IdP`},
		{"unlicensed", "prod", "coder", set("license", nil),
			`coder.license: got nothing; coder.provisioners needs the licensed feature external_provisioner_daemons; declare coder.license.features and put the licence in Secrets Manager`},
		{"licence without proxies", "workshop", "coder", set("license.features", []any{"external_provisioner_daemons", "high_availability", "multiple_organizations",
			"template_rbac", "access_control", "advanced_template_scheduling", "user_role_management"}),
			`coder.license.features: got ["external_provisioner_daemons" "high_availability" "multiple_organizations" "template_rbac" "access_control" "advanced_template_scheduling" "user_role_management"]; must include workspace_proxy: regions uses it`},
		{"unknown feature", "prod", "coder", func(v any) any {
			l := v.(map[string]any)["license"].(map[string]any)
			l["features"] = append(l["features"].([]any), "premium")
			return v
		}, `coder.license.features[10]: got "premium"; must be a Coder licence feature: ` + strings.Join(LicenseFeatures, ", ")},
		{"scim unlicensed", "prod", "coder", set("license.features", []any{"external_provisioner_daemons", "high_availability", "template_rbac", "access_control",
			"advanced_template_scheduling", "user_role_management", "aibridge"}),
			`coder.license.features: got ["external_provisioner_daemons" "high_availability" "template_rbac" "access_control" "advanced_template_scheduling" "user_role_management" "aibridge"]; must include scim: coder.identity.scim uses it`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mutate(t, c.stack, c.key, c.edit)
			assert.Contains(t, got, c.want)
		})
	}
}

func TestIdentityDefaults(t *testing.T) {
	s, err := Load(project, "workshop", readStack(t, "workshop").Source())
	require.NoError(t, err)
	id, lt := s.Coder.Identity, s.Lifetimes()
	assert.Equal(t, "8h0m0s", lt.Session.String(), "the plan's 8-hour sessions")
	assert.Equal(t, "720h0m0s", lt.Token.String(), "without SCIM, tokens live no longer than a leaver may keep access")
	assert.Equal(t, "168h0m0s", lt.AdminToken.String(), "Coder's default for owners")
	assert.Equal(t, 3, id.MaxOwners)
	assert.False(t, id.PasswordLogin)
	assert.False(t, id.OwnerWorkspaceAccess)

	p, err := Load(project, "prod", readStack(t, "prod").Source())
	require.NoError(t, err)
	assert.Equal(t, "2160h0m0s", p.Lifetimes().Token.String(), "with SCIM, the plan's 90-day service tokens")
	assert.Contains(t, p.Coder.OIDC.Scopes, "groups", "group sync from the groups claim asks for its scope")
}

// The plan's property 16 (role segregation): whatever the mapping, the
// config is rejected exactly when one claim grants a pair of exclusive
// roles, and no accepted mapping grants owner through two claims.
func TestRoleSegregationProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		mapping := map[string][]string{}
		n := rapid.IntRange(1, 5).Draw(t, "claims")
		for i := range n {
			roles := rapid.SliceOfNDistinct(rapid.SampledFrom(SiteRoles), 1, 4, rapid.ID[string]).Draw(t, fmt.Sprintf("roles%d", i))
			mapping[fmt.Sprintf("group-%d", i)] = roles
		}
		p := &problems{}
		validateRoleSync(&OIDC{Roles: &RoleSync{Field: "groups", Mapping: mapping}}, p)
		exclusive, owners := false, 0
		for _, roles := range mapping {
			for _, pair := range ExclusiveRoles {
				if slices.Contains(roles, pair[0]) && slices.Contains(roles, pair[1]) {
					exclusive = true
				}
			}
			if slices.Contains(roles, RoleOwner) {
				owners++
			}
		}
		segregation := slices.ContainsFunc(p.list, func(pr Problem) bool { return strings.Contains(pr.Allowed, "segregation of duties") })
		if segregation != exclusive {
			t.Fatalf("mapping %v: segregation problem %v, exclusive pair %v", mapping, segregation, exclusive)
		}
		if len(p.list) == 0 && owners > 1 {
			t.Fatalf("mapping %v grants owner through %d claims and was accepted", mapping, owners)
		}
	})
}
