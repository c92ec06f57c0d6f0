package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every rule of the resilience section and of database.restore and
// database.globalDatabase, with a bad input.
func TestResilienceValidation(t *testing.T) {
	cases := []struct {
		name, stack, key string
		edit             func(any) any
		want             string
	}{
		{"rto not a duration", "prod", "resilience", set("", map[string]any{"rto": map[string]any{"az": "half an hour"}}),
			`resilience.rto.az: got "half an hour"; must be a duration such as 30m or 4h`},
		{"negative rpo", "workshop", "resilience", set("", map[string]any{"rpo": map[string]any{"dataCorruption": "-1h"}}),
			`resilience.rpo.dataCorruption: got "-1h"; must be a duration such as 30m or 4h`},
		{"unknown tier", "prod", "resilience", set("", map[string]any{"critical": []any{"coderd", "dns"}}),
			`resilience.critical[1]: got "dns"; must be one of edge, coderd, provisioners, workspaces, database, egress, proxies`},
		{"region rpo shorter than the copy schedule", "prod", "resilience", set("", map[string]any{"rpo": map[string]any{"region": "1h"}}),
			`resilience.rpo.region: got "1h"; cannot be met: the design loses up to 24h0m0s (the database's latest cross-region copy, database.backup.schedule cron(0 5 ? * * *), plus copy time; an Aurora global database (database.globalDatabase) lags by about a second)`},
		{"homes not copied", "prod", "resilience", set("", map[string]any{"volumes": map[string]any{"copyToBackupRegion": false}}),
			`resilience.rpo.region: got "24h"; cannot be met: the design loses up to 2562047h47m16.854775807s (home volumes are not copied to the backup region (resilience.volumes.copyToBackupRegion))`},
		{"az rpo shorter than the home backups", "workshop", "resilience", set("", map[string]any{"rpo": map[string]any{"az": "4h"}}),
			`resilience.rpo.az: got "4h"; cannot be met: the design loses up to 24h0m0s (home volumes of the lost zone come back from their latest backup, cron(0 6 ? * * *))`},
		{"region rto shorter than a rebuild", "prod", "resilience", set("", map[string]any{"rto": map[string]any{"region": "30m"}}),
			`resilience.rto.region: got "30m"; cannot be met: recovery takes at least 1h27m0s (EKS control plane 15m0s + node groups 5m0s + Aurora restore 1h0m0s + coderd Helm release 5m0s + DNS cut-over 2m0s)`},
		{"data corruption rto shorter than a restore", "prod", "resilience", set("", map[string]any{"rto": map[string]any{"dataCorruption": "15m"}}),
			`resilience.rto.dataCorruption: got "15m"; cannot be met: recovery takes at least 1h15m0s (Aurora point-in-time restore 1h0m0s + Aurora instance 10m0s + coderd rollout 5m0s)`},
		{"volume schedule monthly", "prod", "resilience", set("", map[string]any{"volumes": map[string]any{"schedule": "cron(0 5 1 * ? *)"}}),
			`resilience.volumes.schedule: got "cron(0 5 1 * ? *)"; must be an AWS Backup cron expression at least hourly and at most weekly`},
		{"volume retention", "prod", "resilience", set("", map[string]any{"volumes": map[string]any{"retentionDays": -1, "copyRetentionDays": 10}}),
			`resilience.volumes.retentionDays: got -1; must be 1–36500 days`},
		{"restore name", "prod", "resilience", set("", map[string]any{"volumeRestores": []any{
			map[string]any{"name": "Alice_Home", "snapshot": "snap-0123456789abcdef0", "region": "us-east-1", "availabilityZone": "us-east-1a"}}}),
			`resilience.volumeRestores[0].name: got "Alice_Home"; must be a Kubernetes name`},
		{"restore snapshot", "prod", "resilience", set("", map[string]any{"volumeRestores": []any{
			map[string]any{"name": "alice-home", "snapshot": "vol-0123456789abcdef0", "region": "us-east-1", "availabilityZone": "us-east-1a"}}}),
			`resilience.volumeRestores[0].snapshot: got "vol-0123456789abcdef0"; must be the EBS snapshot of a recovery point, snap-… or its ARN`},
		{"restore region", "workshop", "resilience", set("", map[string]any{"volumeRestores": []any{
			map[string]any{"name": "alice-home", "snapshot": "snap-0123456789abcdef0", "region": "us-east-1", "availabilityZone": "us-east-1a"}}}),
			`resilience.volumeRestores[0].region: got "us-east-1"; must be one of the stack's regions (us-east-2, us-west-2, eu-west-2)`},
		{"restore zone", "prod", "resilience", set("", map[string]any{"volumeRestores": []any{
			map[string]any{"name": "alice-home", "snapshot": "snap-0123456789abcdef0", "region": "us-east-1", "availabilityZone": "us-east-1f"}}}),
			`resilience.volumeRestores[0].availabilityZone: got "us-east-1f"; must be one of us-east-1's zones (us-east-1a, us-east-1b, us-east-1c)`},
		{"restore claim twice", "prod", "resilience", set("", map[string]any{"volumeRestores": []any{
			map[string]any{"name": "alice-home", "snapshot": "snap-0123456789abcdef0", "region": "us-east-1", "availabilityZone": "us-east-1a"},
			map[string]any{"name": "alice-home", "snapshot": "snap-0123456789abcdef1", "region": "us-east-1", "availabilityZone": "us-east-1b"}}}),
			`resilience.volumeRestores[1].name: got "alice-home"; is used twice`},
		{"unknown key", "prod", "resilience", set("", map[string]any{"rtos": map[string]any{}}),
			`resilience.rtos: got "set"; unknown key`},
		{"two restore sources", "prod", "database", set("restore", map[string]any{"pointInTime": "2026-11-30T10:00:00Z", "snapshot": "coder-prod-before-upgrade"}),
			`database.restore: got "pointInTime and snapshot"; set one of pointInTime or snapshot`},
		{"restore from nothing", "prod", "database", set("restore", map[string]any{}),
			`database.restore: got "{}"; set pointInTime (RFC 3339) or snapshot, or remove database.restore`},
		{"point in time not RFC 3339", "prod", "database", set("restore", map[string]any{"pointInTime": "2026-11-30 10:00"}),
			`database.restore.pointInTime: got "2026-11-30 10:00"; must be an RFC 3339 time such as 2026-11-30T14:05:00Z`},
		{"point in time in the future", "prod", "database", set("restore", map[string]any{"pointInTime": "2100-01-01T00:00:00Z"}),
			`database.restore.pointInTime: got "2100-01-01T00:00:00Z"; must be at least 5m0s before now`},
		{"point in time before the window", "prod", "database", set("restore", map[string]any{"pointInTime": "2001-01-01T00:00:00Z"}),
			`database.restore.pointInTime: got "2001-01-01T00:00:00Z"; must be within the point-in-time window, the last 35 days (database.backupRetentionDays)`},
		{"bad snapshot", "prod", "database", set("restore", map[string]any{"snapshot": "arn:aws:rds:us-east-1:111122223333:snapshot:coder"}),
			`database.restore.snapshot: got "arn:aws:rds:us-east-1:111122223333:snapshot:coder"; must be an Aurora cluster snapshot identifier or ARN`},
		{"source cluster with a snapshot", "prod", "database", set("restore", map[string]any{"snapshot": "coder-prod-before-upgrade", "sourceCluster": "coder-prod"}),
			`database.restore.sourceCluster: got "coder-prod"; is only used with pointInTime`},
		{"take over Cloudflare records", "workshop", "dns", set("takeOver", true),
			`dns.takeOver: got true; must be false with Cloudflare: remove the other stack's records in Cloudflare before the failover stack's update`},
		{"global database outside the stack", "prod", "database", set("globalDatabase", true),
			`database.globalDatabase: got true; needs database.backup.copyRegion (us-west-2) to be one of the stack's regions: the secondary cluster lives in that region's VPC (regions: us-east-1)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mutate(t, c.stack, c.key, c.edit)
			require.NotEmpty(t, got)
			assert.Contains(t, got[0], c.want)
		})
	}
}

// The committed stacks meet their targets with the defaults, and a global
// database lets the workshop promise a region RPO as short as its hourly
// home backups.
func TestResilienceTargetsMet(t *testing.T) {
	for _, stack := range []string{"prod", "workshop"} {
		s, err := Load(project, stack, readStack(t, stack).Source())
		require.NoError(t, err)
		for _, f := range Failures {
			least, _ := s.LeastRPO(f)
			assert.LessOrEqual(t, least, s.Resilience.RPO.Duration(f), "%s rpo %s", stack, f)
			rto, _ := s.LeastRTO(f)
			assert.LessOrEqual(t, rto, s.Resilience.RTO.Duration(f), "%s rto %s", stack, f)
		}
	}
	got := mutate(t, "workshop", "database", set("globalDatabase", true))
	assert.Empty(t, got)
	sf := readStack(t, "workshop")
	sf.Values["database"] = `{"globalDatabase": true, "backup": {"copyRegion": "us-west-2"}}`
	sf.Values["resilience"] = `{"rpo": {"region": "1h"}, "volumes": {"schedule": "cron(0 * ? * * *)"}}`
	s, err := Load(project, "workshop", sf.Source())
	require.NoError(t, err)
	least, why := s.LeastRPO(FailureRegion)
	assert.Equal(t, time.Hour, least, why)
}

func TestBackupInterval(t *testing.T) {
	for expr, want := range map[string]time.Duration{
		"cron(0 5 ? * * *)":      24 * time.Hour,
		"cron(0 * ? * * *)":      time.Hour,
		"cron(30 */4 ? * * *)":   4 * time.Hour,
		"cron(0 2,14 ? * * *)":   12 * time.Hour,
		"cron(0 1,5,20 ? * * *)": 15 * time.Hour,
		"cron(0 5 ? * SUN *)":    7 * 24 * time.Hour,
	} {
		got, err := BackupInterval(expr)
		require.NoError(t, err, expr)
		assert.Equal(t, want, got, expr)
	}
	for _, bad := range []string{"rate(1 day)", "cron(0 5 1 * ? *)", "cron(*/5 * ? * * *)", "cron(0 25 ? * * *)"} {
		_, err := BackupInterval(bad)
		assert.Error(t, err, bad)
	}
}

// A restore's generation names the new cluster and fits RDS's limits.
func TestRestoreGeneration(t *testing.T) {
	assert.Equal(t, "pitr-20261130t1405", (&DatabaseRestore{PointInTime: "2026-11-30T15:05:00+01:00"}).Generation())
	assert.Equal(t, "", (*DatabaseRestore)(nil).Generation())
	g := (&DatabaseRestore{Snapshot: "arn:aws:rds:us-east-1:111122223333:cluster-snapshot:awsbackup:job-0a1b2c3d-4e5f-6789-abcd-ef0123456789"}).Generation()
	assert.Regexp(t, `^snap-[0-9a-f]{10}$`, g)
}
