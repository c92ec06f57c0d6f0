package cost

import (
	"fmt"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// logGroup: assumed ingestion by kind of log, and what the retention keeps.
func logGroup(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	name := str(r, "name")
	a := logAssumptions[len(logAssumptions)-1]
	for _, la := range logAssumptions {
		if la.match != "" && strings.Contains(name, la.match) {
			a = la
			break
		}
	}
	users := c.usersIn(region)
	gb := a.base + a.perUser*float64(users)
	days, ok := num(r, "retentionInDays")
	if !ok || days == 0 {
		days = 365 // never expires: a year's worth
	}
	stored := gb * days / 30.4
	return []Line{sum("logs", "CloudWatch Logs",
		line("", gb, c.table.Service(region, "logsIngestGB"),
			fmt.Sprintf("%.1f GB ingested (assumed, %s: %g GB + %g GB × %d users)", gb, a.what, a.base, a.perUser, users)),
		line("", stored, c.table.Service(region, "logsStorageGBMonth"),
			fmt.Sprintf("%.0f GB kept for %.0f days", stored, days)))}, ""
}

// metricAlarm: standard alarms, high-resolution ones (period < 60 s) at
// their own price, one per metric a math alarm reads.
func metricAlarm(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	metrics := 0
	for i := 0; i < count(r, "metricQueries"); i++ {
		if _, ok := r.Input(fmt.Sprintf("metricQueries[%d].metric", i)); ok {
			metrics++
		}
	}
	metrics = max(1, metrics)
	key, what := "alarmMonth", "standard-resolution"
	if p, ok := num(r, "period"); ok && p < 60 {
		key, what = "alarmHighResMonth", "high-resolution"
	}
	return []Line{line("alarm", float64(metrics), c.table.Service(region, key), fmt.Sprintf("%d %s alarm metric(s)", metrics, what))}, ""
}

func dashboard(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("dashboard", 1, c.table.Service(c.region(r), "dashboardMonth"), "1 dashboard (the account's first 3 are free; not counted)")}, ""
}

// logMetricFilter publishes one custom metric.
func logMetricFilter(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("custom metric", 1, c.table.Service(c.region(r), "metricMonth"), "1 custom metric")}, ""
}

// eksAddon: add-ons cost nothing but Container Insights, billed per
// observation its agent sends.
func eksAddon(c *ctx, r *preview.Resource) ([]Line, string) {
	if str(r, "addonName") != "amazon-cloudwatch-observability" {
		return nil, "EKS add-ons are free; they run on the nodes"
	}
	return []Line{line("Container Insights", 1, c.table.Service(c.region(r), "containerInsightsObsPerMillion"),
		"observations of every node, pod and container (enhanced observability)")}, ""
}

// ampWorkspace: samples ingested and stored from the assumed series.
func ampWorkspace(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	users := c.usersIn(region)
	series := ampSeriesBase + ampSeriesPerUser*float64(users)
	samples := series * ampScrapesPerH * HoursPerMonth
	storedGB := samples * ampBytesPerSample * (ampRetentionDays / 30.4) / (1 << 30)
	return []Line{sum("metrics", "Managed Prometheus",
		line("", samples/1e7, c.table.Service(region, "ampSamplesPer10M"),
			fmt.Sprintf("%.0f series (assumed %g + %g per user) scraped every 30 s = %.2f B samples at the first tier", series, ampSeriesBase, ampSeriesPerUser, samples/1e9)),
		line("", storedGB, c.table.Service(region, "ampStorageGBMonth"),
			fmt.Sprintf("%.1f GB stored (%.1f bytes a sample, %.0f days)", storedGB, ampBytesPerSample, ampRetentionDays)))}, ""
}

// ampScraper: the managed collector is billed while it runs.
func ampScraper(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("collector", HoursPerMonth, c.table.Service(c.region(r), "ampCollectorHour"), "1 collector × 730 h (its samples are priced on the workspace)")}, ""
}

// ampRules: alert rules are query samples processed.
func ampRules(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("rule evaluation", ampQuerySamples/1e9, c.table.Service(c.region(r), "ampQueryPerBillion"),
		fmt.Sprintf("%.0f B query samples a month (assumed)", ampQuerySamples/1e9))}, ""
}

// lambdaFunction: scheduled functions; the credential-age function also
// publishes one custom metric per credential its alarms read.
func lambdaFunction(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	mem, ok := num(r, "memorySize")
	if !ok {
		mem = 128
	}
	gbs := lambdaInvocations * lambdaSeconds * mem / 1024
	out := []Line{sum("invocations", "Lambda",
		line("", lambdaInvocations/1e6, c.table.Service(region, "lambdaRequestsPerMillion"), fmt.Sprintf("%.0f invocations (assumed)", lambdaInvocations)),
		line("", gbs, c.table.Service(region, "lambdaGBSecond"), fmt.Sprintf("%.0f GB-s (%.0f s × %.0f MB each)", gbs, lambdaSeconds, mem)))}
	if strings.HasSuffix(str(r, "name"), "credential-age") {
		n := 0
		for _, o := range c.res.Resources {
			if o.Type == "aws:cloudwatch/metricAlarm:MetricAlarm" && c.region(o) == region && strings.HasPrefix(str(o, "namespace"), "Coder/") {
				n++
			}
		}
		out = append(out, line("custom metrics", float64(n), c.table.Service(region, "metricMonth"),
			fmt.Sprintf("%d custom metrics it publishes (one per Coder/ alarm in the region)", n)))
	}
	return out, ""
}

// bucket: the log buckets (load balancer access logs, CloudTrail).
func bucket(c *ctx, r *preview.Resource) ([]Line, string) {
	gb := s3LogGBPerMonth * s3LogMonths
	return []Line{line("storage", gb, c.table.Service(c.region(r), "s3GBMonth"),
		fmt.Sprintf("%.0f GB of logs (assumed %.0f GB a month kept %.0f months)", gb, s3LogGBPerMonth, s3LogMonths))}, ""
}
