package config

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/platformeng/coder-platform/internal/standards"
)

// Site roles Coder grants (standards: one definition for config, the
// components and the docs).
const (
	RoleOwner         = standards.RoleOwner
	RoleUserAdmin     = standards.RoleUserAdmin
	RoleTemplateAdmin = standards.RoleTemplateAdmin
	RoleAuditor       = standards.RoleAuditor
)

// SiteRoles are the roles role sync may grant.
var SiteRoles = standards.SiteRoles

// ExclusiveRoles are the pairs no one claim may grant together: the
// implementation plan's segregation of duties (task 17.3). Who manages
// users does not also decide what runs (template-admin), and the auditor
// who reviews both holds neither.
var ExclusiveRoles = [][2]string{
	{RoleUserAdmin, RoleTemplateAdmin},
	{RoleAuditor, RoleOwner},
	{RoleAuditor, RoleUserAdmin},
	{RoleAuditor, RoleTemplateAdmin},
}

// Identity is who may sign in, for how long, and how leavers lose access.
type Identity struct {
	// Owners are the people (by email) who hold the owner role, besides the
	// platform's automation account; the Day-2 configuration fails when
	// coderd has any other owner.
	Owners []string `json:"owners"`
	// MaxOwners bounds Owners (the plan: 2–3 individuals).
	MaxOwners int `json:"maxOwners"`
	// PasswordLogin keeps Coder's built-in passwords when OIDC is on
	// (CODER_DISABLE_PASSWORD_AUTH is its negation). Owners can always use
	// theirs, so a broken IdP never locks the platform out.
	PasswordLogin bool `json:"passwordLogin"`
	// OwnerWorkspaceAccess lets owners open anyone's workspace
	// (CODER_DISABLE_OWNER_WORKSPACE_ACCESS is its negation).
	OwnerWorkspaceAccess bool `json:"ownerWorkspaceAccess"`
	// SessionDuration is CODER_SESSION_DURATION: a browser session ends
	// after this long without a request (activity refreshes it).
	SessionDuration string `json:"sessionDuration"`
	// MaxTokenLifetime is CODER_MAX_TOKEN_LIFETIME, and
	// MaxAdminTokenLifetime CODER_MAX_ADMIN_TOKEN_LIFETIME (owners).
	MaxTokenLifetime      string `json:"maxTokenLifetime"`
	MaxAdminTokenLifetime string `json:"maxAdminTokenLifetime"`
	// SCIM turns on Coder's SCIM server (CODER_SCIM_AUTH_HEADER, from
	// Secrets Manager) so the IdP suspends leavers as it deprovisions them.
	SCIM bool `json:"scim"`
	// MaxLeaverAccess is the longest a leaver may keep any access after
	// the IdP disables them (the plan: 30 days); validation proves the
	// settings above meet it.
	MaxLeaverAccess string `json:"maxLeaverAccess"`
	// SuspendInactiveDays suspends accounts that have not been seen for
	// this many days (0 = never): the Day-2 configuration's daily run.
	// Coder only marks them dormant (no seat) after 90 days.
	SuspendInactiveDays int `json:"suspendInactiveDays"`
}

// GroupSync maps the IdP's groups claim onto Coder groups
// (CODER_OIDC_GROUP_*).
type GroupSync struct {
	// Field is the claim that lists the user's groups.
	Field string `json:"field"`
	// Mapping renames IdP groups to Coder groups.
	Mapping map[string]string `json:"mapping"`
	// AutoCreate creates a Coder group the first time a member signs in.
	AutoCreate bool `json:"autoCreate"`
	// RegexFilter drops groups whose (mapped) name does not match.
	RegexFilter string `json:"regexFilter"`
	// Allowed, when set, admits only members of these IdP groups (compared
	// before the mapping).
	Allowed []string `json:"allowed"`
}

// RoleSync maps an IdP claim onto Coder site roles (CODER_OIDC_USER_ROLE_*).
// Role sync sets an OIDC user's site roles at every sign-in. A claim value
// mapped to [] is ignored; an unmapped value that is a site role's name is
// ignored too (the program maps it to [] itself), since coderd would
// otherwise grant it as named.
type RoleSync struct {
	Field   string              `json:"field"`
	Mapping map[string][]string `json:"mapping"`
	// Default roles go to every user who signs in; validation keeps it
	// empty of site roles (no role is granted to everyone).
	Default []string `json:"default"`
}

// License declares the Coder licence (Premium) features the stack uses.
// The licence JWT is read from Secrets Manager
// (coder/<stack>/<region>/license) and installed by the Day-2 configuration.
type License struct {
	Features []string `json:"features"`
}

// Licensed features (codersdk.FeatureName, v2.30.0) the platform's own
// design needs; LicensedFeatureUses says where each comes from.
var LicenseFeatures = []string{
	"user_limit", "audit_log", "connection_log", "browser_only", "scim", "template_rbac",
	"user_role_management", "high_availability", "multiple_external_auth", "external_provisioner_daemons",
	"appearance", "advanced_template_scheduling", "workspace_proxy", "external_token_encryption",
	"workspace_batch_actions", "access_control", "control_shared_ports", "custom_roles",
	"multiple_organizations", "workspace_prebuilds", "aibridge",
}

// FeatureUse is one licensed feature the stack's config turns on.
type FeatureUse struct {
	Feature string
	Key     string // the config key that needs it
}

// LicensedFeatureUses lists, in a fixed order, the licensed features the
// stack needs and the setting that needs each. Coder answers the routes of
// an unlicensed feature with 403 (enterprise/coderd RequireFeatureMW).
func (s *Plan) LicensedFeatureUses() []FeatureUse {
	c := s.Coder
	var out []FeatureUse
	add := func(f, key string) { out = append(out, FeatureUse{f, key}) }
	// Builds run on provisioner daemons outside coderd, with keys.
	add("external_provisioner_daemons", "coder.provisioners")
	if len(c.Provisioners.Organizations) > 1 {
		add("multiple_organizations", "coder.provisioners.organizations")
	}
	if s.capacity != nil && s.capacity.Coderd.Replicas > 1 {
		add("high_availability", "coder.coderd.replicas")
	}
	for _, r := range s.Regions {
		if r.Role.RunsProxy() {
			add("workspace_proxy", "regions")
			break
		}
	}
	if len(c.ExternalAuth) > 1 {
		add("multiple_external_auth", "coder.externalAuth")
	}
	if s.Templates.Delivering() && len(s.composed) > 0 {
		// Template ACLs and quota allowances are groups; deprecation and
		// require-active-version are access control; autostop requirements
		// are advanced scheduling.
		add("template_rbac", "templates")
		add("access_control", "templates")
		add("advanced_template_scheduling", "templates")
	}
	if o := c.OIDC; o != nil && o.Groups != nil {
		add("template_rbac", "coder.oidc.groups")
	}
	if o := c.OIDC; o != nil && o.Roles != nil {
		add("user_role_management", "coder.oidc.roles")
	}
	if c.Identity.SCIM {
		add("scim", "coder.identity.scim")
	}
	if c.AIBridge {
		add("aibridge", "coder.aiBridge")
	}
	if st := s.Scaletest; st.Enabled && st.CleanupOn() {
		// v2.35.1's `coder exp scaletest cleanup` pauses the prebuilds
		// reconciler first (cli/exp_scaletest.go:646-656, PUT
		// /api/v2/prebuilds/settings), a route of this feature
		// (enterprise/coderd/coderd.go:657-663).
		add("workspace_prebuilds", "scaletest.cleanup")
	}
	return out
}

var roleClaim = regexp.MustCompile(`^[A-Za-z0-9_.:/-]{1,128}$`)

func validateIdentity(s *Plan, p *problems) {
	id := &s.Coder.Identity
	lt := &s.lifetimes
	lt.Session = duration(p, "coder.identity.sessionDuration", id.SessionDuration, time.Hour, 24*time.Hour)
	// Tokens rotate at half their lifetime and at most daily: a token must
	// live two days so that its successor exists before it expires.
	lt.Token = duration(p, "coder.identity.maxTokenLifetime", id.MaxTokenLifetime, 48*time.Hour, 366*24*time.Hour)
	lt.AdminToken = duration(p, "coder.identity.maxAdminTokenLifetime", id.MaxAdminTokenLifetime, 48*time.Hour, 90*24*time.Hour)
	lt.LeaverAccess = duration(p, "coder.identity.maxLeaverAccess", id.MaxLeaverAccess, time.Hour, 30*24*time.Hour)
	if id.MaxOwners < 2 || id.MaxOwners > 3 {
		p.add("coder.identity.maxOwners", id.MaxOwners, "must be 2 or 3: the implementation plan's owners are 2–3 named individuals (two, so one can recover the other)")
	}
	seen := map[string]bool{}
	for i, o := range id.Owners {
		if a, err := mail.ParseAddress(o); err != nil || a.Address != o {
			p.add(fmt.Sprintf("coder.identity.owners[%d]", i), o, "must be the email address the owner signs in with")
		} else if seen[strings.ToLower(o)] {
			p.add(fmt.Sprintf("coder.identity.owners[%d]", i), o, "is listed twice")
		}
		seen[strings.ToLower(o)] = true
	}
	if len(id.Owners) > id.MaxOwners {
		p.add("coder.identity.owners", id.Owners, "lists %d owners; at most coder.identity.maxOwners (%d) may hold the owner role", len(id.Owners), id.MaxOwners)
	}
	if len(id.Owners) == 0 {
		p.add("coder.identity.owners", id.Owners, "name the 2–3 people who hold the owner role (their sign-in emails); the Day-2 configuration checks coderd against them")
	}
	if d := id.SuspendInactiveDays; d != 0 && (d < 7 || d > 365) {
		p.add("coder.identity.suspendInactiveDays", d, "must be 0 (never) or 7–365 days")
	}
	if s.Coder.OIDC == nil && !id.PasswordLogin {
		p.add("coder.identity.passwordLogin", id.PasswordLogin, "must be true when coder.oidc is not set: without an IdP, passwords are the only way to sign in")
	}
	if id.SCIM && s.Coder.OIDC == nil {
		p.add("coder.identity.scim", id.SCIM, "needs coder.oidc: SCIM provisions users who then sign in through the IdP")
	}
	// A leaver keeps a personal API token until it expires, unless SCIM
	// suspends the account, which stops every token at once.
	if !id.SCIM && lt.Token > lt.LeaverAccess && lt.LeaverAccess > 0 {
		p.add("coder.identity.maxTokenLifetime", id.MaxTokenLifetime,
			"lets a leaver's API token outlive coder.identity.maxLeaverAccess (%s); shorten it, or turn on coder.identity.scim so the IdP suspends leavers", id.MaxLeaverAccess)
	}
	if o := s.Coder.OIDC; o != nil {
		validateGroupSync(o, p)
		validateRoleSync(o, p)
		// Users who sign in join the default organization only (the stack
		// configures no organization sync), so group sync anywhere else
		// would fill no group.
		if o.Groups != nil && s.Templates.Delivering() && s.Templates.Organization != "default" {
			p.add("templates.organization", s.Templates.Organization,
				"must be default while coder.oidc.groups is set: users who sign in join the default organization only, so groups elsewhere would stay empty")
		}
	}
	validateLicense(s, p)
}

// duration parses a Go duration within [lo, hi].
func duration(p *problems, key, raw string, lo, hi time.Duration) time.Duration {
	d, err := time.ParseDuration(raw)
	if err != nil || d < lo || d > hi {
		p.add(key, raw, "must be a duration from %s to %s, such as 8h or 720h", lo, hi)
		return 0
	}
	return d
}

func validateGroupSync(o *OIDC, p *problems) {
	g := o.Groups
	if g == nil {
		return
	}
	if !roleClaim.MatchString(g.Field) {
		p.add("coder.oidc.groups.field", g.Field, "name the ID-token or userinfo claim that lists the user's groups, such as groups")
	}
	// Coder: the field must be set "if the scope name is not 'groups'";
	// IdPs such as Okta send the groups claim only for that scope.
	if g.Field == "groups" && !slices.Contains(o.Scopes, "groups") {
		p.add("coder.oidc.scopes", o.Scopes, `must include "groups" for group sync from the groups claim`)
	}
	if g.RegexFilter != "" {
		if _, err := regexp.Compile(g.RegexFilter); err != nil {
			p.add("coder.oidc.groups.regexFilter", g.RegexFilter, "must be a regular expression (Go syntax)")
		}
	}
	for _, k := range sortedKeys(g.Mapping) {
		if strings.EqualFold(g.Mapping[k], "everyone") {
			p.add("coder.oidc.groups.mapping."+k, g.Mapping[k], "must not be Everyone: every member is in it already")
		}
	}
}

func validateRoleSync(o *OIDC, p *problems) {
	r := o.Roles
	if r == nil {
		return
	}
	if !roleClaim.MatchString(r.Field) {
		p.add("coder.oidc.roles.field", r.Field, "name the claim that lists the user's roles (an array of strings), such as roles")
	}
	if len(r.Mapping) == 0 {
		p.add("coder.oidc.roles.mapping", r.Mapping, "map at least one IdP role or group to a Coder role; without a mapping, role sync grants nothing")
	}
	for i, role := range r.Default {
		if slices.Contains(SiteRoles, role) {
			p.add(fmt.Sprintf("coder.oidc.roles.default[%d]", i), role, "would grant %s to everyone who signs in; grant it through coder.oidc.roles.mapping", role)
		} else {
			p.add(fmt.Sprintf("coder.oidc.roles.default[%d]", i), role, "must be empty: every user is a member already, and no site role is granted to everyone")
		}
	}
	owners := 0
	for _, claim := range sortedKeys(r.Mapping) {
		key := "coder.oidc.roles.mapping." + claim
		roles := r.Mapping[claim]
		if !roleClaim.MatchString(claim) {
			p.add(key, claim, "must be the IdP's role or group name (letters, digits, _ . : / -)")
		}
		for _, role := range roles {
			if !slices.Contains(SiteRoles, role) {
				p.add(key, roles, "%q is not a site role role sync can grant; use %s", role, strings.Join(SiteRoles, ", "))
			}
			if role == RoleOwner {
				owners++
			}
		}
		for _, pair := range ExclusiveRoles {
			if slices.Contains(roles, pair[0]) && slices.Contains(roles, pair[1]) {
				p.add(key, roles, "grants both %s and %s; segregation of duties keeps them apart (docs/identity.md)", pair[0], pair[1])
			}
		}
	}
	if owners > 1 {
		p.add("coder.oidc.roles.mapping", r.Mapping, "grants owner through %d claims; at most one IdP group (of coder.identity.owners) may hold it", owners)
	}
}

func validateLicense(s *Plan, p *problems) {
	l := s.Coder.License
	uses := s.LicensedFeatureUses()
	if l == nil {
		for _, u := range uses {
			p.add("coder.license", nil, "%s needs the licensed feature %s; declare coder.license.features and put the licence in Secrets Manager", u.Key, u.Feature)
			break
		}
		return
	}
	for i, f := range l.Features {
		if !slices.Contains(LicenseFeatures, f) {
			p.add(fmt.Sprintf("coder.license.features[%d]", i), f, "must be a Coder licence feature: %s", strings.Join(LicenseFeatures, ", "))
		}
	}
	for _, u := range uses {
		if !slices.Contains(l.Features, u.Feature) {
			p.add("coder.license.features", l.Features, "must include %s: %s uses it", u.Feature, u.Key)
		}
	}
}

// identityDefaults follow the implementation plan (tasks 17–19): 8-hour
// sessions, 90-day service tokens (30 without SCIM), 30 days for a leaver
// at most, 3 owners.
func identityDefaults(id *Identity) {
	if id.MaxOwners == 0 {
		id.MaxOwners = 3
	}
	if id.SessionDuration == "" {
		id.SessionDuration = "8h"
	}
	if id.MaxTokenLifetime == "" {
		// The plan's service-account tokens live 90 days; without SCIM a
		// leaver keeps a token until it expires, so 30 days at most.
		id.MaxTokenLifetime = "720h"
		if id.SCIM {
			id.MaxTokenLifetime = "2160h"
		}
	}
	if id.MaxAdminTokenLifetime == "" {
		id.MaxAdminTokenLifetime = "168h" // Coder's default: 7 days
	}
	if id.MaxLeaverAccess == "" {
		id.MaxLeaverAccess = "720h" // 30 days
	}
}
