package stacks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/stacks/config"
)

// identityArgs turns coder.identity and the OIDC sync settings into
// coderd's settings.
func identityArgs(cc config.Coder, lt config.Lifetimes) coder.IdentityArgs {
	id := cc.Identity
	out := coder.IdentityArgs{
		PasswordLogin: id.PasswordLogin, OwnerWorkspaceAccess: id.OwnerWorkspaceAccess,
		Session: lt.Session, TokenLifetime: lt.Token, AdminTokenLifetime: lt.AdminToken, SCIM: id.SCIM,
	}
	if o := cc.OIDC; o != nil {
		if g := o.Groups; g != nil {
			out.Groups = &coder.GroupSyncArgs{Field: g.Field, Mapping: g.Mapping, AutoCreate: g.AutoCreate,
				RegexFilter: g.RegexFilter, Allowed: g.Allowed}
		}
		if r := o.Roles; r != nil {
			out.Roles = &coder.RoleSyncArgs{Field: r.Field, Mapping: r.Mapping}
		}
	}
	return out
}

// groupSync is coder.oidc.groups for the templates' organization, which
// the Day-2 configuration writes into coderd's settings (nil: no sync).
func groupSync(cfg *config.Plan) *delivery.GroupSync {
	o := cfg.Coder.OIDC
	if o == nil || o.Groups == nil || !cfg.Templates.Delivering() {
		return nil
	}
	g := o.Groups
	return &delivery.GroupSync{Organization: cfg.Templates.Organization, Field: g.Field, RegexFilter: g.RegexFilter,
		AutoCreate: g.AutoCreate, Mapping: g.Mapping}
}

// configuredGroups are the groups the Day-2 configuration holds in the
// templates' organization: Everyone, whose allowance is every member's
// quota (each workspace costs one credit a day; the most any template
// allows), and every group a template is granted to, created empty with no
// allowance of its own (allowances add up across a member's groups); the
// scale test adds its own group with the run's allowance (scaletest.go).
func configuredGroups(cfg *config.Plan) []delivery.Group {
	t := cfg.Templates
	composed := cfg.Composed()
	if !t.Delivering() || len(composed) == 0 {
		return nil
	}
	quota := 0
	var names []string
	for _, ct := range composed {
		quota = max(quota, ct.Composition.Settings.MaxWorkspacesPerUser)
		names = append(names, delivery.AccessGroups(ct, t.Groups[ct.Name])...)
	}
	slices.Sort(names)
	out := []delivery.Group{{Organization: t.Organization, Name: delivery.Everyone, QuotaAllowance: quota}}
	for _, n := range slices.Compact(names) {
		out = append(out, delivery.Group{Organization: t.Organization, Name: n})
	}
	return out
}

// reportIdentity lists the licensed features the stack uses, each with the
// setting that needs it, and how long a leaver keeps access.
func reportIdentity(cfg *config.Plan, d *diagnostics) {
	var uses []string
	for _, u := range cfg.LicensedFeatureUses() {
		uses = append(uses, fmt.Sprintf("%s (%s)", u.Feature, u.Key))
	}
	if l := cfg.Coder.License; l != nil {
		d.add(Info, "stack licence", "Coder Premium features in use: %s; declared: %s (the JWT: coder/%s/<control region>/license)",
			strings.Join(slices.Compact(uses), ", "), strings.Join(l.Features, ", "), cfg.Name)
	}
	id, lt := cfg.Coder.Identity, cfg.Lifetimes()
	leaver := fmt.Sprintf("at most %s (an API token's lifetime); sessions end %s after their last use", lt.Token, lt.Session)
	if id.SCIM {
		leaver = "when the IdP's SCIM app suspends them (every session and token stops at once)"
	}
	d.add(Info, "stack identity", "%d owner(s) declared (at most %d); a leaver loses access %s; bound: coder.identity.maxLeaverAccess %s",
		len(id.Owners), id.MaxOwners, leaver, lt.LeaverAccess)
}
