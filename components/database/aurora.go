// Package database is Coder's PostgreSQL: an Aurora Serverless v2 cluster
// with a writer and readers across AZs, encrypted with customer-managed
// keys, TLS-only, with IAM authentication, a rotating Secrets Manager
// master password, and backups kept in two regions.
package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/sizing"
)

// Names inside the cluster.
const (
	DatabaseName   = "coder"
	MasterUsername = "coder_admin"
	// CoderUser is the IAM-authenticated role coderd connects as.
	CoderUser = "coder"
	Port      = 5432
)

// AuroraArgs configures the cluster.
type AuroraArgs struct {
	// Identifier is the cluster identifier.
	Identifier string
	Region     string
	AccountID  pulumi.StringInput
	// EngineVersion is the major version ("16"): RDS creates the cluster on
	// that major's default minor, and auto minor upgrades move it on. The
	// provider keeps a configured version that is a prefix of the running one
	// (terraform-provider-aws compareActualEngineVersion), so after an
	// upgrade the next update proposes no engine change.
	EngineVersion     string
	SubnetIDs         pulumi.StringArrayOutput
	AvailabilityZones []string
	SecurityGroupID   pulumi.StringOutput
	Keys              Keys
	Sizing            sizing.DatabaseSizing
	Readers           int
	// BackupRetentionDays is the point-in-time-recovery window.
	BackupRetentionDays              int
	DeletionProtection               bool
	PerformanceInsightsRetentionDays int
	MonitoringIntervalSeconds        int
	PasswordRotationDays             int
	LogRetentionDays                 int
	Backup                           BackupArgs
	// Restore, when set, builds the cluster from a point in time or a
	// snapshot instead of an empty database.
	Restore *Restore
	// Global makes the cluster the primary of an Aurora global database
	// (its secondary is a Standby in the backup region).
	Global bool
}

// Restore is where a restored cluster's data comes from: one of
// PointInTime (with SourceCluster) or Snapshot.
type Restore struct {
	// Generation tells the restored cluster from the one it replaces: it
	// is part of the new cluster's identifier.
	Generation string
	// PointInTime is an RFC 3339 instant of SourceCluster's
	// point-in-time window.
	PointInTime   string
	SourceCluster string
	// Snapshot is a cluster snapshot identifier or ARN (an AWS Backup
	// recovery point of the cluster).
	Snapshot string
}

// clusterIdentifier is the cluster's identifier: the stack's, with the
// restore generation when the cluster is restored, so the new cluster can
// exist next to the one it replaces.
func (a *AuroraArgs) clusterIdentifier() string {
	if a.Restore == nil {
		return a.Identifier
	}
	return a.Identifier + "-" + a.Restore.Generation
}

// Keys are the customer-managed keys the database uses.
type Keys struct {
	Storage pulumi.StringOutput // cluster storage and Performance Insights
	Secrets pulumi.StringOutput // the master-password secret
	Logs    pulumi.StringOutput // the postgresql log group
	Backup  pulumi.StringOutput // the primary backup vault
}

// Aurora is the database cluster.
type Aurora struct {
	pulumi.ResourceState

	ClusterArn        pulumi.StringOutput `pulumi:"clusterArn"`
	ClusterResourceID pulumi.StringOutput `pulumi:"clusterResourceId"`
	Endpoint          pulumi.StringOutput `pulumi:"endpoint"`
	ReaderEndpoint    pulumi.StringOutput `pulumi:"readerEndpoint"`
	MasterSecretArn   pulumi.StringOutput `pulumi:"masterSecretArn"`
	// Identifier is the cluster identifier in use (with a restore's
	// generation).
	Identifier pulumi.StringOutput `pulumi:"identifier"`
	// VaultName and VaultArn are the backup vault of this region;
	// CopyVaultArn the vault of the backup region, CopyKeys that region's
	// keys (backup and secrets replicas).
	VaultName    pulumi.StringOutput `pulumi:"vaultName"`
	VaultArn     pulumi.StringOutput `pulumi:"vaultArn"`
	CopyVaultArn pulumi.StringOutput `pulumi:"copyVaultArn"`
	CopyKeys     *security.Keys
	// GlobalClusterID is the global database's identifier (Global only).
	GlobalClusterID pulumi.StringOutput `pulumi:"globalClusterId"`
	// Recovery documents the recovery points behind RPO and RTO.
	Recovery pulumi.MapOutput `pulumi:"recovery"`
}

// NewAurora creates the cluster, its instances, parameters, secret
// rotation and backups.
func NewAurora(ctx *pulumi.Context, name string, args *AuroraArgs, opts ...pulumi.ResourceOption) (*Aurora, error) {
	a := &Aurora{}
	if err := ctx.RegisterComponentResourceV2(tokens.Aurora, name, pulumi.Map{
		"engineVersion": pulumi.String(args.EngineVersion),
		"minAcu":        pulumi.Float64(args.Sizing.MinACU), "maxAcu": pulumi.Float64(args.Sizing.MaxACU),
		"connectionsNeeded":      pulumi.Int(args.Sizing.ConnectionsNeeded),
		"maxConnectionsAtMinAcu": pulumi.Int(sizing.MaxConnections(args.Sizing.MinACU, args.Sizing.MaxACU)),
		"sizingBasis":            pulumi.String(args.Sizing.Basis), "connectionBasis": pulumi.String(args.Sizing.ConnectionBasis),
		"readers": pulumi.Int(args.Readers), "backupCopyRegion": pulumi.String(args.Backup.CopyRegion),
	}, a, opts...); err != nil {
		return nil, err
	}
	if err := a.build(ctx, name, args); err != nil {
		return nil, fmt.Errorf("database %s: %w", name, err)
	}
	if err := a.createBackups(ctx, name, args); err != nil {
		return nil, fmt.Errorf("database %s: %w", name, err)
	}
	a.Recovery = recovery(args).ToMapOutput()
	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{
		"clusterArn": a.ClusterArn, "clusterResourceId": a.ClusterResourceID, "endpoint": a.Endpoint,
		"readerEndpoint": a.ReaderEndpoint, "masterSecretArn": a.MasterSecretArn, "recovery": a.Recovery,
		"identifier": a.Identifier, "vaultName": a.VaultName, "vaultArn": a.VaultArn, "copyVaultArn": a.CopyVaultArn,
		"globalClusterId": a.GlobalClusterID,
	}); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Aurora) build(ctx *pulumi.Context, name string, args *AuroraArgs) error {
	subnets, err := rds.NewSubnetGroup(ctx, name, &rds.SubnetGroupArgs{
		Description: pulumi.String("Coder database subnets (no internet route)"),
		SubnetIds:   args.SubnetIDs,
	}, pulumi.Parent(a))
	if err != nil {
		return err
	}
	params, err := newParameters(ctx, name, args.EngineVersion, a)
	if err != nil {
		return err
	}
	// Created first with the logs key and retention, so RDS never makes an
	// unencrypted, never-expiring group of its own.
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-postgresql", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/aws/rds/cluster/%s/postgresql", args.clusterIdentifier()),
		KmsKeyId:        args.Keys.Logs,
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, pulumi.Parent(a), pulumi.Protect(true))
	if err != nil {
		return err
	}
	ident := args.clusterIdentifier()
	ca := &rds.ClusterArgs{
		ClusterIdentifier:                pulumi.String(ident),
		Engine:                           pulumi.String("aurora-postgresql"),
		EngineMode:                       pulumi.String("provisioned"),
		EngineVersion:                    pulumi.String(args.EngineVersion),
		DatabaseName:                     pulumi.String(DatabaseName),
		MasterUsername:                   pulumi.String(MasterUsername),
		ManageMasterUserPassword:         pulumi.Bool(true),
		MasterUserSecretKmsKeyId:         args.Keys.Secrets,
		StorageEncrypted:                 pulumi.Bool(true),
		KmsKeyId:                         args.Keys.Storage,
		IamDatabaseAuthenticationEnabled: pulumi.Bool(true),
		DbSubnetGroupName:                subnets.Name,
		VpcSecurityGroupIds:              pulumi.StringArray{args.SecurityGroupID},
		DbClusterParameterGroupName:      params.Name,
		Port:                             pulumi.Int(Port),
		BackupRetentionPeriod:            pulumi.Int(args.BackupRetentionDays),
		PreferredBackupWindow:            pulumi.String("03:00-04:00"),
		PreferredMaintenanceWindow:       pulumi.String("sun:04:30-sun:05:30"),
		CopyTagsToSnapshot:               pulumi.Bool(true),
		DeletionProtection:               pulumi.Bool(args.DeletionProtection),
		SkipFinalSnapshot:                pulumi.Bool(false),
		FinalSnapshotIdentifier:          pulumi.Sprintf("%s-final", ident),
		EnabledCloudwatchLogsExports:     pulumi.StringArray{pulumi.String("postgresql")},
		Serverlessv2ScalingConfiguration: &rds.ClusterServerlessv2ScalingConfigurationArgs{
			MinCapacity: pulumi.Float64(args.Sizing.MinACU),
			MaxCapacity: pulumi.Float64(args.Sizing.MaxACU),
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(ident), "coder:backup": pulumi.String("daily")},
	}
	restoreFrom(ca, args.Restore)
	clusterOpts := []pulumi.ResourceOption{pulumi.Parent(a), pulumi.Protect(true), pulumi.DependsOn([]pulumi.Resource{logs}),
		// A restore replaces the cluster with one of a new identifier; the
		// old one leaves the stack but stays in AWS, deletion-protected,
		// for inspection (docs/disaster-recovery.md).
		pulumi.RetainOnDelete(true)}
	if args.Global {
		// Joining the global database sets this on the cluster; the
		// provider would otherwise propose removing it.
		clusterOpts = append(clusterOpts, pulumi.IgnoreChanges([]string{"globalClusterIdentifier"}))
	}
	cluster, err := rds.NewCluster(ctx, name, ca, clusterOpts...)
	if err != nil {
		return err
	}
	a.Identifier = cluster.ClusterIdentifier

	monitoring, err := iam.NewRole(ctx, name+"-monitoring", &iam.RoleArgs{
		Description:       pulumi.String("RDS enhanced monitoring"),
		AssumeRolePolicy:  policydoc.AssumedBy("monitoring.rds.amazonaws.com", args.AccountID),
		ManagedPolicyArns: pulumi.ToStringArray([]string{"arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"}),
	}, pulumi.Parent(a))
	if err != nil {
		return err
	}
	// The writer in the first AZ, each reader in the next: Aurora promotes a
	// reader in another AZ when the writer or its AZ fails.
	for i := 0; i <= args.Readers; i++ {
		role := "writer"
		if i > 0 {
			role = fmt.Sprintf("reader-%d", i)
		}
		// No engine version here: an Aurora instance runs its cluster's, and
		// a version read back from the instance would differ from the major.
		if _, err := rds.NewClusterInstance(ctx, fmt.Sprintf("%s-%s", name, role), &rds.ClusterInstanceArgs{
			Identifier:                         pulumi.Sprintf("%s-%s", ident, role),
			ClusterIdentifier:                  cluster.ID(),
			InstanceClass:                      pulumi.String("db.serverless"),
			Engine:                             pulumi.String("aurora-postgresql"),
			AvailabilityZone:                   pulumi.String(args.AvailabilityZones[i%len(args.AvailabilityZones)]),
			PromotionTier:                      pulumi.Int(min(i, 1)),
			PubliclyAccessible:                 pulumi.Bool(false),
			PerformanceInsightsEnabled:         pulumi.Bool(true),
			PerformanceInsightsKmsKeyId:        args.Keys.Storage,
			PerformanceInsightsRetentionPeriod: pulumi.Int(args.PerformanceInsightsRetentionDays),
			MonitoringInterval:                 pulumi.Int(args.MonitoringIntervalSeconds),
			MonitoringRoleArn:                  monitoring.Arn,
			AutoMinorVersionUpgrade:            pulumi.Bool(true),
			CaCertIdentifier:                   pulumi.String(CACertificate),
			Tags:                               pulumi.StringMap{"Name": pulumi.Sprintf("%s-%s", ident, role)},
		}, pulumi.Parent(cluster), pulumi.Protect(true), pulumi.RetainOnDelete(true)); err != nil {
			return err
		}
	}
	if args.Global {
		if err := a.createGlobal(ctx, name, args, cluster); err != nil {
			return err
		}
	}

	// RDS manages the master secret; rotation only needs its schedule.
	secretArn := cluster.MasterUserSecrets.ApplyT(func(ss []rds.ClusterMasterUserSecret) (string, error) {
		for _, s := range ss {
			if s.SecretArn != nil && *s.SecretArn != "" {
				return *s.SecretArn, nil
			}
		}
		return "", fmt.Errorf("the cluster has no RDS-managed master secret")
	}).(pulumi.StringOutput)
	if _, err := secretsmanager.NewSecretRotation(ctx, name+"-master", &secretsmanager.SecretRotationArgs{
		SecretId:      secretArn,
		RotationRules: secretsmanager.SecretRotationRotationRulesArgs{AutomaticallyAfterDays: pulumi.Int(args.PasswordRotationDays)},
	}, pulumi.Parent(cluster)); err != nil {
		return err
	}
	a.ClusterArn, a.ClusterResourceID, a.Endpoint, a.ReaderEndpoint, a.MasterSecretArn =
		cluster.Arn, cluster.ClusterResourceId, cluster.Endpoint, cluster.ReaderEndpoint, secretArn
	return nil
}

// CACertificate is the RDS certificate authority of every instance.
const CACertificate = "rds-ca-rsa2048-g1"

// newParameters is the cluster parameter group: TLS 1.2 only, slow-query
// logging, pg_stat_statements.
func newParameters(ctx *pulumi.Context, name, engineVersion string, parent pulumi.Resource) (*rds.ClusterParameterGroup, error) {
	return rds.NewClusterParameterGroup(ctx, name, &rds.ClusterParameterGroupArgs{
		Family:      pulumi.Sprintf("aurora-postgresql%s", majorVersion(engineVersion)),
		Description: pulumi.String("Coder: TLS only, slow-query logging"),
		Parameters: rds.ClusterParameterGroupParameterArray{
			param("rds.force_ssl", "1"),
			param("ssl_min_protocol_version", "TLSv1.2"),
			param("log_min_duration_statement", "1000"),
			param("shared_preload_libraries", "pg_stat_statements"),
		},
	}, pulumi.Parent(parent))
}

func param(name, value string) rds.ClusterParameterGroupParameterArgs {
	return rds.ClusterParameterGroupParameterArgs{Name: pulumi.String(name), Value: pulumi.String(value), ApplyMethod: pulumi.String("pending-reboot")}
}

func majorVersion(v string) string {
	for i, c := range v {
		if c == '.' {
			return v[:i]
		}
	}
	return v
}
