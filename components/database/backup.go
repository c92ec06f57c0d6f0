package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/backupplan"
	"github.com/platformeng/coder-platform/components/security"
)

// BackupArgs is the AWS Backup plan of the database.
type BackupArgs struct {
	// Schedule is an AWS Backup cron expression (UTC).
	Schedule      string
	RetentionDays int
	// CopyRegion holds a copy of every recovery point; CopyProvider is the
	// AWS provider of that region.
	CopyRegion        string
	CopyProvider      pulumi.ProviderResource
	CopyRetentionDays int
	// VaultLock, when set, locks both vaults (compliance mode once
	// ChangeableForDays have passed).
	VaultLock *VaultLock
}

// VaultLock is a vault lock configuration.
type VaultLock struct {
	MinRetentionDays, MaxRetentionDays, ChangeableForDays int
}

// createBackups creates a vault in each region, each encrypted with a key of
// its own region, and a plan that backs up the cluster and copies every
// recovery point to the second region.
func (a *Aurora) createBackups(ctx *pulumi.Context, name string, args *AuroraArgs) error {
	b := args.Backup
	if b.CopyProvider == nil || b.CopyRegion == "" {
		return fmt.Errorf("backup copy needs a region and its provider (got region %q)", b.CopyRegion)
	}
	primary, err := backup.NewVault(ctx, name, &backup.VaultArgs{
		KmsKeyArn: args.Keys.Backup,
		Tags:      pulumi.StringMap{"Name": pulumi.String(name)},
	}, pulumi.Parent(a), pulumi.Protect(true))
	if err != nil {
		return err
	}
	copyKeys, err := security.NewKeys(ctx, name+"-dr-"+b.CopyRegion, &security.KeysArgs{
		Region: b.CopyRegion, AccountID: args.AccountID, Purposes: []security.Purpose{security.KeyBackup, security.KeySecrets},
		AliasPrefix: fmt.Sprintf("%s/dr", args.Identifier),
	}, pulumi.Parent(a), pulumi.Provider(b.CopyProvider))
	if err != nil {
		return err
	}
	dr, err := backup.NewVault(ctx, name+"-dr", &backup.VaultArgs{
		KmsKeyArn: copyKeys.Arn(security.KeyBackup),
		Tags:      pulumi.StringMap{"Name": pulumi.String(name + "-dr")},
	}, pulumi.Parent(a), pulumi.Provider(b.CopyProvider), pulumi.Protect(true))
	if err != nil {
		return err
	}
	if l := b.VaultLock; l != nil {
		for i, v := range []struct {
			vault *backup.Vault
			prov  pulumi.ProviderResource
		}{{primary, nil}, {dr, b.CopyProvider}} {
			o := []pulumi.ResourceOption{pulumi.Parent(v.vault)}
			if v.prov != nil {
				o = append(o, pulumi.Provider(v.prov))
			}
			if _, err := backup.NewVaultLockConfiguration(ctx, fmt.Sprintf("%s-lock-%d", name, i), &backup.VaultLockConfigurationArgs{
				BackupVaultName:   v.vault.Name,
				MinRetentionDays:  pulumi.Int(l.MinRetentionDays),
				MaxRetentionDays:  pulumi.Int(l.MaxRetentionDays),
				ChangeableForDays: pulumi.Int(l.ChangeableForDays),
			}, o...); err != nil {
				return err
			}
		}
	}
	a.VaultName, a.VaultArn, a.CopyVaultArn, a.CopyKeys = primary.Name, primary.Arn, dr.Arn, copyKeys
	_, err = backupplan.New(ctx, name, backupplan.Args{
		AccountID: args.AccountID, RuleName: "daily-with-cross-region-copy", VaultName: primary.Name,
		Schedule: b.Schedule, RetentionDays: b.RetentionDays, CopyVaultArn: dr.Arn, CopyRetentionDays: b.CopyRetentionDays,
		RecoveryPointTags: pulumi.StringMap{"coder:source": pulumi.String(args.Identifier)},
		RoleDescription:   "AWS Backup of the Coder database",
		Resources:         pulumi.StringArray{a.ClusterArn},
	}, a)
	return err
}

// recovery documents what RPO and RTO rest on.
func recovery(args *AuroraArgs) pulumi.Map {
	return pulumi.Map{
		"pointInTimeRecoveryDays": pulumi.Int(args.BackupRetentionDays),
		"inRegionRpo":             pulumi.String("about 5 minutes: Aurora continuous backup, restorable to any second in the window"),
		"failoverRto":             pulumi.String("about 1 minute: Aurora promotes the reader in another AZ"),
		"restoreRto":              pulumi.String("under 1 hour: point-in-time restore into a new cluster, then repoint coderd"),
		"crossRegionRpo":          pulumi.Sprintf("the backup interval (%s UTC) plus copy time", args.Backup.Schedule),
		"crossRegionRto":          pulumi.Sprintf("a few hours: restore the latest copy in %s and deploy the stack there", args.Backup.CopyRegion),
		"backupRetentionDays":     pulumi.Int(args.Backup.RetentionDays),
		"copyRegion":              pulumi.String(args.Backup.CopyRegion),
		"copyRetentionDays":       pulumi.Int(args.Backup.CopyRetentionDays),
	}
}
