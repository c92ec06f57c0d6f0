// Package standards holds the security baselines that config validation,
// the components and the policy pack must agree on. It is plain data.
package standards

import "slices"

// TLSPolicies are the ELB security policies that negotiate TLS 1.2 or newer
// only. The default also offers TLS 1.3.
var TLSPolicies = []string{
	"ELBSecurityPolicy-TLS13-1-2-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
	"ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
	"ELBSecurityPolicy-TLS-1-2-2017-01",
	"ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
	"ELBSecurityPolicy-FS-1-2-2019-08",
	"ELBSecurityPolicy-FS-1-2-Res-2020-10",
}

// DefaultTLSPolicy offers TLS 1.3 and 1.2 with forward-secret ciphers.
const DefaultTLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// AllowedTLSPolicy reports whether p negotiates TLS 1.2 or newer only.
func AllowedTLSPolicy(p string) bool { return slices.Contains(TLSPolicies, p) }

// MinLogRetentionDays is the shortest retention any log group may have.
const MinLogRetentionDays = 90

// MinBackupRetentionDays is the shortest AWS Backup retention for data stores.
const MinBackupRetentionDays = 90

// RequiredTags are on every taggable AWS resource (provider default tags).
var RequiredTags = []string{"project", "stack", "region", "owner", "cost-center"}

// ManualRotationDays is the rotation period of secrets whose value comes
// from outside AWS (IdP and Git client secrets, provisioner keys, proxy
// tokens): rotated by the runbook, warned about by the key-expiry alarm.
const ManualRotationDays = 90

// Coder's site roles (codersdk/rbacroles.go, v2.30.0), which role sync
// grants by name; "member" is every user's and never granted.
const (
	RoleOwner         = "owner"
	RoleUserAdmin     = "user-admin"
	RoleTemplateAdmin = "template-admin"
	RoleAuditor       = "auditor"
)

// SiteRoles are the roles role sync may grant.
var SiteRoles = []string{RoleOwner, RoleUserAdmin, RoleTemplateAdmin, RoleAuditor}
