package database

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/sizing"
)

// createGlobal makes the cluster the primary of an Aurora global database.
// The provider takes an existing cluster as the source
// (source_db_cluster_identifier, which requires force_destroy); the
// primary then ignores the global_cluster_identifier the join sets.
func (a *Aurora) createGlobal(ctx *pulumi.Context, name string, args *AuroraArgs, cluster *rds.Cluster) error {
	gc, err := rds.NewGlobalCluster(ctx, name+"-global", &rds.GlobalClusterArgs{
		GlobalClusterIdentifier:   pulumi.String(args.clusterIdentifier() + "-global"),
		SourceDbClusterIdentifier: cluster.Arn,
		ForceDestroy:              pulumi.Bool(true),
		DeletionProtection:        pulumi.Bool(args.DeletionProtection),
	}, pulumi.Parent(cluster), pulumi.Protect(true))
	if err != nil {
		return err
	}
	a.GlobalClusterID = gc.ID().ToStringOutput()
	return nil
}

// StandbyArgs is the global database's secondary cluster in the backup
// region: it replicates the primary's storage (lag typically under a
// second) and serves no writes until it is promoted.
type StandbyArgs struct {
	// Identifier is the primary's cluster identifier; the standby's is
	// Identifier-standby.
	Identifier      string
	GlobalClusterID pulumi.StringInput
	// Region is the backup region; AvailabilityZones its zones.
	Region            string
	EngineVersion     string
	SubnetIDs         pulumi.StringArrayOutput
	AvailabilityZones []string
	SecurityGroupID   pulumi.StringOutput
	// Storage and Logs are keys of the standby's region.
	Storage, Logs      pulumi.StringOutput
	Sizing             sizing.DatabaseSizing
	DeletionProtection bool
	LogRetentionDays   int
	// DependsOn is the primary's writer: a secondary joins a global
	// database whose primary has an instance.
	DependsOn []pulumi.Resource
}

// Standby is the secondary cluster of the global database.
type Standby struct {
	pulumi.ResourceState

	ClusterArn pulumi.StringOutput `pulumi:"clusterArn"`
	Endpoint   pulumi.StringOutput `pulumi:"endpoint"`
}

// NewStandby creates the secondary cluster and one instance. It has no
// master credentials (a secondary takes the primary's; setting them is an
// InvalidParameterValue, per terraform-provider-aws's rds cluster create).
func NewStandby(ctx *pulumi.Context, name string, args *StandbyArgs, opts ...pulumi.ResourceOption) (*Standby, error) {
	s := &Standby{}
	if err := ctx.RegisterComponentResourceV2(tokens.Standby, name, pulumi.Map{
		"region": pulumi.String(args.Region), "primary": pulumi.String(args.Identifier),
	}, s, opts...); err != nil {
		return nil, err
	}
	ident := args.Identifier + "-standby"
	subnets, err := rds.NewSubnetGroup(ctx, name+"-standby", &rds.SubnetGroupArgs{
		Description: pulumi.String("Coder database standby subnets (no internet route)"),
		SubnetIds:   args.SubnetIDs,
	}, pulumi.Parent(s))
	if err != nil {
		return nil, fmt.Errorf("database standby %s: %w", name, err)
	}
	params, err := newParameters(ctx, name+"-standby", args.EngineVersion, s)
	if err != nil {
		return nil, fmt.Errorf("database standby %s: %w", name, err)
	}
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-standby-postgresql", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/aws/rds/cluster/%s/postgresql", ident),
		KmsKeyId:        args.Logs,
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, pulumi.Parent(s), pulumi.Protect(true))
	if err != nil {
		return nil, fmt.Errorf("database standby %s: %w", name, err)
	}
	cluster, err := rds.NewCluster(ctx, name+"-standby", &rds.ClusterArgs{
		ClusterIdentifier:                pulumi.String(ident),
		GlobalClusterIdentifier:          args.GlobalClusterID,
		Engine:                           pulumi.String("aurora-postgresql"),
		EngineMode:                       pulumi.String("provisioned"),
		EngineVersion:                    pulumi.String(args.EngineVersion),
		StorageEncrypted:                 pulumi.Bool(true),
		KmsKeyId:                         args.Storage,
		IamDatabaseAuthenticationEnabled: pulumi.Bool(true),
		DbSubnetGroupName:                subnets.Name,
		VpcSecurityGroupIds:              pulumi.StringArray{args.SecurityGroupID},
		DbClusterParameterGroupName:      params.Name,
		Port:                             pulumi.Int(Port),
		CopyTagsToSnapshot:               pulumi.Bool(true),
		DeletionProtection:               pulumi.Bool(args.DeletionProtection),
		SkipFinalSnapshot:                pulumi.Bool(false),
		FinalSnapshotIdentifier:          pulumi.Sprintf("%s-final", ident),
		EnabledCloudwatchLogsExports:     pulumi.StringArray{pulumi.String("postgresql")},
		Serverlessv2ScalingConfiguration: &rds.ClusterServerlessv2ScalingConfigurationArgs{
			MinCapacity: pulumi.Float64(args.Sizing.MinACU),
			MaxCapacity: pulumi.Float64(args.Sizing.MaxACU),
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(ident)},
	}, pulumi.Parent(s), pulumi.Protect(true), pulumi.DependsOn(append([]pulumi.Resource{logs}, args.DependsOn...)),
		// A promotion detaches the standby from the global database.
		pulumi.IgnoreChanges([]string{"globalClusterIdentifier"}))
	if err != nil {
		return nil, fmt.Errorf("database standby %s: %w", name, err)
	}
	if _, err := rds.NewClusterInstance(ctx, name+"-standby-reader", &rds.ClusterInstanceArgs{
		Identifier:         pulumi.Sprintf("%s-reader", ident),
		ClusterIdentifier:  cluster.ID(),
		InstanceClass:      pulumi.String("db.serverless"),
		Engine:             pulumi.String("aurora-postgresql"),
		AvailabilityZone:   pulumi.String(args.AvailabilityZones[0]),
		PubliclyAccessible: pulumi.Bool(false),
		CaCertIdentifier:   pulumi.String(CACertificate),
		Tags:               pulumi.StringMap{"Name": pulumi.Sprintf("%s-reader", ident)},
	}, pulumi.Parent(cluster), pulumi.Protect(true)); err != nil {
		return nil, fmt.Errorf("database standby %s: %w", name, err)
	}
	s.ClusterArn, s.Endpoint = cluster.Arn, cluster.Endpoint
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{"clusterArn": s.ClusterArn, "endpoint": s.Endpoint}); err != nil {
		return nil, err
	}
	return s, nil
}
