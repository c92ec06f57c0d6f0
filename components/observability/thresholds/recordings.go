package thresholds

import "math"

// The SLOs are measured all the time by Prometheus recording rules in each
// region's AMP workspace; the SLO alerts of Table and the dashboards read
// the recorded series. A recording is evaluated every RecordingInterval.
//
// What a workspace build's success and duration are: provisionerd (the
// external provisioners, which every region runs and scrapes) observes
// coderd_provisionerd_workspace_build_timings_seconds{template_name,
// template_version,workspace_transition,status} when a job ends, status
// "success" or "failed" and workspace_transition the proto enum's name
// ("START", "STOP", "DESTROY"): provisionerd/provisionerd.go and
// provisionerd/runner/runner.go, v2.30.0 and v2.35.1. The duration is the
// provisioner's run of the job (Terraform), from acquisition to the end:
// the wait in the queue is its own SLO (provisionerQueueWaitSeconds) and
// the agent's startup scripts are not included. A failed build is any
// failure, a template's own error included.

// RecordingInterval is how often the recordings are evaluated.
const RecordingInterval = "1m"

// Template kinds: the start-time SLO is per kind, and a template's kind is
// the prefix of its name (a test holds the template catalog to it: a
// composition on a kubernetes base is named pod-…, on an EC2 base ec2-…).
const (
	KindPod = "pod"
	KindEC2 = "ec2"
)

// TemplatePrefixes are the template-name prefixes of each kind.
var TemplatePrefixes = map[string]string{KindPod: "pod-", KindEC2: "ec2-"}

// The recorded series the alerts and dashboards read.
const (
	// RecordBuilds5m and RecordBuildsFailed5m are the builds ended and
	// failed over the last 5 minutes, for the 30-day budget.
	RecordBuilds5m       = "coder:workspace_builds:increase5m"
	RecordBuildsFailed5m = "coder:workspace_builds_failed:increase5m"
	// RecordBuildSuccess1h is the share of builds that succeeded, last hour.
	RecordBuildSuccess1h = "coder:workspace_builds:success_ratio1h"
	// RecordBuildSuccess30d is the same over 30 days, and
	// RecordBudgetSpent30d the share of the 30-day error budget (1 -
	// buildSuccessPercent) that the failures used (1 = all of it).
	RecordBuildSuccess30d = "coder:workspace_builds:success_ratio30d"
	RecordBudgetSpent30d  = "coder:workspace_builds:error_budget_spent30d"
	// RecordStartP95 is the P95 of successful START builds, last hour,
	// labelled kind (KindPod, KindEC2).
	RecordStartP95 = "coder:workspace_start_seconds:p95_1h"
	// RecordAPIP95, RecordAPIP99: coderd's API latency over 5 minutes.
	RecordAPIP95 = "coder:api_request_latency_seconds:p95_5m"
	RecordAPIP99 = "coder:api_request_latency_seconds:p99_5m"
	// RecordQueueWaitP90: time from job creation to acquisition.
	RecordQueueWaitP90 = "coder:provisioner_job_queue_wait_seconds:p90_5m"
)

// Recording is one Prometheus recording rule. Expr may name {budget}, the
// error budget as a ratio (1 - buildSuccessPercent / 100).
type Recording struct {
	// On is ProvisionerMetrics (every region) or CoderMetrics (coderd's,
	// the control plane).
	On     Source
	Record string
	Expr   string
	Labels map[string]string
}

const buildCount = "coderd_provisionerd_workspace_build_timings_seconds_count"

// startP95 is the P95 of successful START builds of one kind's templates.
// The histogram's buckets are 1, 10, 30, 60, 300, 600, 1800 and 3600 s:
// 300 s (EC2) is a bound, 120 s (pods) lies between 60 and 300, where
// histogram_quantile interpolates linearly. The scale test measures
// start times exactly (docs/observability.md#slos).
func startP95(kind string) Recording {
	return Recording{On: ProvisionerMetrics, Record: RecordStartP95, Labels: map[string]string{"kind": kind},
		Expr: `histogram_quantile(0.95, sum by (le) (rate(coderd_provisionerd_workspace_build_timings_seconds_bucket{workspace_transition="START",status="success",template_name=~"` +
			TemplatePrefixes[kind] + `.+"}[1h])))`}
}

// Recordings are every recording rule, in evaluation order: a recording
// that reads another comes after it.
//
// A ratio of builds counts failures "or vector(0)": until a provisioner
// has failed once it has no failed series, and without the fallback no
// ratio at all would be recorded. No builds at all records nothing (or
// NaN), so the alerts stay quiet on a quiet region. The 30-day ratios sum
// the 5-minute increases recorded every minute: each build is counted five
// times above and below the line alike, so the ratio is exact and the
// query reads two series, not 30 days of every provisioner's.
var Recordings = []Recording{
	{On: ProvisionerMetrics, Record: RecordBuilds5m, Expr: `sum(increase(` + buildCount + `[5m]))`},
	{On: ProvisionerMetrics, Record: RecordBuildsFailed5m, Expr: `sum(increase(` + buildCount + `{status="failed"}[5m])) or vector(0)`},
	{On: ProvisionerMetrics, Record: RecordBuildSuccess1h,
		Expr: `1 - ((sum(increase(` + buildCount + `{status="failed"}[1h])) or vector(0)) / sum(increase(` + buildCount + `[1h])))`},
	{On: ProvisionerMetrics, Record: RecordBuildSuccess30d,
		Expr: `1 - sum_over_time(` + RecordBuildsFailed5m + `[30d]) / sum_over_time(` + RecordBuilds5m + `[30d])`},
	{On: ProvisionerMetrics, Record: RecordBudgetSpent30d, Expr: `(1 - ` + RecordBuildSuccess30d + `) / {budget}`},
	startP95(KindPod),
	startP95(KindEC2),
	{On: CoderMetrics, Record: RecordAPIP95, Expr: `histogram_quantile(0.95, sum by (le) (rate(coderd_api_request_latencies_seconds_bucket[5m])))`},
	{On: CoderMetrics, Record: RecordAPIP99, Expr: `histogram_quantile(0.99, sum by (le) (rate(coderd_api_request_latencies_seconds_bucket[5m])))`},
	{On: CoderMetrics, Record: RecordQueueWaitP90, Expr: `histogram_quantile(0.9, sum by (le) (rate(coderd_provisioner_job_queue_wait_seconds_bucket[5m])))`},
}

// Budget is the error budget of a stack's build SLO, as a ratio, without
// the float noise of 100 - 99.9.
func Budget(v Values) float64 { return math.Round((100-v.BuildSuccessPercent)*1e7) / 1e9 }
