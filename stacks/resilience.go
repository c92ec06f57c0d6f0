package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/database"
	"github.com/platformeng/coder-platform/components/resilience"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/stacks/config"
)

// deployResilience backs up the region's workspace home volumes, restores
// the home volumes config asks for, and runs the global database's standby
// when this is the backup region (docs/disaster-recovery.md).
func deployResilience(s *scope) error {
	cfg, r := s.cfg, s.r
	rc := r.Config
	if v := cfg.Resilience.Volumes; v.On() {
		args := &resilience.HomeBackupArgs{
			Region: rc.Name, AccountID: s.account, VaultKeyArn: r.Keys.Arn(security.KeyBackup),
			Schedule: v.Schedule, RetentionDays: v.RetentionDays, CopyRetentionDays: v.CopyRetentionDays,
			AlarmTopicArn: r.Monitoring.TopicArn, RunbookURL: cfg.Observability.RunbookURL,
		}
		if r.Database != nil {
			args.VaultName = r.Database.VaultName // the control plane's vault
		}
		if v.Copied() {
			args.CopyVaultArn = homeCopyVault(cfg, s.p, rc.Name)
		}
		if _, err := resilience.NewHomeBackup(s.ctx, s.name, args, s.opts...); err != nil {
			return err
		}
	}
	for _, vr := range cfg.Resilience.VolumeRestores {
		if vr.Region != rc.Name {
			continue
		}
		if _, err := resilience.NewHomeRestore(s.ctx, fmt.Sprintf("%s-restore-%s", s.name, vr.Name), &resilience.HomeRestoreArgs{
			Claim: vr.Name, Snapshot: vr.Snapshot, AvailabilityZone: vr.AvailabilityZone, SizeGiB: vr.SizeGiB,
			EBSKeyArn: r.Keys.Arn(security.KeyEBS), KubeProvider: r.Cluster.KubeProvider,
		}, s.after(r.Cluster)...); err != nil {
			return err
		}
	}
	if cfg.Database.GlobalDatabase && rc.Name == cfg.Database.Backup.CopyRegion {
		return deployStandby(s)
	}
	return nil
}

// homeCopyVault is where a region's home recovery points are copied: the
// backup region's vault, or, for the backup region itself, the control
// plane's.
func homeCopyVault(cfg *config.Plan, p *Platform, region string) pulumi.StringInput {
	db := p.ControlPlane.Database
	if region == cfg.Database.Backup.CopyRegion {
		return db.VaultArn
	}
	return db.CopyVaultArn
}

// secretReplica is where a region's irreplaceable secrets are replicated:
// the backup region, or, for the backup region itself, the control plane.
func secretReplica(cfg *config.Plan, p *Platform, region string) *coder.SecretReplica {
	cp := p.ControlPlane
	if region == cfg.Database.Backup.CopyRegion {
		return &coder.SecretReplica{Region: cp.Config.Name, KeyArn: cp.Keys.Arn(security.KeySecrets)}
	}
	return &coder.SecretReplica{Region: cfg.Database.Backup.CopyRegion, KeyArn: cp.Database.CopyKeys.Arn(security.KeySecrets)}
}

// deployStandby is the Aurora global database's secondary, in the backup
// region's own database subnets.
func deployStandby(s *scope) error {
	cfg, r, primary := s.cfg, s.r, s.p.ControlPlane.Database
	_, err := database.NewStandby(s.ctx, s.name+"-db", &database.StandbyArgs{
		Identifier: cfg.DatabaseIdentifier(), GlobalClusterID: primary.GlobalClusterID,
		Region: r.Config.Name, EngineVersion: cfg.Database.EngineVersion,
		SubnetIDs: r.Network.DatabaseSubnetIDs, AvailabilityZones: r.Config.AvailabilityZones,
		SecurityGroupID: r.Network.DatabaseSecurityGroupID,
		Storage:         r.Keys.Arn(security.KeyDatabase), Logs: r.Keys.Arn(security.KeyLogs),
		Sizing: cfg.DatabaseSizing(), DeletionProtection: cfg.Database.DeletionProtected(),
		LogRetentionDays: cfg.Cluster.LogRetentionDays, DependsOn: []pulumi.Resource{primary},
	}, s.opts...)
	return err
}

// databaseRestore is the Aurora restore config asks for, nil for none.
func databaseRestore(cfg *config.Plan) *database.Restore {
	rs := cfg.Database.Restore
	if !rs.Set() {
		return nil
	}
	return &database.Restore{Generation: rs.Generation(), PointInTime: rs.PointInTime, SourceCluster: rs.SourceCluster, Snapshot: rs.Snapshot}
}
