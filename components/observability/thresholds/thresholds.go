// Package thresholds is the one table of the platform's alarms: every
// CloudWatch alarm and Prometheus rule, each row with its threshold's
// config key, default, allowed range and meaning. The stack config decodes,
// defaults and validates Values from Table; the observability component
// makes each row's alarm concrete for a region; the config reference
// documents the thresholds from Table (a test keeps it current). The
// package is plain data, no Pulumi, so the stack config can decode it.
//
// Adding an alarm is one row of Table (and, for a new threshold, its field
// of Values) and one section of docs/runbooks.md; the tests here and in
// package observability say what is missing.
package thresholds

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/platformeng/coder-platform/internal/standards"
)

// Values are the alarm thresholds of a stack (observability.thresholds).
// A zero value takes the default of its Table row.
type Values struct {
	NodeCPUPercent              float64   `json:"nodeCpuPercent"`
	NodeMemoryPercent           float64   `json:"nodeMemoryPercent"`
	EphemeralStoragePercent     []float64 `json:"ephemeralStoragePercent"`
	PodRestarts                 float64   `json:"podRestarts"`
	AuroraCPUPercent            float64   `json:"auroraCpuPercent"`
	AuroraACUPercent            float64   `json:"auroraAcuPercent"`
	AuroraConnectionsPercent    float64   `json:"auroraConnectionsPercent"`
	AuroraFreeableMemoryMiB     float64   `json:"auroraFreeableMemoryMiB"`
	AuroraReplicaLagMs          float64   `json:"auroraReplicaLagMs"`
	AuroraDeadlocks             float64   `json:"auroraDeadlocks"`
	NLBUnhealthyHosts           float64   `json:"nlbUnhealthyHosts"`
	NLBTLSNegotiationErrors     float64   `json:"nlbTlsNegotiationErrors"`
	APILatencyP95Ms             float64   `json:"apiLatencyP95Ms"`
	APILatencyP99Ms             float64   `json:"apiLatencyP99Ms"`
	ProvisionerQueueWaitSeconds float64   `json:"provisionerQueueWaitSeconds"`
	PendingBuilds               float64   `json:"pendingBuilds"`
	BuildSuccessPercent         float64   `json:"buildSuccessPercent"`
	PodStartP95Seconds          float64   `json:"podStartP95Seconds"`
	EC2StartP95Seconds          float64   `json:"ec2StartP95Seconds"`
	ScalingLagMinutes           float64   `json:"scalingLagMinutes"`
	CredentialExpiryDays        float64   `json:"credentialExpiryDays"`
	LicenseExpiryDays           float64   `json:"licenseExpiryDays"`
	LicenseExpiryCriticalDays   float64   `json:"licenseExpiryCriticalDays"`
	LicenseSeatsPercent         float64   `json:"licenseSeatsPercent"`
}

// Row is one alarm of the platform and its threshold: the key under
// observability.thresholds, default, allowed range and what it watches.
type Row struct {
	// Key is the threshold's key; "" for an alarm whose threshold is not
	// configured but fixed at Default.
	Key     string
	Default float64
	// Min and Max bound the value; Open excludes them (a percentage
	// strictly between 0 and 100).
	Min, Max float64
	Open     bool
	// Allowed, when set, is the range in words for the reference (a
	// relation to another threshold).
	Allowed string
	Meaning string
	// Field is the scalar threshold's field of Values.
	Field func(*Values) *float64
	// Levels name the values of a list-valued threshold, in order: one
	// alarm each, named Alarm.Name-level. Defaults are their defaults and
	// List is the field of Values. Check validates the list.
	Levels   []string
	Defaults []float64
	List     func(*Values) *[]float64
	// Alarm is what fires when the threshold is crossed.
	Alarm Alarm
}

// Alarm is the definition of one CloudWatch alarm or Prometheus rule, which
// the observability component makes concrete for a region. Summary, Query,
// Namespace, Expr and For may name Placeholders, in braces ("{threshold}").
type Alarm struct {
	// On is what the alarm watches: it decides whether a region has it, its
	// dimensions, and whether it is a CloudWatch alarm or a Prometheus rule.
	On Source
	// Name is unique within a region: the CloudWatch alarm's name after the
	// component's, or the Prometheus alert's. An alarm made per level,
	// namespace or credential appends "-" and that.
	Name string
	// Runbook is its section of docs/runbooks.md, anchor "alarm-"+Runbook
	// (for a credential, the section the credential names, else this one).
	Runbook string
	Summary string
	// Unit follows the threshold where the alarm is described ("%", " days").
	Unit string
	// Scale turns the configured value into the threshold compared.
	Scale Scale

	// A CloudWatch alarm: the metric, its dimensions beyond the source's
	// (by name: PerTargetGroup adds the target group), the statistic over
	// Period seconds, evaluated over Evaluations periods of which Breaching
	// must breach, and treat_missing_data (notBreaching unless silence is
	// itself a failure).
	Namespace, Metric              string
	PerTargetGroup                 bool
	Statistic, Comparison          string
	Period, Evaluations, Breaching int
	Missing                        string
	// PerNamespace makes one alarm per watched Kubernetes namespace.
	PerNamespace bool
	// Query, when set, is a CloudWatch Metrics Insights query the alarm
	// watches instead of one metric; %s is the cluster name.
	Query string

	// A Prometheus rule: its expression and how long it must hold.
	Expr, For string
}

// Placeholders are what an Alarm's text may name, in braces: the threshold
// compared (after Scale), the level of a list-valued threshold, the
// namespace of a PerNamespace alarm, the secret of a credential's alarm,
// the database's max_connections and maximum ACU, and the stack.
var Placeholders = []string{"threshold", "level", "namespace", "secret", "maxConnections", "maxACU", "stack"}

// Source is what an alarm watches.
type Source int

// The sources, in the order the component creates their alarms.
const (
	// Nodes: Container Insights of the region's cluster (ClusterName), when
	// it is on.
	Nodes Source = iota + 1
	// Database: the control plane's Aurora cluster (DBClusterIdentifier).
	Database
	// LoadBalancer: the region's public NLB (LoadBalancer).
	LoadBalancer
	// Day2: failed Day-2 configuration runs of the control plane.
	Day2
	// Credentials: the credential age function's metric (Stack, Region),
	// one alarm per watched credential with the credential's own threshold
	// (the days before it is due, from credentialExpiryDays), runbook and
	// Secret dimension.
	Credentials
	// License: the licence's expiry (Stack, Region), on a licensed stack.
	License
	// CoderMetrics: a Prometheus rule on coderd's metrics (control plane).
	CoderMetrics
	// ClusterMetrics: a Prometheus rule on the cluster's metrics (every
	// region with Prometheus).
	ClusterMetrics
	// ProvisionerMetrics: a Prometheus rule on the provisioner daemons'
	// metrics, or on the SLO recordings made from them (Recordings). Every
	// region with Prometheus has them: each region's provisioners are
	// scraped into that region's own workspace.
	ProvisionerMetrics
)

// Sources are every Source, in order.
var Sources = []Source{Nodes, Database, LoadBalancer, Day2, Credentials, License, CoderMetrics, ClusterMetrics, ProvisionerMetrics}

// Prometheus reports whether the source's alarms are Prometheus rules.
func (s Source) Prometheus() bool {
	return s == CoderMetrics || s == ClusterMetrics || s == ProvisionerMetrics
}

// String names the source, as the tests report it.
func (s Source) String() string {
	names := []string{"", "Nodes", "Database", "LoadBalancer", "Day2", "Credentials", "License", "CoderMetrics", "ClusterMetrics", "ProvisionerMetrics"}
	if s > 0 && int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("Source(%d)", int(s))
}

// Scale turns a configured value into the threshold an alarm compares.
type Scale int

const (
	// AsIs compares the value configured.
	AsIs Scale = iota
	// MiBToBytes converts: configured in MiB, the metric is in bytes.
	MiBToBytes
	// PercentOfMaxConnections converts: configured as a percentage of the writer's
	// max_connections at its maximum ACU, compared as a connection count.
	PercentOfMaxConnections
)

// The metrics the platform publishes itself: the credential age function
// (credentials.py) and the Day-2 failures' metric filter, whose namespace
// is CredentialNamespace/<stack>.
const (
	CredentialNamespace = "Coder/Platform"
	CredentialMetric    = "CredentialDaysToRotation"
	LicenseMetric       = "LicenseDaysToExpiry"
	Day2Metric          = "Day2ConfigurationFailures"
)

// EphemeralStorageDefault is the spec's warning, high and critical levels of
// node ephemeral storage (the September 2024 incident).
var EphemeralStorageDefault = []float64{70, 85, 95}

// EphemeralStorageKey is the one list-valued threshold.
const EphemeralStorageKey = "ephemeralStoragePercent"

// Table is every alarm and its threshold, thresholds in the order of the
// reference. The spec gives ephemeral storage (70/85/95 %), API latency
// (P95 500 ms, P99 1 s) and credential expiry (14 days); docs/runbooks.md
// gives the reasons for the others. Within a Source, alarms are created in
// this order.
var Table = []Row{
	{Key: "nodeCpuPercent", Default: 80, Min: 0, Max: 100, Open: true, Meaning: "node CPU, max over nodes, 5 × 1 min",
		Field: func(v *Values) *float64 { return &v.NodeCPUPercent },
		Alarm: Alarm{On: Nodes, Name: "node-cpu", Runbook: "node-cpu", Summary: "a node's CPU is saturated",
			Namespace: "ContainerInsights", Metric: "node_cpu_utilization", Statistic: "Maximum", Comparison: "GreaterThanThreshold", Unit: "%",
			Period: 60, Evaluations: 5, Breaching: 5, Missing: "missing"}},
	{Key: "nodeMemoryPercent", Default: 85, Min: 0, Max: 100, Open: true, Meaning: "node memory",
		Field: func(v *Values) *float64 { return &v.NodeMemoryPercent },
		Alarm: Alarm{On: Nodes, Name: "node-memory", Runbook: "node-memory", Summary: "a node's memory is nearly full",
			Namespace: "ContainerInsights", Metric: "node_memory_utilization", Statistic: "Maximum", Comparison: "GreaterThanThreshold", Unit: "%",
			Period: 60, Evaluations: 5, Breaching: 5, Missing: "missing"}},
	{Key: EphemeralStorageKey, Levels: []string{"warning", "high", "critical"}, Defaults: EphemeralStorageDefault,
		Allowed: "three rising values < 100", Meaning: "node ephemeral storage: warning, high, critical (spec)",
		List: func(v *Values) *[]float64 { return &v.EphemeralStoragePercent },
		Alarm: Alarm{On: Nodes, Name: "ephemeral-storage", Runbook: "ephemeral-storage", Summary: "a node's ephemeral storage is over {threshold}% ({level})",
			Namespace: "ContainerInsights", Metric: "node_filesystem_utilization", Statistic: "Maximum", Comparison: "GreaterThanThreshold", Unit: "%",
			Period: 60, Evaluations: 3, Breaching: 2, Missing: "missing"}},
	// Container Insights publishes pod_number_of_container_restarts per pod
	// (ClusterName, Namespace, PodName), not per namespace, and as the
	// restarts since the last sample (amazon-cloudwatch-agent awsemf
	// kubernetes.go; PodStore). A Metrics Insights query sums the
	// namespace's pods over the period.
	{Key: "podRestarts", Default: 5, Min: 1, Max: 1000, Meaning: "container restarts of a pod in `coder` or `coder-prov`",
		Field: func(v *Values) *float64 { return &v.PodRestarts },
		Alarm: Alarm{On: Nodes, Name: "pod-restarts", Runbook: "pod-restarts", Summary: "containers in {namespace} keep restarting", PerNamespace: true,
			Namespace: "ContainerInsights", Metric: "pod_number_of_container_restarts",
			Query: "SELECT SUM(pod_number_of_container_restarts) FROM SCHEMA(ContainerInsights, ClusterName, Namespace, PodName) " +
				"WHERE ClusterName = '%s' AND Namespace = '{namespace}'",
			Statistic: "Sum", Comparison: "GreaterThanThreshold", Period: 300, Evaluations: 1, Breaching: 1, Missing: "notBreaching"}},
	{Key: "auroraCpuPercent", Default: 80, Min: 0, Max: 100, Open: true, Meaning: "writer CPU",
		Field: func(v *Values) *float64 { return &v.AuroraCPUPercent },
		Alarm: Alarm{On: Database, Name: "aurora-cpu", Runbook: "aurora-cpu", Summary: "the database CPU is saturated",
			Namespace: "AWS/RDS", Metric: "CPUUtilization", Statistic: "Average", Comparison: "GreaterThanThreshold", Unit: "%",
			Period: 60, Evaluations: 5, Breaching: 5, Missing: "breaching"}},
	{Key: "auroraAcuPercent", Default: 90, Min: 0, Max: 100, Open: true, Meaning: "ACU utilisation (near the maximum ACU)",
		Field: func(v *Values) *float64 { return &v.AuroraACUPercent },
		Alarm: Alarm{On: Database, Name: "aurora-acu", Runbook: "aurora-acu", Summary: "the database is near its maximum ACU",
			Namespace: "AWS/RDS", Metric: "ACUUtilization", Statistic: "Average", Comparison: "GreaterThanThreshold", Unit: "%",
			Period: 60, Evaluations: 5, Breaching: 5, Missing: "breaching"}},
	{Key: "auroraConnectionsPercent", Default: 80, Min: 0, Max: 100, Open: true,
		Meaning: "of max_connections at the maximum ACU: min(ACU × 2 GiB / 9,531,392, 5,000)",
		Field:   func(v *Values) *float64 { return &v.AuroraConnectionsPercent },
		Alarm: Alarm{On: Database, Name: "aurora-connections", Runbook: "aurora-connections", Scale: PercentOfMaxConnections,
			Summary:   "connections near max_connections ({maxConnections} at {maxACU} ACU)",
			Namespace: "AWS/RDS", Metric: "DatabaseConnections", Statistic: "Maximum", Comparison: "GreaterThanThreshold",
			Period: 60, Evaluations: 5, Breaching: 5, Missing: "breaching"}},
	{Key: "auroraFreeableMemoryMiB", Default: 512, Min: 64, Max: 1 << 20, Meaning: "freeable memory below this",
		Field: func(v *Values) *float64 { return &v.AuroraFreeableMemoryMiB },
		Alarm: Alarm{On: Database, Name: "aurora-freeable-memory", Runbook: "aurora-freeable-memory", Summary: "the database is short of memory",
			Namespace: "AWS/RDS", Metric: "FreeableMemory", Statistic: "Minimum", Comparison: "LessThanThreshold", Scale: MiBToBytes, Unit: " bytes",
			Period: 60, Evaluations: 5, Breaching: 5, Missing: "breaching"}},
	{Key: "auroraReplicaLagMs", Default: 1000, Min: 10, Max: 600000, Meaning: "`AuroraReplicaLagMaximum`",
		Field: func(v *Values) *float64 { return &v.AuroraReplicaLagMs },
		Alarm: Alarm{On: Database, Name: "aurora-replica-lag", Runbook: "aurora-replica-lag", Summary: "the reader lags the writer",
			Namespace: "AWS/RDS", Metric: "AuroraReplicaLagMaximum", Statistic: "Maximum", Comparison: "GreaterThanThreshold", Unit: "ms",
			Period: 60, Evaluations: 5, Breaching: 5, Missing: "notBreaching"}},
	{Key: "auroraDeadlocks", Default: 0, Min: 0, Max: 1000, Meaning: "deadlocks per minute above this",
		Field: func(v *Values) *float64 { return &v.AuroraDeadlocks },
		Alarm: Alarm{On: Database, Name: "aurora-deadlocks", Runbook: "aurora-deadlocks", Summary: "transactions are deadlocking",
			Namespace: "AWS/RDS", Metric: "Deadlocks", Statistic: "Sum", Comparison: "GreaterThanThreshold",
			Period: 60, Evaluations: 5, Breaching: 1, Missing: "notBreaching"}},
	{Key: "nlbUnhealthyHosts", Default: 0, Min: 0, Max: 1000, Meaning: "unhealthy coderd targets for 3 minutes",
		Field: func(v *Values) *float64 { return &v.NLBUnhealthyHosts },
		Alarm: Alarm{On: LoadBalancer, Name: "nlb-unhealthy-hosts", Runbook: "nlb-unhealthy-hosts", Summary: "coderd targets fail health checks",
			// The metric exists per target group.
			Namespace: "AWS/NetworkELB", Metric: "UnHealthyHostCount", PerTargetGroup: true, Statistic: "Maximum", Comparison: "GreaterThanThreshold",
			Period: 60, Evaluations: 3, Breaching: 3, Missing: "notBreaching"}},
	{Key: "nlbTlsNegotiationErrors", Default: 50, Min: 1, Max: 1e6, Meaning: "failed TLS handshakes per 5 minutes",
		Field: func(v *Values) *float64 { return &v.NLBTLSNegotiationErrors },
		Alarm: Alarm{On: LoadBalancer, Name: "nlb-tls-errors", Runbook: "nlb-tls-errors", Summary: "clients fail the TLS handshake",
			Namespace: "AWS/NetworkELB", Metric: "ClientTLSNegotiationErrorCount", Statistic: "Sum", Comparison: "GreaterThanThreshold",
			Period: 300, Evaluations: 1, Breaching: 1, Missing: "notBreaching"}},
	// Any failed run: the daily run found an owner nobody declared, the
	// licence was refused, or its token stopped working.
	{Default: 0,
		Alarm: Alarm{On: Day2, Name: "day2-configuration", Runbook: "day2-configuration", Summary: "the Day-2 configuration of coderd failed",
			Namespace: CredentialNamespace + "/{stack}", Metric: Day2Metric, Statistic: "Sum", Comparison: "GreaterThanThreshold",
			Period: 3600, Evaluations: 1, Breaching: 1, Missing: "notBreaching"}},
	// coderd_api_request_latencies_seconds{method,path}: coderd/httpmw/
	// prometheus.go (v2.30.0 and v2.35.1); WebSockets are in their own
	// histogram, so long-lived connections do not count here.
	{Key: "apiLatencyP95Ms", Default: 500, Min: 10, Max: 60000, Meaning: "coderd API P95 (spec)",
		Field: func(v *Values) *float64 { return &v.APILatencyP95Ms },
		Alarm: Alarm{On: CoderMetrics, Name: "CoderAPILatencyP95", Runbook: "coder-api-latency", Summary: "coderd API P95 latency is high", Unit: "ms",
			Expr: `histogram_quantile(0.95, sum by (le) (rate(coderd_api_request_latencies_seconds_bucket[5m]))) * 1000 > {threshold}`, For: "5m"}},
	{Key: "apiLatencyP99Ms", Default: 1000, Min: 10, Max: 60000, Allowed: "10–60000, ≥ `apiLatencyP95Ms`", Meaning: "coderd API P99 (spec)",
		Field: func(v *Values) *float64 { return &v.APILatencyP99Ms },
		Alarm: Alarm{On: CoderMetrics, Name: "CoderAPILatencyP99", Runbook: "coder-api-latency", Summary: "coderd API P99 latency is high", Unit: "ms",
			Expr: `histogram_quantile(0.99, sum by (le) (rate(coderd_api_request_latencies_seconds_bucket[5m]))) * 1000 > {threshold}`, For: "5m"}},
	// coderd_provisioner_job_queue_wait_seconds{provisioner_type,job_type,
	// transition,build_reason}: coderd/provisionerdserver/metrics.go of
	// v2.35.1, the version the stacks run (it is not in v2.30.0; it came
	// with coder/coder#21869). Template imports count too.
	{Key: "provisionerQueueWaitSeconds", Default: 60, Min: 5, Max: 3600, Meaning: "P90 time from job creation to acquisition",
		Field: func(v *Values) *float64 { return &v.ProvisionerQueueWaitSeconds },
		Alarm: Alarm{On: CoderMetrics, Name: "CoderProvisionerQueueWait", Runbook: "provisioner-queue", Summary: "builds wait long for a provisioner", Unit: "s",
			Expr: `histogram_quantile(0.9, sum by (le) (rate(coderd_provisioner_job_queue_wait_seconds_bucket[5m]))) > {threshold}`, For: "5m"}},
	{Key: "pendingBuilds", Default: 10, Min: 1, Max: 10000, Meaning: "workspaces whose latest build is pending",
		Field: func(v *Values) *float64 { return &v.PendingBuilds },
		// coderd_api_workspace_latest_build{status}: coderd/prometheusmetrics/
		// prometheusmetrics.go. Every coderd replica reports the database's
		// count: max, not sum.
		Alarm: Alarm{On: CoderMetrics, Name: "CoderPendingBuilds", Runbook: "provisioner-queue", Summary: "builds are pending",
			Expr: `max(coderd_api_workspace_latest_build{status="pending"}) > {threshold}`, For: "5m"}},
	// The SLOs (spec: 99.5 % of builds succeed; pod workspaces start in
	// under 2 minutes and EC2 workspaces in under 5 for 95 %). Each alerts
	// on a recording of Recordings, made in every region from that
	// region's provisioners.
	{Key: "buildSuccessPercent", Default: 99.5, Min: 90, Max: 100, Open: true,
		Meaning: "workspace builds that succeed over the last hour; its complement is the 30-day error budget (spec)",
		Field:   func(v *Values) *float64 { return &v.BuildSuccessPercent },
		Alarm: Alarm{On: ProvisionerMetrics, Name: "CoderBuildSuccessRate", Runbook: "build-success", Summary: "workspace builds fail more often than the SLO allows", Unit: "%",
			Expr: RecordBuildSuccess1h + ` * 100 < {threshold}`, For: "15m"}},
	{Key: "podStartP95Seconds", Default: 120, Min: 10, Max: 3600, Meaning: "P95 build time of pod workspace starts (`pod-` templates), last hour (spec)",
		Field: func(v *Values) *float64 { return &v.PodStartP95Seconds },
		Alarm: Alarm{On: ProvisionerMetrics, Name: "CoderPodWorkspaceStartP95", Runbook: "workspace-start-time", Summary: "pod workspaces start slowly", Unit: "s",
			Expr: RecordStartP95 + `{kind="` + KindPod + `"} > {threshold}`, For: "15m"}},
	{Key: "ec2StartP95Seconds", Default: 300, Min: 10, Max: 3600, Meaning: "P95 build time of EC2 workspace starts (`ec2-` templates), last hour (spec)",
		Field: func(v *Values) *float64 { return &v.EC2StartP95Seconds },
		Alarm: Alarm{On: ProvisionerMetrics, Name: "CoderEC2WorkspaceStartP95", Runbook: "workspace-start-time", Summary: "EC2 workspaces start slowly", Unit: "s",
			Expr: RecordStartP95 + `{kind="` + KindEC2 + `"} > {threshold}`, For: "15m"}},
	// The cluster autoscaler has asked for nodes that have not joined
	// (desired > in service) for longer than the threshold.
	{Key: "scalingLagMinutes", Default: 10, Min: 1, Max: 120, Allowed: "1–120, whole minutes", Meaning: "requested nodes not joined for this long",
		Field: func(v *Values) *float64 { return &v.ScalingLagMinutes },
		Alarm: Alarm{On: ClusterMetrics, Name: "NodeGroupScalingLag", Runbook: "node-scaling-lag", Summary: "requested nodes have not joined the cluster", Unit: " min",
			Expr: `sum(cluster_autoscaler_nodes_count{state=~"notStarted|unregistered|longUnregistered"}) > 0`, For: "{threshold}m"}},
	{Key: "credentialExpiryDays", Default: 14, Min: 1, Max: 60,
		Allowed: fmt.Sprintf("1–60, below the %d-day rotation", standards.ManualRotationDays),
		Meaning: "warn this many days before a credential is due (spec), or a third of a shorter lifetime",
		Field:   func(v *Values) *float64 { return &v.CredentialExpiryDays },
		// The function publishes every 6 hours: two silent periods in a row,
		// not one late run, make the checker's silence an alarm.
		Alarm: Alarm{On: Credentials, Name: "credential", Runbook: "credentials", Summary: "{secret} is due for renewal",
			Namespace: CredentialNamespace, Metric: CredentialMetric, Statistic: "Minimum", Comparison: "LessThanThreshold", Unit: " days",
			Period: 21600, Evaluations: 2, Breaching: 2, Missing: "breaching"}},
	{Key: "licenseExpiryDays", Default: 30, Min: 1, Max: 180, Meaning: "licence expiry warning",
		Field: func(v *Values) *float64 { return &v.LicenseExpiryDays },
		Alarm: Alarm{On: License, Name: "license-expiry", Runbook: "credential-license", Summary: "the Coder licence expires within {threshold} days (warning)",
			Namespace: CredentialNamespace, Metric: LicenseMetric, Statistic: "Minimum", Comparison: "LessThanThreshold", Unit: " days",
			Period: 21600, Evaluations: 2, Breaching: 1, Missing: "breaching"}},
	{Key: "licenseExpiryCriticalDays", Default: 7, Min: 1, Max: 60, Allowed: "1–60, below `licenseExpiryDays`", Meaning: "licence expiry, critical",
		Field: func(v *Values) *float64 { return &v.LicenseExpiryCriticalDays },
		Alarm: Alarm{On: License, Name: "license-expiry-critical", Runbook: "credential-license", Summary: "the Coder licence expires within {threshold} days (critical)",
			Namespace: CredentialNamespace, Metric: LicenseMetric, Statistic: "Minimum", Comparison: "LessThanThreshold", Unit: " days",
			Period: 21600, Evaluations: 2, Breaching: 1, Missing: "breaching"}},
	// Seats: coderd's licence collector (enterprise/coderd/license/
	// metricscollector.go) reports active users and the licensed limit.
	{Key: "licenseSeatsPercent", Default: 90, Min: 50, Max: 100, Meaning: "licensed seats in use",
		Field: func(v *Values) *float64 { return &v.LicenseSeatsPercent },
		Alarm: Alarm{On: CoderMetrics, Name: "CoderLicenseSeats", Runbook: "credential-license", Summary: "licensed seats are nearly all in use", Unit: "%",
			Expr: `max(coderd_license_active_users) / max(coderd_license_limit_users) * 100 > {threshold} and on() max(coderd_license_user_limit_enabled) == 1`, For: "1h"}},
}

// Defaults are the thresholds of a stack that sets none.
func Defaults() Values {
	var v Values
	Fill(&v)
	return v
}

// Fill sets every threshold left at zero (or empty) to its default.
func Fill(v *Values) {
	for _, r := range Table {
		switch {
		case r.Field != nil:
			if f := r.Field(v); *f == 0 {
				*f = r.Default
			}
		case r.List != nil:
			if l := r.List(v); len(*l) == 0 {
				*l = slices.Clone(r.Defaults)
			}
		}
	}
}

// InDuration reports whether the threshold is written into the rule's for:
// duration, which Prometheus takes in whole units.
func (r Row) InDuration() bool { return strings.Contains(r.Alarm.For, "{threshold}") }

// Problem is a threshold outside what is allowed.
type Problem struct {
	Key     string
	Value   any
	Message string
}

// Check returns every threshold outside its range, and every relation
// between thresholds that does not hold.
func Check(v Values) []Problem {
	var out []Problem
	for _, r := range Table {
		if r.Field == nil {
			continue
		}
		x := *r.Field(&v)
		if r.Open && (x <= r.Min || x >= r.Max) {
			out = append(out, Problem{r.Key, x, fmt.Sprintf("must be a percentage between %s and %s (exclusive)", num(r.Min), num(r.Max))})
		} else if !r.Open && (x < r.Min || x > r.Max) {
			out = append(out, Problem{r.Key, x, fmt.Sprintf("must be between %s and %s", num(r.Min), num(r.Max))})
		} else if r.InDuration() && x != math.Trunc(x) {
			// Prometheus durations are whole numbers of a unit (model.ParseDuration):
			// "2.5m" would make AMP refuse the whole rule group namespace.
			out = append(out, Problem{r.Key, x, fmt.Sprintf("must be a whole number between %s and %s: it is the rule's for: duration", num(r.Min), num(r.Max))})
		}
	}
	es := v.EphemeralStoragePercent
	if len(es) != 3 || !slices.IsSorted(es) || es[0] <= 0 || es[2] >= 100 || es[0] == es[1] || es[1] == es[2] {
		out = append(out, Problem{EphemeralStorageKey, es, "must be three rising percentages below 100: warning, high and critical (the spec's 70, 85, 95)"})
	}
	if v.APILatencyP99Ms < v.APILatencyP95Ms {
		out = append(out, Problem{"apiLatencyP99Ms", v.APILatencyP99Ms, fmt.Sprintf("must be at least apiLatencyP95Ms (%s)", num(v.APILatencyP95Ms))})
	}
	if v.CredentialExpiryDays >= standards.ManualRotationDays {
		out = append(out, Problem{"credentialExpiryDays", v.CredentialExpiryDays,
			fmt.Sprintf("must be less than the %d-day rotation period: the warning comes before the credential is due", standards.ManualRotationDays)})
	}
	if v.LicenseExpiryCriticalDays >= v.LicenseExpiryDays {
		out = append(out, Problem{"licenseExpiryCriticalDays", v.LicenseExpiryCriticalDays,
			fmt.Sprintf("must be less than licenseExpiryDays (%s): the critical alarm follows the warning", num(v.LicenseExpiryDays))})
	}
	return out
}

// ReferenceHeader heads the rows of Reference.
const ReferenceHeader = "| key | default | allowed | meaning | alarm |\n|---|---|---|---|---|\n"

// Reference is the thresholds' rows of docs/config-reference.md, keys
// prefixed with prefix, each with the alarm it sets and a link to the
// alarm's section of runbooks.md.
func Reference(prefix string) string {
	var b strings.Builder
	for _, r := range Table {
		if r.Key == "" {
			continue
		}
		allowed, def := r.Allowed, num(r.Default)
		if allowed == "" {
			allowed = num(r.Min) + "–" + num(r.Max)
		}
		if r.List != nil {
			ds := make([]string, len(r.Defaults))
			for j, d := range r.Defaults {
				ds[j] = num(d)
			}
			def = "[" + strings.Join(ds, ", ") + "]"
		}
		names := r.Names()
		for i, n := range names {
			names[i] = "`" + n + "`"
		}
		alarm := fmt.Sprintf("[%s](runbooks.md#alarm-%s)", strings.Join(names, ", "), r.Alarm.Runbook)
		if r.Alarm.On.Prometheus() {
			alarm += " (Prometheus)"
		}
		fmt.Fprintf(&b, "| `%s%s` | %s | %s | %s | %s |\n", prefix, r.Key, def, allowed, r.Meaning, alarm)
	}
	return b.String()
}

// Names are the names of the row's alarms as the reference shows them: one
// per level, or with <namespace> or <purpose> for one per namespace or
// credential.
func (r Row) Names() []string {
	a := r.Alarm
	switch {
	case len(r.Levels) > 0:
		out := make([]string, len(r.Levels))
		for i, l := range r.Levels {
			out[i] = a.Name + "-" + l
		}
		return out
	case a.PerNamespace:
		return []string{a.Name + "-<namespace>"}
	case a.On == Credentials:
		return []string{a.Name + "-<purpose>"}
	}
	return []string{a.Name}
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
