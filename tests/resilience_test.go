package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/preview"
)

const tGlobalCluster = "aws:rds/globalCluster:GlobalCluster"

// databasePlans and homePlans tell the two backup plans apart by the
// component that registered them.
func databasePlans(r *preview.Result) []*preview.Resource {
	return filter(r.OfType(tBackupPlan), func(p *preview.Resource) bool { return !strings.HasSuffix(p.Name, "-homes") })
}

func homePlans(r *preview.Result) []*preview.Resource {
	return filter(r.OfType(tBackupPlan), func(p *preview.Resource) bool { return strings.HasSuffix(p.Name, "-homes") })
}

func databaseSelections(r *preview.Result) []*preview.Resource {
	return filter(r.OfType(tBackupSel), func(s *preview.Resource) bool { return !strings.HasSuffix(s.Name, "-homes") })
}

func filter(rs []*preview.Resource, keep func(*preview.Resource) bool) []*preview.Resource {
	var out []*preview.Resource
	for _, r := range rs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// Every region backs up its workspace homes, selected by the tag the home
// StorageClass puts on each volume, and copies them out of the region: to
// the backup region, or from the backup region to the control plane.
func TestHomeVolumesBackedUpInEveryRegion(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		backupRegion, cp := r.Config.Database.Backup.CopyRegion, r.Config.ControlPlane().Name
		plans := homePlans(r)
		require.Len(t, plans, len(r.Config.Regions), name)
		for _, p := range plans {
			region := regionOf(r, p)
			rules, _ := p.Input("rules")
			rule := rules.ArrayValue()[0].ObjectValue()
			assert.Equal(t, r.Config.Resilience.Volumes.Schedule, rule["schedule"].StringValue())
			want := backupRegion
			if region == backupRegion {
				want = cp
			}
			dest := rule["copyActions"].ArrayValue()[0].ObjectValue()["destinationVaultArn"].StringValue()
			assert.Contains(t, dest, "arn:aws:backup:"+want+":", "%s %s copies to %s", name, region, want)
		}
		sels := filter(r.OfType(tBackupSel), func(s *preview.Resource) bool { return strings.HasSuffix(s.Name, "-homes") })
		require.Len(t, sels, len(r.Config.Regions))
		for _, s := range sels {
			conds, _ := s.Input("conditions")
			eq := conds.ArrayValue()[0].ObjectValue()["stringEquals"].ArrayValue()[0].ObjectValue()
			assert.Equal(t, "aws:ResourceTag/"+workloads.BackupTagKey, eq["key"].StringValue())
			assert.Equal(t, workloads.BackupTagValue, eq["value"].StringValue())
			assert.Equal(t, []string{"arn:aws:ec2:" + regionOf(r, s) + ":123456789012:volume/*"}, strs(s, "resources"))
		}
		for _, sc := range r.OfType(tStorageClass) {
			if str(sc, "metadata.name") == workloads.StorageClassHome {
				assert.Equal(t, workloads.BackupTag(), str(sc, "parameters.tagSpecification_1"))
			}
		}
	}
}

// The secrets a failover cannot re-create are replicated out of their
// region with a key of the replica's region; the rest are not.
func TestIrreplaceableSecretsReplicated(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		replicated := 0
		for _, s := range r.OfType(tSecret) {
			purpose := tag(s, "coder:purpose")
			reps, ok := s.Input("replicas")
			if !coder.Irreplaceable(purpose) {
				assert.False(t, ok && len(reps.ArrayValue()) > 0, "%s %s is not replicated", name, s.Name)
				continue
			}
			require.True(t, ok, "%s %s (%s) is replicated", name, s.Name, purpose)
			rep := reps.ArrayValue()[0].ObjectValue()
			region := rep["region"].StringValue()
			assert.NotEqual(t, regionOf(r, s), region)
			assert.True(t, strings.HasPrefix(rep["kmsKeyId"].StringValue(), "arn:aws:kms:"+region+":"), rep["kmsKeyId"].StringValue())
			replicated++
		}
		assert.Positive(t, replicated, name)
	}
}

// database.restore builds the cluster from the point in time, under a new
// identifier, and coderd follows it.
func TestDatabaseRestoreInPreview(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "prod")
	sf.Values["database"] = strings.Replace(sf.Values["database"], `"engineVersion"`, `"restore":{"pointInTime":"2026-11-30T14:05:00Z"},"engineVersion"`, 1)
	r, err := preview.RunStackFile("coder-platform", "prod", sf, preview.At(testNow))
	require.NoError(t, err)
	c := r.OfType(tRDSCluster)
	require.Len(t, c, 1)
	assert.Equal(t, "coder-prod-pitr-20261130t1405", str(c[0], "clusterIdentifier"))
	assert.Equal(t, "coder-prod", str(c[0], "restoreToPointInTime.sourceClusterIdentifier"))
	assert.Equal(t, "2026-11-30T14:05:00Z", str(c[0], "restoreToPointInTime.restoreToTime"))
	assert.True(t, c[0].Protect && c[0].RetainOnDelete)
}

// The failover stack restores the copied recovery point in the backup
// region and takes over the access records; prod never overwrites one.
func TestFailoverStack(t *testing.T) {
	t.Parallel()
	dr := stack(t, "prod-dr")
	c := dr.OfType(tRDSCluster)
	require.Len(t, c, 1)
	assert.Equal(t, "us-west-2", regionOf(dr, c[0]))
	assert.Contains(t, str(c[0], "snapshotIdentifier"), "arn:aws:rds:us-west-2:")
	assert.Equal(t, "us-east-1", dr.Config.Database.Backup.CopyRegion)
	prod := stack(t, "prod")
	for _, rec := range dr.OfType(tR53Record) {
		if _, alias := rec.Input("aliases"); alias {
			v, _ := rec.Bool("allowOverwrite")
			assert.True(t, v, rec.Name)
		}
	}
	for _, rec := range prod.OfType(tR53Record) {
		if _, alias := rec.Input("aliases"); alias {
			v, _ := rec.Bool("allowOverwrite")
			assert.False(t, v, rec.Name)
		}
	}
	// The same access URL.
	assert.Equal(t, prod.Config.Coder.AccessURL, dr.Config.Coder.AccessURL)
}

// A global database: the workshop's primary joins it and a standby runs
// in us-west-2, the backup region, in that region's own subnets and key.
func TestGlobalDatabaseStandby(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "workshop")
	sf.Values["database"] = strings.Replace(sf.Values["database"], `"engineVersion"`, `"globalDatabase":true,"engineVersion"`, 1)
	r, err := preview.RunStackFile("coder-platform", "workshop", sf, preview.At(testNow))
	require.NoError(t, err)
	require.Len(t, r.OfType(tGlobalCluster), 1)
	clusters := r.OfType(tRDSCluster)
	require.Len(t, clusters, 2)
	var standby *preview.Resource
	for _, c := range clusters {
		if regionOf(r, c) == "us-west-2" {
			standby = c
		}
	}
	require.NotNil(t, standby)
	assert.Equal(t, "coder-workshop-standby", str(standby, "clusterIdentifier"))
	key := keyByArn(r, str(standby, "kmsKeyId"))
	require.NotNil(t, key)
	assert.Equal(t, "database", tag(key, "coder:key-purpose"))
	assert.Equal(t, "us-west-2", regionOf(r, key))
}
