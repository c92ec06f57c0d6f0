package database_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/database"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
	"github.com/platformeng/coder-platform/sizing"
)

// A restore builds a new cluster, with a new identifier, from the recovery
// point; everything else is the cluster's own configuration.
func TestAuroraRestore(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		restore  database.Restore
		pitr     map[string]any
		snapshot any
	}{
		{"point in time", database.Restore{Generation: "pitr-20261130t1405", PointInTime: "2026-11-30T14:05:00Z", SourceCluster: identifier},
			map[string]any{"sourceClusterIdentifier": identifier, "restoreToTime": "2026-11-30T14:05:00Z", "restoreType": "full-copy"}, nil},
		{"snapshot", database.Restore{Generation: "snap-0a1b2c3d4e", Snapshot: "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:awsbackup:job-1"},
			nil, "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:awsbackup:job-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := auroraArgs()
			args.Restore = &c.restore
			rs := registerAurora(t, args)
			cl := rs.OfType(tCluster)
			require.Len(t, cl, 1)
			want := identifier + "-" + c.restore.Generation
			assert.Equal(t, want, ct.String(t, cl[0], "clusterIdentifier"))
			assert.Equal(t, want+"-final", ct.String(t, cl[0], "finalSnapshotIdentifier"))
			if c.pitr == nil {
				assert.Equal(t, c.snapshot, ct.Input(t, cl[0], "snapshotIdentifier"))
				assert.NotContains(t, cl[0].Inputs, "restoreToPointInTime")
			} else {
				assert.Equal(t, c.pitr, ct.Input(t, cl[0], "restoreToPointInTime"))
				assert.NotContains(t, cl[0].Inputs, "snapshotIdentifier")
			}
			// The old cluster leaves the stack but stays in AWS.
			assert.True(t, cl[0].RetainOnDelete)
			// Encryption, IAM auth and the managed password stay the cluster's.
			assert.Equal(t, true, ct.Input(t, cl[0], "storageEncrypted"))
			assert.Equal(t, true, ct.Input(t, cl[0], "manageMasterUserPassword"))
			assert.True(t, cl[0].Protect)
			for _, in := range rs.OfType(tInstance) {
				assert.Contains(t, ct.String(t, in, "identifier"), want+"-", in.Name)
			}
			logs := rs.Named("aws:cloudwatch/logGroup:LogGroup", dbName+"-postgresql")
			require.NotNil(t, logs)
			assert.Equal(t, "/aws/rds/cluster/"+want+"/postgresql", ct.String(t, logs, "name"))
		})
	}
	// Without a restore, nothing of it is registered.
	rs := registerAurora(t, auroraArgs())
	c := rs.OfType(tCluster)[0]
	assert.NotContains(t, c.Inputs, "snapshotIdentifier")
	assert.NotContains(t, c.Inputs, "restoreToPointInTime")
	assert.Empty(t, rs.OfType(tGlobal))
}

const tGlobal = "aws:rds/globalCluster:GlobalCluster"

// A global database: the cluster becomes its primary, and a standby in the
// backup region joins it with no credentials of its own.
func TestAuroraGlobalDatabase(t *testing.T) {
	t.Parallel()
	args := auroraArgs()
	args.Global = true
	rs := ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, args.Region)
		if err != nil {
			return err
		}
		dr, err := ct.AWSProvider(ctx, copyRegion)
		if err != nil {
			return err
		}
		args.Backup.CopyProvider = dr
		a, err := database.NewAurora(ctx, dbName, args, pulumi.Provider(prov))
		if err != nil {
			return err
		}
		_, err = database.NewStandby(ctx, "coder-test-us-west-2-db", &database.StandbyArgs{
			Identifier: identifier, GlobalClusterID: a.GlobalClusterID, Region: copyRegion, EngineVersion: "16",
			SubnetIDs:         pulumi.ToStringArray([]string{"subnet-w-a", "subnet-w-b"}).ToStringArrayOutput(),
			AvailabilityZones: []string{"us-west-2a", "us-west-2b"}, SecurityGroupID: pulumi.String("sg-w").ToStringOutput(),
			Storage:            pulumi.String("arn:aws:kms:us-west-2:123456789012:key/database").ToStringOutput(),
			Logs:               pulumi.String("arn:aws:kms:us-west-2:123456789012:key/logs").ToStringOutput(),
			Sizing:             sizing.Database(sizing.DatabaseInput{Users: 100, CoderdReplicas: 2, PoolMaxOpen: 10, SurgeReplicas: 1}),
			DeletionProtection: true, LogRetentionDays: 30, DependsOn: []pulumi.Resource{a},
		}, pulumi.Provider(dr))
		return err
	})
	g := rs.OfType(tGlobal)
	require.Len(t, g, 1)
	assert.Equal(t, identifier+"-global", ct.String(t, g[0], "globalClusterIdentifier"))
	assert.Equal(t, true, ct.Input(t, g[0], "forceDestroy"))
	assert.True(t, g[0].Protect)

	standby := rs.Named(tCluster, "coder-test-us-west-2-db-standby")
	require.NotNil(t, standby)
	assert.Equal(t, identifier+"-standby", ct.String(t, standby, "clusterIdentifier"))
	assert.Equal(t, "arn:aws:kms:us-west-2:123456789012:key/database", ct.String(t, standby, "kmsKeyId"))
	assert.Equal(t, true, ct.Input(t, standby, "deletionProtection"))
	for _, k := range []string{"masterUsername", "manageMasterUserPassword", "databaseName"} {
		assert.NotContains(t, standby.Inputs, k, "a secondary takes the primary's %s", k)
	}
	assert.True(t, usesProvider(standby, provider(t, rs, copyRegion)))
	reader := rs.Named(tInstance, "coder-test-us-west-2-db-standby-reader")
	require.NotNil(t, reader)
	assert.Equal(t, "us-west-2a", ct.String(t, reader, "availabilityZone"))
}
