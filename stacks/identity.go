package stacks

import (
	"slices"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/stacks/config"
)

// identityArgs turns coder.identity and the OIDC sync settings into
// coderd's settings.
func identityArgs(cc config.Coder) coder.IdentityArgs {
	id := cc.Identity
	out := coder.IdentityArgs{
		PasswordLogin: id.PasswordLogin, OwnerWorkspaceAccess: id.OwnerWorkspaceAccess,
		Session: id.Session, TokenLifetime: id.TokenLifetime, AdminTokenLifetime: id.AdminTokenLifetime, SCIM: id.SCIM,
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

// configuredGroups are the groups the Day-2 configuration holds in the
// templates' organization: Everyone, whose allowance is every member's
// quota (each workspace costs one credit a day; the most any template
// allows), and every group a template is granted to, created empty with no
// allowance of its own (allowances add up across a member's groups).
func configuredGroups(cfg *config.Stack) []delivery.Group {
	t := cfg.Templates
	if !t.Delivering() || len(t.Composed) == 0 {
		return nil
	}
	quota := 0
	var names []string
	for _, ct := range t.Composed {
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
