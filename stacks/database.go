package stacks

import (
	"github.com/platformeng/coder-platform/components/database"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/stacks/config"
)

func databaseArgs(s *scope) *database.AuroraArgs {
	cfg, rc, r := s.cfg, s.r.Config, s.r
	db := cfg.Database
	var lock *database.VaultLock
	if l := db.Backup.VaultLock; l != nil {
		lock = &database.VaultLock{MinRetentionDays: l.MinRetentionDays, MaxRetentionDays: l.MaxRetentionDays, ChangeableForDays: l.ChangeableForDays}
	}
	return &database.AuroraArgs{
		Identifier:        DatabaseIdentifier(cfg),
		Region:            rc.Name,
		AccountID:         s.account,
		EngineVersion:     db.EngineVersion,
		SubnetIDs:         r.Network.DatabaseSubnetIDs,
		AvailabilityZones: rc.AvailabilityZones,
		SecurityGroupID:   r.Network.DatabaseSecurityGroupID,
		Keys: database.Keys{
			Storage: r.Keys.Arn(security.KeyDatabase), Secrets: r.Keys.Arn(security.KeySecrets),
			Logs: r.Keys.Arn(security.KeyLogs), Backup: r.Keys.Arn(security.KeyBackup),
		},
		Sizing:                           cfg.DatabaseSizing(),
		Readers:                          db.Readers,
		BackupRetentionDays:              db.BackupRetentionDays,
		DeletionProtection:               db.DeletionProtected(),
		PerformanceInsightsRetentionDays: db.PerformanceInsightsRetentionDays,
		MonitoringIntervalSeconds:        db.MonitoringIntervalSeconds,
		PasswordRotationDays:             db.PasswordRotationDays,
		LogRetentionDays:                 cfg.Cluster.LogRetentionDays,
		Backup: database.BackupArgs{
			Schedule: db.Backup.Schedule, RetentionDays: db.Backup.RetentionDays,
			CopyRegion: db.Backup.CopyRegion, CopyProvider: s.p.providers[db.Backup.CopyRegion],
			CopyRetentionDays: db.Backup.CopyRetentionDays, VaultLock: lock,
		},
		Restore: databaseRestore(cfg),
		Global:  db.GlobalDatabase,
	}
}

// reportDatabase shows the ACU arithmetic and warns where the configured
// range is below Coder's guidance for the declared users.
func reportDatabase(cfg *config.Plan, d *diagnostics) {
	if !cfg.Database.DeletionProtected() {
		d.add(Warning, "database", "deletion protection is off (database.deletionProtection: false); the policy pack reports it")
	}
}

// DatabaseIdentifier is the Aurora cluster identifier of a stack.
func DatabaseIdentifier(cfg *config.Plan) string { return cfg.DatabaseIdentifier() }
