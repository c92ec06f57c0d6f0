package database_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/database"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/sizing"
)

const (
	dbName     = "coder-test-us-east-1"
	identifier = "coder-test"
	copyRegion = "us-west-2"

	tCluster   = "aws:rds/cluster:Cluster"
	tInstance  = "aws:rds/clusterInstance:ClusterInstance"
	tParams    = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
	tRotation  = "aws:secretsmanager/secretRotation:SecretRotation"
	tVault     = "aws:backup/vault:Vault"
	tPlan      = "aws:backup/plan:Plan"
	tLock      = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
	tSelection = "aws:backup/selection:Selection"
	tKey       = "aws:kms/key:Key"
	tProvider  = "pulumi:providers:aws"
)

func auroraArgs() *database.AuroraArgs {
	key := func(p string) pulumi.StringOutput {
		return pulumi.String("arn:aws:kms:us-east-1:123456789012:key/" + p).ToStringOutput()
	}
	return &database.AuroraArgs{
		Identifier: identifier, Region: "us-east-1", AccountID: pulumi.String("123456789012"),
		EngineVersion:                    "16",
		SubnetIDs:                        pulumi.ToStringArray([]string{"subnet-db-a", "subnet-db-b"}).ToStringArrayOutput(),
		AvailabilityZones:                []string{"us-east-1a", "us-east-1b"},
		SecurityGroupID:                  pulumi.String("sg-db").ToStringOutput(),
		Keys:                             database.Keys{Storage: key("database"), Secrets: key("secrets"), Logs: key("logs"), Backup: key("backup")},
		Sizing:                           sizing.Database(sizing.DatabaseInput{Users: 100, CoderdReplicas: 2, PoolMaxOpen: 10, SurgeReplicas: 1}),
		Readers:                          1,
		BackupRetentionDays:              7,
		DeletionProtection:               true,
		PerformanceInsightsRetentionDays: 7,
		MonitoringIntervalSeconds:        60,
		PasswordRotationDays:             30,
		LogRetentionDays:                 30,
		Backup: database.BackupArgs{
			Schedule: "cron(0 3 * * ? *)", RetentionDays: 35, CopyRegion: copyRegion, CopyRetentionDays: 14,
		},
	}
}

// registerAurora registers the cluster in us-east-1 with its backup copies
// in us-west-2, each region through its own provider as stacks does.
func registerAurora(t *testing.T, args *database.AuroraArgs) ct.Resources {
	t.Helper()
	return ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, args.Region)
		if err != nil {
			return err
		}
		dr, err := ct.AWSProvider(ctx, args.Backup.CopyRegion)
		if err != nil {
			return err
		}
		args.Backup.CopyProvider = dr
		_, err = database.NewAurora(ctx, dbName, args, pulumi.Provider(prov))
		return err
	})
}

// provider returns the AWS provider resource of region.
func provider(t *testing.T, rs ct.Resources, region string) *preview.Resource {
	t.Helper()
	p := rs.Named(tProvider, "aws-"+region)
	require.NotNil(t, p, region)
	return p
}

func usesProvider(r, p *preview.Resource) bool { return strings.HasPrefix(r.Provider, p.URN+"::") }

func TestAuroraDeletionProtection(t *testing.T) {
	t.Parallel()
	for _, protect := range []bool{true, false} {
		t.Run(fmt.Sprint(protect), func(t *testing.T) {
			t.Parallel()
			args := auroraArgs()
			args.DeletionProtection = protect
			rs := registerAurora(t, args)

			clusters := rs.OfType(tCluster)
			require.Len(t, clusters, 1)
			c := clusters[0]
			assert.Equal(t, protect, ct.Input(t, c, "deletionProtection"))
			// Whatever the config says, Pulumi will not delete the data.
			assert.True(t, c.Protect, "the cluster is protected")
			for _, i := range rs.OfType(tInstance) {
				assert.True(t, i.Protect, i.Name)
			}
			for _, v := range rs.OfType(tVault) {
				assert.True(t, v.Protect, v.Name)
			}
			assert.Equal(t, identifier, ct.String(t, c, "clusterIdentifier"))
			assert.Equal(t, false, ct.Input(t, c, "skipFinalSnapshot"))
			assert.Equal(t, identifier+"-final", ct.String(t, c, "finalSnapshotIdentifier"))
			assert.Equal(t, true, ct.Input(t, c, "storageEncrypted"))
			assert.Equal(t, "arn:aws:kms:us-east-1:123456789012:key/database", ct.String(t, c, "kmsKeyId"))
			assert.Equal(t, true, ct.Input(t, c, "iamDatabaseAuthenticationEnabled"))
			assert.Equal(t, true, ct.Input(t, c, "manageMasterUserPassword"))
		})
	}
}

func TestAuroraInstancesPerReader(t *testing.T) {
	t.Parallel()
	for _, readers := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("%d readers", readers), func(t *testing.T) {
			t.Parallel()
			args := auroraArgs()
			args.Readers = readers
			rs := registerAurora(t, args)

			cluster := rs.OfType(tCluster)[0]
			instances := rs.OfType(tInstance)
			require.Len(t, instances, readers+1, "a writer and each reader")
			for i := 0; i <= readers; i++ {
				role := "writer"
				if i > 0 {
					role = fmt.Sprintf("reader-%d", i)
				}
				in := rs.Named(tInstance, dbName+"-"+role)
				require.NotNil(t, in, role)
				assert.Equal(t, identifier+"-"+role, ct.String(t, in, "identifier"))
				assert.Equal(t, "db.serverless", ct.String(t, in, "instanceClass"))
				assert.Equal(t, args.AvailabilityZones[i%2], ct.String(t, in, "availabilityZone"), "%s alternates AZs", role)
				assert.Equal(t, float64(min(i, 1)), ct.Input(t, in, "promotionTier"), role)
				assert.Equal(t, false, ct.Input(t, in, "publiclyAccessible"), role)
				assert.Equal(t, cluster.URN, in.Parent, role)
				assert.False(t, ct.Has(in, "engineVersion"), "%s runs its cluster's version", role)
			}
			comp := rs.OfType("coder:database:Aurora")
			require.Len(t, comp, 1)
			assert.Equal(t, float64(readers), ct.Input(t, comp[0], "readers"))
		})
	}
}

func TestAuroraEngineVersion(t *testing.T) {
	t.Parallel()
	for version, family := range map[string]string{"16": "aurora-postgresql16", "16.4": "aurora-postgresql16", "15.7": "aurora-postgresql15"} {
		args := auroraArgs()
		args.EngineVersion = version
		rs := registerAurora(t, args)
		assert.Equal(t, version, ct.String(t, rs.OfType(tCluster)[0], "engineVersion"))
		params := rs.OfType(tParams)
		require.Len(t, params, 1)
		assert.Equal(t, family, ct.String(t, params[0], "family"), version)
	}
}

// Every recovery point is copied to a vault in the copy region, encrypted
// with a key of that region, both through the copy region's provider.
func TestAuroraBackupCopy(t *testing.T) {
	t.Parallel()
	rs := registerAurora(t, auroraArgs())
	home, dr := provider(t, rs, "us-east-1"), provider(t, rs, copyRegion)

	primary := rs.Named(tVault, dbName)
	drVault := rs.Named(tVault, dbName+"-dr")
	require.NotNil(t, primary)
	require.NotNil(t, drVault)
	assert.Equal(t, "arn:aws:kms:us-east-1:123456789012:key/backup", ct.String(t, primary, "kmsKeyArn"))
	assert.True(t, usesProvider(primary, home), "primary vault in the cluster's region")
	assert.True(t, usesProvider(drVault, dr), "copy vault in %s", copyRegion)
	drKeyArn := ct.String(t, drVault, "kmsKeyArn")
	assert.True(t, strings.HasPrefix(drKeyArn, "arn:aws:kms:"+copyRegion+":"), "copy vault key %s is of the copy region", drKeyArn)

	// Two keys in the copy region: the vault's, and the secrets replicas'.
	keys := rs.OfType(tKey)
	require.Len(t, keys, 2)
	for _, k := range keys {
		assert.True(t, usesProvider(k, dr), "the copy keys are created in %s", copyRegion)
		assert.Contains(t, ct.String(t, k, "description"), "("+copyRegion+")")
	}

	plans := rs.OfType(tPlan)
	require.Len(t, plans, 1)
	rule := func(path string) any { return ct.Input(t, plans[0], "rules[0]."+path) }
	assert.Equal(t, "cron(0 3 * * ? *)", rule("schedule"))
	assert.Equal(t, 35.0, rule("lifecycle.deleteAfter"))
	copies := rule("copyActions").([]any)
	require.Len(t, copies, 1, "one copy rule")
	cp := copies[0].(map[string]any)
	assert.True(t, strings.HasPrefix(cp["destinationVaultArn"].(string), "arn:aws:backup:"+copyRegion+":"), cp["destinationVaultArn"])
	assert.Equal(t, map[string]any{"deleteAfter": 14.0}, cp["lifecycle"])

	sel := rs.OfType(tSelection)
	require.Len(t, sel, 1)
	assert.Equal(t, []any{"arn:aws:rds:us-east-1:123456789012:cluster:" + identifier}, ct.Input(t, sel[0], "resources"))
	assert.Empty(t, rs.OfType(tLock), "no vault lock unless asked")

	// The master password rotates on the schedule given.
	rot := rs.OfType(tRotation)
	require.Len(t, rot, 1)
	assert.Contains(t, ct.String(t, rot[0], "secretId"), ":secret:rds!cluster-")
	assert.Equal(t, 30.0, ct.Input(t, rot[0], "rotationRules.automaticallyAfterDays"))
}

func TestAuroraVaultLock(t *testing.T) {
	t.Parallel()
	args := auroraArgs()
	args.Backup.VaultLock = &database.VaultLock{MinRetentionDays: 7, MaxRetentionDays: 400, ChangeableForDays: 3}
	rs := registerAurora(t, args)
	home, dr := provider(t, rs, "us-east-1"), provider(t, rs, copyRegion)

	locks := rs.OfType(tLock)
	require.Len(t, locks, 2, "both vaults are locked")
	for i, want := range []*preview.Resource{home, dr} {
		l := rs.Named(tLock, fmt.Sprintf("%s-lock-%d", dbName, i))
		require.NotNil(t, l, i)
		assert.True(t, usesProvider(l, want), "lock %d in its vault's region", i)
		assert.Equal(t, 400.0, ct.Input(t, l, "maxRetentionDays"))
		assert.Equal(t, 3.0, ct.Input(t, l, "changeableForDays"))
	}
}

// Without the copy region's provider the component says so (it panicked
// dereferencing a nil provider).
func TestAuroraBackupCopyNeedsItsProvider(t *testing.T) {
	t.Parallel()
	_, err := ct.RunErr(func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		_, err = database.NewAurora(ctx, dbName, auroraArgs(), pulumi.Provider(prov))
		return err
	})
	require.ErrorContains(t, err, "backup copy needs a region and its provider")
}
