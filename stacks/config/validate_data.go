package config

import (
	"math"
	"regexp"
	"strings"

	"github.com/platformeng/coder-platform/internal/standards"
	"github.com/platformeng/coder-platform/sizing"
)

var (
	cloudflareZone   = regexp.MustCompile(`^[0-9a-f]{32}$`)
	secretID         = regexp.MustCompile(`^(arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$`)
	auroraPGVersion  = regexp.MustCompile(`^1[3-7]$`)
	backupCron       = regexp.MustCompile(`^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$`)
	monitoringPeriod = map[int]bool{1: true, 5: true, 10: true, 15: true, 30: true, 60: true}
)

// validateDNSProvider checks the one DNS provider of the stack and its
// credentials: Cloudflare needs a zone and exactly one token source.
func validateDNSProvider(s *Stack, p *problems) {
	d := s.DNS
	hasToken := s.Secret(SecretCloudflareToken).Set()
	switch d.Provider {
	case "cloudflare":
		if d.TakeOver {
			p.add("dns.takeOver", true, "must be false with Cloudflare: remove the other stack's records in Cloudflare before the failover stack's update")
		}
		if d.CreateZone {
			p.add("dns.createZone", true, "must be false with Cloudflare; the zone is managed in Cloudflare")
		}
		if d.Cloudflare == nil {
			p.add("dns.cloudflare", nil, "set zoneId and the API token (apiTokenSecretId, or the secret config key %s) for Cloudflare", SecretCloudflareToken)
			return
		}
		if !cloudflareZone.MatchString(d.Cloudflare.ZoneID) {
			p.add("dns.cloudflare.zoneId", d.Cloudflare.ZoneID, "must be the 32-character hex ID of the Cloudflare zone of %s", d.BaseDomain)
		}
		switch {
		case d.Cloudflare.APITokenSecretID == "" && !hasToken:
			p.add("dns.cloudflare.apiTokenSecretId", nil,
				"the Cloudflare API token is missing: set a Secrets Manager secret ID here, or `pulumi config set --secret %s <token>`", SecretCloudflareToken)
		case d.Cloudflare.APITokenSecretID != "" && hasToken:
			p.add("dns.cloudflare.apiTokenSecretId", d.Cloudflare.APITokenSecretID,
				"must be empty when the secret config key %s is set; use one token source", SecretCloudflareToken)
		case d.Cloudflare.APITokenSecretID != "" && !secretID.MatchString(d.Cloudflare.APITokenSecretID):
			p.add("dns.cloudflare.apiTokenSecretId", d.Cloudflare.APITokenSecretID, "must be a Secrets Manager secret name or ARN")
		}
	case "route53":
		if d.Cloudflare != nil {
			p.add("dns.cloudflare", "set", "must be absent with dns.provider route53: one DNS provider per stack")
		}
		if hasToken {
			p.add(SecretCloudflareToken, secretValue{}, "is only used with dns.provider cloudflare: one DNS provider per stack")
		}
	}
}

func validateDatabase(s *Plan, p *problems) {
	db := &s.Database
	if !auroraPGVersion.MatchString(db.EngineVersion) {
		// A pinned minor breaks the next update after AWS's automatic minor
		// upgrade: the provider reads the running minor and `pulumi up` asks
		// RDS for a downgrade. A major alone is a prefix of every minor it
		// runs, which the provider treats as no change.
		p.add("database.engineVersion", db.EngineVersion, "must be an Aurora PostgreSQL major version, 13–17 (such as 16), "+
			"without a minor: AWS picks the minor and upgrades it automatically")
	}
	if db.Readers < 1 || db.Readers > 15 {
		p.add("database.readers", db.Readers, "must be 1–15: at least one reader in another AZ for automated failover")
	}
	if db.BackupRetentionDays < 1 || db.BackupRetentionDays > 35 {
		p.add("database.backupRetentionDays", db.BackupRetentionDays, "must be 1–35 days (Aurora's point-in-time-recovery window)")
	}
	pi := db.PerformanceInsightsRetentionDays
	if pi != 7 && (pi%31 != 0 || pi < 31 || pi > 731) {
		p.add("database.performanceInsightsRetentionDays", pi, "must be 7 or a multiple of 31 up to 731")
	}
	if !monitoringPeriod[db.MonitoringIntervalSeconds] {
		p.add("database.monitoringIntervalSeconds", db.MonitoringIntervalSeconds, "must be 1, 5, 10, 15, 30 or 60 (enhanced monitoring stays on)")
	}
	if db.PasswordRotationDays < 1 || db.PasswordRotationDays > 365 {
		p.add("database.passwordRotationDays", db.PasswordRotationDays, "must be 1–365 days")
	}
	if s.Coder.PgConnMaxOpen < 1 || s.Coder.PgConnMaxOpen > 500 {
		p.add("coder.pgConnMaxOpen", s.Coder.PgConnMaxOpen, "must be 1–500 connections per coderd replica")
	}
	validateBackup(&s.Stack, p)
}

// validateACU fills the ACU range from the capacity plan where it is not
// set, and rejects a floor too small for the coderd connection pools.
func validateACU(s *Plan, p *problems) {
	db := &s.Database
	rec := s.capacity.Database
	if db.MaxACU == nil {
		db.MaxACU = ptr(rec.MaxACU)
	}
	if db.MinACU == nil {
		db.MinACU = ptr(rec.MinACU)
	}
	for key, v := range map[string]float64{"database.minAcu": *db.MinACU, "database.maxAcu": *db.MaxACU} {
		if v < sizing.MinACU || v > sizing.MaxACU || math.Mod(v*2, 1) != 0 {
			p.add(key, v, "must be 0.5–256 in steps of 0.5")
		}
	}
	if *db.MaxACU < *db.MinACU {
		p.add("database.maxAcu", *db.MaxACU, "must be at least database.minAcu (%.1f)", *db.MinACU)
	}
	if *db.MinACU < rec.MinACU {
		p.add("database.minAcu", *db.MinACU, "must be at least %.1f ACU so the floor sustains every coderd connection: %s",
			rec.MinACU, rec.ConnectionBasis)
	}
	rec.MinACU, rec.MaxACU = *db.MinACU, *db.MaxACU
	s.database = rec
}

func validateBackup(s *Stack, p *problems) {
	b := s.Database.Backup
	if !backupCron.MatchString(b.Schedule) {
		p.add("database.backup.schedule", b.Schedule, "must be an AWS Backup cron expression such as cron(0 5 ? * * *)")
	}
	if b.RetentionDays < 1 {
		p.add("database.backup.retentionDays", b.RetentionDays, "must be at least 1 day (the policy pack requires %d)", standards.MinBackupRetentionDays)
	}
	if b.CopyRetentionDays < 1 {
		p.add("database.backup.copyRetentionDays", b.CopyRetentionDays, "must be at least 1 day")
	}
	cp := s.ControlPlane()
	switch {
	case b.CopyRegion == "":
		p.add("database.backup.copyRegion", b.CopyRegion, "a second region for the backup copy is required")
	case !KnownRegion(b.CopyRegion):
		p.add("database.backup.copyRegion", b.CopyRegion, "must be a commercial AWS region: %s", regionList())
	case cp != nil && b.CopyRegion == cp.Name:
		p.add("database.backup.copyRegion", b.CopyRegion, "must differ from the control-plane region %s", cp.Name)
	}
	if l := b.VaultLock; l != nil {
		// The lock applies to the primary and the copy vault alike: a
		// recovery point kept for less than its minimum is rejected.
		if floor := min(b.RetentionDays, b.CopyRetentionDays); l.MinRetentionDays < 1 || l.MinRetentionDays > floor {
			p.add("database.backup.vaultLock.minRetentionDays", l.MinRetentionDays,
				"must be 1–%d (the plan's retention, %d days, and the copy's, %d days, are the floor)", floor, b.RetentionDays, b.CopyRetentionDays)
		}
		if l.MaxRetentionDays < max(b.RetentionDays, b.CopyRetentionDays) {
			p.add("database.backup.vaultLock.maxRetentionDays", l.MaxRetentionDays,
				"must be at least the plan's retention (%d days) or backups would be rejected", max(b.RetentionDays, b.CopyRetentionDays))
		}
		if l.ChangeableForDays < 3 {
			p.add("database.backup.vaultLock.changeableForDays", l.ChangeableForDays, "must be at least 3 days (AWS Backup's grace period before compliance mode)")
		}
	}
}

func validateEdge(s *Stack, p *problems) {
	e := s.Edge
	if !standards.AllowedTLSPolicy(e.TLSPolicy) {
		p.add("edge.tlsPolicy", e.TLSPolicy, "must be a TLS 1.2+ ELB security policy: %s", strings.Join(standards.TLSPolicies, ", "))
	}
	if e.AccessLogRetentionDays < 1 {
		p.add("edge.accessLogRetentionDays", e.AccessLogRetentionDays, "must be at least 1 day")
	}
	if e.DeregistrationDelaySeconds < 0 || e.DeregistrationDelaySeconds > 3600 {
		p.add("edge.deregistrationDelaySeconds", e.DeregistrationDelaySeconds, "must be 0–3600 seconds")
	}
}
