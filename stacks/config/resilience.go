package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/platformeng/coder-platform/sizing"
)

// Resilience is what the stack promises when an availability zone, a region
// or its data fails, and the backups of the workspace data that keep the
// promise (docs/disaster-recovery.md).
type Resilience struct {
	// RTO is the declared recovery time objective per failure, as a Go
	// duration ("30m", "4h"): how long until users can work again.
	RTO FailureTargets `json:"rto"`
	// RPO is the declared recovery point objective per failure: how much
	// recent work (Coder's database and users' home volumes) may be lost.
	RPO FailureTargets `json:"rpo"`
	// Critical are the tiers whose stop makes `platform resilience` exit 1
	// (coderd, provisioners, workspaces, database, edge, egress, proxies).
	Critical []string `json:"critical"`
	// Volumes is the AWS Backup plan of the workspaces' home volumes.
	Volumes VolumeBackup `json:"volumes"`
	// VolumeRestores build home volumes from recovery points (EBS
	// snapshots), each bound to a PersistentVolumeClaim a new workspace
	// can use (docs/disaster-recovery.md#restore-one-home-volume).
	VolumeRestores []VolumeRestore `json:"volumeRestores"`
}

// FailureTargets is one duration per kind of failure.
type FailureTargets struct {
	AZ             string `json:"az"`
	Region         string `json:"region"`
	DataCorruption string `json:"dataCorruption"`
}

// Failure is a kind of failure the stack declares targets for.
type Failure string

const (
	FailureAZ             Failure = "az"
	FailureRegion         Failure = "region"
	FailureDataCorruption Failure = "dataCorruption"
)

// Failures are the kinds of failure, in the order they are reported.
var Failures = []Failure{FailureAZ, FailureRegion, FailureDataCorruption}

// Of is the target of one failure, as written.
func (t FailureTargets) Of(f Failure) string {
	switch f {
	case FailureAZ:
		return t.AZ
	case FailureRegion:
		return t.Region
	}
	return t.DataCorruption
}

// Duration is the parsed target of one failure (validated by Load).
func (t FailureTargets) Duration(f Failure) time.Duration {
	d, _ := time.ParseDuration(t.Of(f))
	return d
}

// Tiers are what `platform resilience` reports on, each a part of the
// platform that keeps serving or stops.
var Tiers = []string{"edge", "coderd", "provisioners", "workspaces", "database", "egress", "proxies"}

// VolumeBackup is the AWS Backup plan of the workspace home volumes: every
// EBS volume tagged by the workspace StorageClass or an EC2 template.
type VolumeBackup struct {
	// Enabled backs up the home volumes (default true).
	Enabled *bool `json:"enabled"`
	// Schedule is an AWS Backup cron expression (UTC); its interval bounds
	// the RPO of users' home directories.
	Schedule      string `json:"schedule"`
	RetentionDays int    `json:"retentionDays"`
	// CopyToBackupRegion copies every recovery point to the stack's backup
	// region (database.backup.copyRegion), default true.
	CopyToBackupRegion *bool `json:"copyToBackupRegion"`
	CopyRetentionDays  int   `json:"copyRetentionDays"`
}

// On reports whether home volumes are backed up.
func (v VolumeBackup) On() bool { return v.Enabled == nil || *v.Enabled }

// Copied reports whether their recovery points are copied to the backup region.
func (v VolumeBackup) Copied() bool {
	return v.On() && (v.CopyToBackupRegion == nil || *v.CopyToBackupRegion)
}

// VolumeRestore is one home volume built from a recovery point.
type VolumeRestore struct {
	// Name is the PersistentVolumeClaim's name in the workspace namespace.
	Name string `json:"name"`
	// Snapshot is the EBS snapshot of the recovery point (snap-…); AWS
	// Backup's EBS recovery points are EBS snapshots.
	Snapshot string `json:"snapshot"`
	// Region and AvailabilityZone place the new volume: a zone of a region
	// that runs workspaces.
	Region           string `json:"region"`
	AvailabilityZone string `json:"availabilityZone"`
	// SizeGiB grows the volume beyond the snapshot's size (default: the
	// snapshot's size).
	SizeGiB int `json:"sizeGiB"`
}

// DatabaseRestore builds the cluster from a point in time or a recovery
// point instead of an empty database.
type DatabaseRestore struct {
	// PointInTime is an RFC 3339 instant within the point-in-time window of
	// SourceCluster.
	PointInTime string `json:"pointInTime"`
	// Snapshot is an Aurora cluster snapshot identifier or ARN; an AWS
	// Backup recovery point of Aurora is a cluster snapshot ARN.
	Snapshot string `json:"snapshot"`
	// SourceCluster is the cluster PointInTime restores from (default: the
	// stack's own cluster identifier).
	SourceCluster string `json:"sourceCluster"`
}

// Set reports whether the cluster is built from a restore.
func (r *DatabaseRestore) Set() bool { return r != nil && (r.PointInTime != "" || r.Snapshot != "") }

// Generation names the restored cluster: a restore is a new cluster, next
// to the one it replaces, so that one is kept for inspection.
func (r *DatabaseRestore) Generation() string {
	if !r.Set() {
		return ""
	}
	if r.PointInTime != "" {
		t, _ := time.Parse(time.RFC3339, r.PointInTime)
		return "pitr-" + t.UTC().Format("20060102t1504")
	}
	// Snapshot names are long (awsbackup:job-<uuid>): a short hash keeps
	// the identifier within RDS's 63 characters.
	sum := sha256.Sum256([]byte(r.Snapshot))
	return "snap-" + hex.EncodeToString(sum[:5])
}

// The profiles' targets, what the design meets with its defaults (the
// arithmetic is in validateResilience and docs/disaster-recovery.md).
var defaultTargets = map[Profile]struct{ rto, rpo FailureTargets }{
	ProfileEnterprise: {
		rto: FailureTargets{AZ: "30m", Region: "4h", DataCorruption: "2h"},
		rpo: FailureTargets{AZ: "24h", Region: "24h", DataCorruption: "24h"},
	},
	ProfileWorkshop: {
		rto: FailureTargets{AZ: "30m", Region: "4h", DataCorruption: "2h"},
		rpo: FailureTargets{AZ: "24h", Region: "24h", DataCorruption: "24h"},
	},
}

func defaultResilience(s *Stack) {
	r := &s.Resilience
	d, ok := defaultTargets[s.Profile]
	if !ok {
		d = defaultTargets[ProfileEnterprise]
	}
	fill := func(t *FailureTargets, def FailureTargets) {
		if t.AZ == "" {
			t.AZ = def.AZ
		}
		if t.Region == "" {
			t.Region = def.Region
		}
		if t.DataCorruption == "" {
			t.DataCorruption = def.DataCorruption
		}
	}
	fill(&r.RTO, d.rto)
	fill(&r.RPO, d.rpo)
	if r.Critical == nil {
		r.Critical = []string{"edge", "coderd", "database"}
	}
	v := &r.Volumes
	if v.Schedule == "" {
		v.Schedule = "cron(0 6 ? * * *)"
	}
	if v.RetentionDays == 0 {
		v.RetentionDays = 35
	}
	if v.CopyRetentionDays == 0 {
		v.CopyRetentionDays = v.RetentionDays
	}
	if rs := s.Database.Restore; rs != nil && rs.PointInTime != "" && rs.SourceCluster == "" {
		rs.SourceCluster = s.DatabaseIdentifier()
	}
}

var (
	ebsSnapshot = regexp.MustCompile(`^(arn:aws:ec2:[a-z0-9-]+::snapshot/)?snap-[0-9a-f]{8,17}$`)
	// An Aurora cluster snapshot: an identifier (letters, digits, hyphens;
	// AWS Backup's start "awsbackup:job-") or its ARN.
	clusterSnapshot = regexp.MustCompile(`^(arn:aws:rds:[a-z0-9-]+:\d{12}:cluster-snapshot:)?(awsbackup:)?[a-zA-Z][a-zA-Z0-9-]{0,254}$`)
	rdsIdentifier   = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	k8sName         = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
)

func validateResilience(s *Plan, p *problems) {
	r := &s.Resilience
	for _, f := range Failures {
		for _, t := range []struct {
			name    string
			targets FailureTargets
		}{{"rto", r.RTO}, {"rpo", r.RPO}} {
			key := fmt.Sprintf("resilience.%s.%s", t.name, f)
			d, err := time.ParseDuration(t.targets.Of(f))
			if err != nil || d < 0 {
				p.add(key, t.targets.Of(f), "must be a duration such as 30m or 4h")
			}
		}
	}
	for i, c := range r.Critical {
		if !slices.Contains(Tiers, c) {
			p.add(fmt.Sprintf("resilience.critical[%d]", i), c, "must be one of %s", strings.Join(Tiers, ", "))
		}
	}
	validateVolumeBackup(s, p)
	validateVolumeRestores(s, p)
	validateDatabaseRestore(s, p)
	validateGlobalDatabase(s, p)
	validateTargets(s, p)
}

func validateVolumeBackup(s *Plan, p *problems) {
	v := s.Resilience.Volumes
	if _, err := BackupInterval(v.Schedule); err != nil {
		p.add("resilience.volumes.schedule", v.Schedule, "%v", err)
	}
	if v.RetentionDays < 1 || v.RetentionDays > 36500 {
		p.add("resilience.volumes.retentionDays", v.RetentionDays, "must be 1–36500 days")
	}
	if v.CopyRetentionDays < 1 || v.CopyRetentionDays > 36500 {
		p.add("resilience.volumes.copyRetentionDays", v.CopyRetentionDays, "must be 1–36500 days")
	}
}

func validateVolumeRestores(s *Plan, p *problems) {
	seen := map[string]bool{}
	for i, vr := range s.Resilience.VolumeRestores {
		key := fmt.Sprintf("resilience.volumeRestores[%d]", i)
		if !k8sName.MatchString(vr.Name) {
			p.add(key+".name", vr.Name, "must be a Kubernetes name (lower-case letters, digits and hyphens, at most 63)")
		} else if seen[vr.Name] {
			p.add(key+".name", vr.Name, "is used twice; each restored volume needs its own claim")
		}
		seen[vr.Name] = true
		if !ebsSnapshot.MatchString(vr.Snapshot) {
			p.add(key+".snapshot", vr.Snapshot, "must be the EBS snapshot of a recovery point, snap-… or its ARN")
		}
		rc := s.RegionConfig(vr.Region)
		switch {
		case rc == nil:
			p.add(key+".region", vr.Region, "must be one of the stack's regions (%s)", strings.Join(s.RegionNames(), ", "))
		case !slices.Contains(rc.AvailabilityZones, vr.AvailabilityZone):
			p.add(key+".availabilityZone", vr.AvailabilityZone, "must be one of %s's zones (%s)", vr.Region, strings.Join(rc.AvailabilityZones, ", "))
		}
		if vr.SizeGiB < 0 || vr.SizeGiB > 16384 {
			p.add(key+".sizeGiB", vr.SizeGiB, "must be 1–16384 GiB (gp3) and at least the snapshot's size, or unset for the snapshot's size")
		}
	}
}

func validateDatabaseRestore(s *Plan, p *problems) {
	rs := s.Database.Restore
	if rs == nil {
		return
	}
	switch {
	case rs.PointInTime != "" && rs.Snapshot != "":
		p.add("database.restore", "pointInTime and snapshot", "set one of pointInTime or snapshot: a cluster is restored from one source")
	case rs.PointInTime == "" && rs.Snapshot == "":
		p.add("database.restore", "{}", "set pointInTime (RFC 3339) or snapshot, or remove database.restore")
	case rs.PointInTime != "":
		t, err := time.Parse(time.RFC3339, rs.PointInTime)
		switch {
		case err != nil:
			p.add("database.restore.pointInTime", rs.PointInTime, "must be an RFC 3339 time such as 2026-11-30T14:05:00Z")
		case !s.Now.IsZero() && t.After(s.Now.Add(-sizing.AuroraPITRLag)):
			p.add("database.restore.pointInTime", rs.PointInTime, "must be at least %s before now (%s): Aurora's latest restorable time lags by about that much",
				sizing.AuroraPITRLag, s.Now.UTC().Format(time.RFC3339))
		case !s.Now.IsZero() && t.Before(s.Now.AddDate(0, 0, -s.Database.BackupRetentionDays)):
			p.add("database.restore.pointInTime", rs.PointInTime, "must be within the point-in-time window, the last %d days (database.backupRetentionDays); restore an older state from a snapshot",
				s.Database.BackupRetentionDays)
		}
		if !rdsIdentifier.MatchString(rs.SourceCluster) {
			p.add("database.restore.sourceCluster", rs.SourceCluster, "must be an Aurora cluster identifier (lower-case letters, digits, hyphens)")
		}
	case !clusterSnapshot.MatchString(rs.Snapshot):
		p.add("database.restore.snapshot", rs.Snapshot, "must be an Aurora cluster snapshot identifier or ARN (an AWS Backup recovery point of the cluster is one)")
	}
	if id := s.DatabaseIdentifier() + "-" + rs.Generation(); rs.Set() && len(id) > maxClusterIdentifier {
		p.add("database.restore", rs.Generation(), "makes the cluster identifier %q longer than %d characters; use a shorter stack name", id, maxClusterIdentifier)
	}
	if rs.Snapshot != "" && rs.SourceCluster != "" && rs.PointInTime == "" {
		p.add("database.restore.sourceCluster", rs.SourceCluster, "is only used with pointInTime")
	}
}

// maxClusterIdentifier leaves room for the instances' "-reader-15".
const maxClusterIdentifier = 63 - len("-reader-15")

func validateGlobalDatabase(s *Plan, p *problems) {
	if !s.Database.GlobalDatabase {
		return
	}
	if cr := s.Database.Backup.CopyRegion; s.RegionConfig(cr) == nil {
		p.add("database.globalDatabase", true, "needs database.backup.copyRegion (%s) to be one of the stack's regions: the secondary cluster lives in that region's VPC (regions: %s)",
			cr, strings.Join(s.RegionNames(), ", "))
	}
}

// validateTargets rejects targets the design cannot meet, and says what
// limits them.
func validateTargets(s *Plan, p *problems) {
	for _, f := range Failures {
		if d, err := time.ParseDuration(s.Resilience.RPO.Of(f)); err == nil {
			if least, why := s.LeastRPO(f); least > d {
				p.add("resilience.rpo."+string(f), s.Resilience.RPO.Of(f), "cannot be met: the design loses up to %s (%s)", least, why)
			}
		}
		if d, err := time.ParseDuration(s.Resilience.RTO.Of(f)); err == nil {
			if least, why := s.LeastRTO(f); least > d {
				p.add("resilience.rto."+string(f), s.Resilience.RTO.Of(f), "cannot be met: recovery takes at least %s (%s)", least, why)
			}
		}
	}
}

// LeastRPO is the most recent work the design can lose in a failure, and
// which data sets it.
func (s *Stack) LeastRPO(f Failure) (time.Duration, string) {
	vol, volErr := BackupInterval(s.Resilience.Volumes.Schedule)
	db, dbErr := BackupInterval(s.Database.Backup.Schedule)
	if volErr != nil || dbErr != nil {
		return 0, "" // reported on the schedule's key
	}
	var worst time.Duration
	var why string
	take := func(d time.Duration, reason string) {
		if d > worst {
			worst, why = d, reason
		}
	}
	v := s.Resilience.Volumes
	switch f {
	case FailureAZ:
		// Aurora keeps six copies across three AZs; a home volume lives in
		// one AZ and, if that AZ does not come back, is restored from its
		// latest recovery point.
		if v.On() {
			take(vol, "home volumes of the lost zone come back from their latest backup, "+v.Schedule)
		} else {
			take(Unbounded, "home volumes are not backed up (resilience.volumes.enabled: false)")
		}
	case FailureRegion:
		if s.Database.GlobalDatabase {
			take(sizing.GlobalDatabaseLag, "Aurora global database replication lag")
		} else {
			take(db, "the database's latest cross-region copy, database.backup.schedule "+s.Database.Backup.Schedule+", plus copy time; an Aurora global database (database.globalDatabase) lags by about a second")
		}
		if v.Copied() {
			take(vol, "home volumes' latest cross-region copy, resilience.volumes.schedule "+v.Schedule+", plus copy time")
		} else {
			take(Unbounded, "home volumes are not copied to the backup region (resilience.volumes.copyToBackupRegion)")
		}
	case FailureDataCorruption:
		take(sizing.AuroraPITRLag, "Aurora point-in-time recovery")
		if v.On() {
			take(vol, "a corrupted home volume comes back from its latest backup, "+v.Schedule)
		}
	}
	return worst, why
}

// Unbounded is the loss when data has no copy that survives the failure.
const Unbounded = time.Duration(1<<63 - 1)

// LeastRTO is the shortest recovery the design allows, from the typical
// rebuild times (sizing.RebuildTimes): the chain of steps that must run
// one after another.
func (s *Stack) LeastRTO(f Failure) (time.Duration, string) {
	chain := RecoveryChain(s, f)
	var total time.Duration
	var names []string
	for _, step := range chain {
		total += step.Typical
		names = append(names, fmt.Sprintf("%s %s", step.Name, step.Typical))
	}
	return total, strings.Join(names, " + ")
}

// RecoveryStep is one step of a recovery that cannot start before the
// previous one ends.
type RecoveryStep struct {
	Name    string
	Typical time.Duration
}

// RecoveryChain is the minimum sequence of a recovery for each failure;
// `platform resilience` computes the full critical path from the stack's
// resource graph, this is its floor for validation.
func RecoveryChain(s *Stack, f Failure) []RecoveryStep {
	step := func(name, typ string) RecoveryStep { return RecoveryStep{name, sizing.RebuildTime(typ)} }
	switch f {
	case FailureAZ:
		// coderd and Aurora fail over; a workspace whose home volume was in
		// the zone is restarted on a volume restored in another zone.
		steps := []RecoveryStep{{"Aurora failover", sizing.AuroraFailover}}
		if s.Resilience.Volumes.On() {
			steps = append(steps, step("home volume from backup", sizing.StepVolumeFromBackup))
		}
		return steps
	case FailureRegion:
		db := step("Aurora restore", sizing.StepAuroraCluster)
		if s.Database.GlobalDatabase {
			db = RecoveryStep{"Aurora global database promotion", sizing.GlobalDatabasePromotion}
		}
		return []RecoveryStep{
			step("EKS control plane", sizing.StepEKSControlPlane),
			step("node groups", sizing.StepNodeGroup),
			db,
			step("coderd Helm release", sizing.StepHelmRelease),
			step("DNS cut-over", sizing.StepDNSRecord),
		}
	}
	return []RecoveryStep{
		step("Aurora point-in-time restore", sizing.StepAuroraCluster),
		step("Aurora instance", sizing.StepAuroraInstance),
		step("coderd rollout", sizing.StepHelmRelease),
	}
}

// BackupInterval is the longest gap between two runs of an AWS Backup cron
// expression (minutes hours day-of-month month day-of-week year): hourly,
// every N hours, a list of hours, daily, or weekly.
func BackupInterval(expr string) (time.Duration, error) {
	bad := fmt.Errorf("must be an AWS Backup cron expression at least hourly and at most weekly, such as cron(0 5 ? * * *) (daily) or cron(0 */4 ? * * *)")
	if !backupCron.MatchString(expr) {
		return 0, bad
	}
	f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(expr, "cron("), ")"))
	minute, hour, dom, dow := f[0], f[1], f[2], f[4]
	if !isNumber(minute) {
		return 0, bad
	}
	var hours time.Duration
	switch {
	case hour == "*":
		hours = time.Hour
	case strings.HasPrefix(hour, "*/") || strings.HasPrefix(hour, "0/"):
		n, ok := atoi(hour[2:])
		if !ok || n < 1 || n > 23 {
			return 0, bad
		}
		hours = time.Duration(n) * time.Hour
	case strings.Contains(hour, ","):
		var hs []int
		for _, h := range strings.Split(hour, ",") {
			n, ok := atoi(h)
			if !ok || n > 23 {
				return 0, bad
			}
			hs = append(hs, n)
		}
		slices.Sort(hs)
		gap := hs[0] + 24 - hs[len(hs)-1]
		for i := 1; i < len(hs); i++ {
			gap = max(gap, hs[i]-hs[i-1])
		}
		hours = time.Duration(gap) * time.Hour
	default:
		if n, ok := atoi(hour); !ok || n > 23 {
			return 0, bad
		}
		hours = 24 * time.Hour
	}
	switch {
	case (dom == "*" || dom == "?") && (dow == "*" || dow == "?"):
		return hours, nil
	case dom == "?" && isNumber(dow) || dom == "?" && len(dow) == 3:
		return 7 * 24 * time.Hour, nil
	}
	return 0, bad
}

func isNumber(s string) bool { _, ok := atoi(s); return ok }

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
