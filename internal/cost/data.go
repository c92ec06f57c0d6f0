package cost

import (
	"fmt"
	"math"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// auroraGB is the assumed size of the database.
func (c *ctx) auroraGB() float64 {
	return math.Max(auroraMinGB, float64(c.cfg.Workload.Users)*auroraGBPerUser)
}

// clusterInstance: a Serverless v2 instance is billed per ACU-hour at the
// assumed average between the cluster's declared minimum and maximum.
func clusterInstance(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	if str(r, "instanceClass") != "db.serverless" {
		return []Line{line("instance", HoursPerMonth, Price{Key: str(r, "instanceClass")}, "1 provisioned instance × 730 h")}, ""
	}
	cl := c.byURN[r.Parent]
	if cl == nil || cl.Type != "aws:rds/cluster:Cluster" {
		cl = c.first("aws:rds/cluster:Cluster", region)
	}
	var lo, hi float64
	if cl != nil {
		lo, _ = num(cl, "serverlessv2ScalingConfiguration.minCapacity")
		hi, _ = num(cl, "serverlessv2ScalingConfiguration.maxCapacity")
	}
	avg := lo + auroraAverageFraction*(hi-lo)
	return []Line{line("ACU-hours", avg*HoursPerMonth, c.table.Service(region, "auroraACUHour"),
		fmt.Sprintf("average %.2f ACU (assumed: min %g + %.0f%% of (max %g − min)) × 730 h", avg, lo, auroraAverageFraction*100, hi))}, ""
}

// rdsCluster: storage, I/O, and automated backups beyond the free
// allowance (backup storage up to the cluster's size costs nothing).
func rdsCluster(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	gb := c.auroraGB()
	users := c.cfg.Workload.Users
	ios := float64(users) * auroraIOPerUserSecond * 3600 * HoursPerMonth / 1e6
	days, _ := num(r, "backupRetentionPeriod")
	// A full copy plus each retained day's changes; AWS does not bill
	// backup storage up to the cluster's own size.
	backupGB := gb * (1 + days*dailyChange)
	extra := math.Max(0, backupGB-gb)
	return []Line{
		line("storage", gb, c.table.Service(region, "auroraStorageGBMonth"),
			fmt.Sprintf("%.0f GB (assumed: %.0f MB per user, at least %.0f GB)", gb, auroraGBPerUser*1000, auroraMinGB)),
		line("I/O", ios, c.table.Service(region, "auroraIOPerMillion"),
			fmt.Sprintf("%.1f M requests (assumed %.2f per user per second, Aurora Standard)", ios, auroraIOPerUserSecond)),
		line("automated backups", extra, c.table.Service(region, "auroraBackupGBMonth"),
			fmt.Sprintf("%.0f GB + %.0f days × %.0f%% daily change (assumed) = %.0f GB, of which the cluster's size is free: %.0f GB billed",
				gb, days, dailyChange*100, backupGB, extra)),
	}, ""
}

// backupPlan: AWS Backup keeps incremental snapshots for each rule's
// retention, in the plan's region.
func backupPlan(c *ctx, r *preview.Resource) ([]Line, string) {
	if homePlan(r) {
		return homeBackupPlan(c, r)
	}
	region := c.region(r)
	days, _ := num(r, "rules[0].lifecycle.deleteAfter")
	gb := c.auroraGB() * (1 + days*dailyChange)
	return []Line{line("snapshots", gb, c.table.Service(region, "backupAuroraGBMonth"),
		fmt.Sprintf("%.0f GB database + %.0f days × %.0f%% daily change (assumed) = %.0f GB", c.auroraGB(), days, dailyChange*100, gb))}, ""
}

// backupVault: a vault costs nothing; the cross-region copy vault holds
// the plan's copies, priced in the copy region with the transfer to it.
func backupVault(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	plan := c.databasePlan()
	if plan == nil || region == c.region(plan) {
		return nil, "the vault itself is free; its recovery points are priced on the backup plan"
	}
	src := c.region(plan)
	days, ok := num(plan, "rules[0].copyActions[0].lifecycle.deleteAfter")
	if !ok {
		days, _ = num(plan, "rules[0].lifecycle.deleteAfter")
	}
	gb := c.auroraGB() * (1 + days*dailyChange)
	moved := c.auroraGB() * dailyChange * 30
	return []Line{
		line("cross-region copies", gb, c.table.Service(region, "backupAuroraGBMonth"),
			fmt.Sprintf("copies of %s's snapshots kept %.0f days = %.0f GB", src, days, gb)),
		line("copy transfer", moved, c.table.Service(src, "interRegionGB"),
			fmt.Sprintf("%.0f GB a month %s → %s (incremental copies, %.0f%% daily change assumed)", moved, src, region, dailyChange*100)),
	}, ""
}

// first is the first resource of a type (in a region when region is set).
func (c *ctx) first(typ, region string) *preview.Resource {
	for _, o := range c.res.Resources {
		if o.Type == typ && (region == "" || c.region(o) == region) {
			return o
		}
	}
	return nil
}

// homePlan tells the workspace-home plan (components/resilience) from the
// database's by the tag it puts on its recovery points.
func homePlan(r *preview.Resource) bool {
	return str(r, "rules[0].recoveryPointTags.coder:source") == "workspace-home"
}

// databasePlan is the database's backup plan.
func (c *ctx) databasePlan() *preview.Resource {
	for _, o := range c.res.Resources {
		if o.Type == "aws:backup/plan:Plan" && !homePlan(o) {
			return o
		}
	}
	return nil
}

// homeBackupPlan: EBS snapshots of the region's workspace homes (their
// written share, then each retained day's changes), and their copies in
// the copy vault's region with the transfer there.
func homeBackupPlan(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	rp := c.cfg.Capacity().Region(region)
	if rp == nil {
		return nil, "no workspaces planned in this region"
	}
	gib, n := 0, 0
	for _, s := range rp.Shapes {
		gib += s.Workspaces * s.Shape.DiskGiB
		n += s.Workspaces
	}
	used := float64(gib) * homeUsedFraction
	days, _ := num(r, "rules[0].lifecycle.deleteAfter")
	gb := used * (1 + days*dailyChange)
	out := []Line{line("home snapshots", gb, c.table.Service(region, "backupEBSGBMonth"),
		fmt.Sprintf("%d homes, %d GiB × %.0f%% written (assumed) = %.0f GB + %.0f days × %.0f%% daily change (assumed) = %.0f GB",
			n, gib, homeUsedFraction*100, used, days, dailyChange*100, gb))}
	dest := str(r, "rules[0].copyActions[0].destinationVaultArn")
	if dest == "" {
		return out, ""
	}
	to := c.cfg.Database.Backup.CopyRegion
	if parts := strings.Split(dest, ":"); len(parts) > 3 && parts[3] != "" {
		to = parts[3]
	}
	copyDays, ok := num(r, "rules[0].copyActions[0].lifecycle.deleteAfter")
	if !ok {
		copyDays = days
	}
	copyGB := used * (1 + copyDays*dailyChange)
	moved := used * dailyChange * 30
	return append(out,
		line("home snapshot copies", copyGB, c.table.Service(to, "backupEBSGBMonth"),
			fmt.Sprintf("copies in %s kept %.0f days = %.0f GB", to, copyDays, copyGB)),
		line("home copy transfer", moved, c.table.Service(region, "interRegionGB"),
			fmt.Sprintf("%.0f GB a month %s → %s (incremental, %.0f%% daily change assumed)", moved, region, to, dailyChange*100))), ""
}
