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
	params, err := rds.NewClusterParameterGroup(ctx, name, &rds.ClusterParameterGroupArgs{
		Family:      pulumi.Sprintf("aurora-postgresql%s", majorVersion(args.EngineVersion)),
		Description: pulumi.String("Coder: TLS only, slow-query logging"),
		Parameters: rds.ClusterParameterGroupParameterArray{
			param("rds.force_ssl", "1"),
			param("ssl_min_protocol_version", "TLSv1.2"),
			param("log_min_duration_statement", "1000"),
			param("shared_preload_libraries", "pg_stat_statements"),
		},
	}, pulumi.Parent(a))
	if err != nil {
		return err
	}
	// Created first with the logs key and retention, so RDS never makes an
	// unencrypted, never-expiring group of its own.
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-postgresql", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/aws/rds/cluster/%s/postgresql", args.Identifier),
		KmsKeyId:        args.Keys.Logs,
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, pulumi.Parent(a), pulumi.Protect(true))
	if err != nil {
		return err
	}
	cluster, err := rds.NewCluster(ctx, name, &rds.ClusterArgs{
		ClusterIdentifier:                pulumi.String(args.Identifier),
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
		FinalSnapshotIdentifier:          pulumi.Sprintf("%s-final", args.Identifier),
		EnabledCloudwatchLogsExports:     pulumi.StringArray{pulumi.String("postgresql")},
		Serverlessv2ScalingConfiguration: &rds.ClusterServerlessv2ScalingConfigurationArgs{
			MinCapacity: pulumi.Float64(args.Sizing.MinACU),
			MaxCapacity: pulumi.Float64(args.Sizing.MaxACU),
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(args.Identifier), "coder:backup": pulumi.String("daily")},
	}, pulumi.Parent(a), pulumi.Protect(true), pulumi.DependsOn([]pulumi.Resource{logs}))
	if err != nil {
		return err
	}

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
			Identifier:                         pulumi.Sprintf("%s-%s", args.Identifier, role),
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
			CaCertIdentifier:                   pulumi.String("rds-ca-rsa2048-g1"),
			Tags:                               pulumi.StringMap{"Name": pulumi.Sprintf("%s-%s", args.Identifier, role)},
		}, pulumi.Parent(cluster), pulumi.Protect(true)); err != nil {
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
