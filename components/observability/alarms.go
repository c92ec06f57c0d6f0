package observability

import (
	"fmt"
	"strings"

	"github.com/platformeng/coder-platform/sizing"
)

// Alarm is one CloudWatch alarm, before its region's resources are known:
// the metric, the threshold and the runbook section.
type Alarm struct {
	// Name is unique within a region; the runbook anchor is "alarm-"+Runbook.
	Name, Runbook, Summary string
	Namespace, Metric      string
	// Dimensions name the region's resources (filled in by the component).
	Dimensions map[string]string
	// PerTargetGroup: the metric exists per target group (the NLB's
	// UnHealthyHostCount), so its alarm names the target group too.
	PerTargetGroup bool
	// Statistic is Average, Maximum, Minimum or Sum.
	Statistic  string
	Comparison string
	Threshold  float64
	// Period in seconds, evaluated over Evaluations periods of which
	// Breaching must breach.
	Period, Evaluations, Breaching int
	// Missing is treat_missing_data: notBreaching unless silence is itself
	// a failure.
	Missing string
	Unit    string
	// Query, when set, is a CloudWatch Metrics Insights query the alarm
	// watches instead of one metric; %s is the cluster name.
	Query string
}

// Rule is one Prometheus alerting rule in the region's AMP workspace.
type Rule struct {
	Name, Runbook, Summary string
	Expr                   string
	For                    string
	Threshold              float64
	Unit                   string
}

// ComparisonSigns are CloudWatch's operators, written as a reader expects.
var ComparisonSigns = map[string]string{
	"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": "≥",
	"LessThanThreshold": "<", "LessThanOrEqualToThreshold": "≤",
}

// Condition is the alarm's rule in words, as the preview prints it.
func (a Alarm) Condition() string {
	return fmt.Sprintf("%s(%s/%s) %s %s for %d of %d × %ds", a.Statistic, a.Namespace, a.Metric,
		ComparisonSigns[a.Comparison], trim(a.Threshold)+a.Unit, a.Breaching, a.Evaluations, a.Period)
}

func trim(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", f), "0"), ".")
}

// NodeAlarms are the Container Insights alarms of one cluster: node CPU,
// memory, ephemeral storage at three levels (the September 2024 incident),
// and container restarts of coderd and the provisioners.
func NodeAlarms(t Thresholds, namespaces []string) []Alarm {
	node := func(name, metric, summary string, threshold float64) Alarm {
		return Alarm{Name: name, Runbook: name, Summary: summary, Namespace: "ContainerInsights", Metric: metric,
			Statistic: "Maximum", Comparison: "GreaterThanThreshold", Threshold: threshold, Unit: "%",
			Period: 60, Evaluations: 5, Breaching: 5, Missing: "missing"}
	}
	out := []Alarm{
		node("node-cpu", "node_cpu_utilization", "a node's CPU is saturated", t.NodeCPUPercent),
		node("node-memory", "node_memory_utilization", "a node's memory is nearly full", t.NodeMemoryPercent),
	}
	for i, level := range []string{"warning", "high", "critical"} {
		a := node("ephemeral-storage-"+level, "node_filesystem_utilization",
			fmt.Sprintf("a node's ephemeral storage is over %s%% (%s)", trim(t.EphemeralStoragePercent[i]), level), t.EphemeralStoragePercent[i])
		a.Runbook = "ephemeral-storage"
		a.Evaluations, a.Breaching = 3, 2
		out = append(out, a)
	}
	// Container Insights publishes pod_number_of_container_restarts per pod
	// (ClusterName, Namespace, PodName), not per namespace, and as the
	// restarts since the last sample (amazon-cloudwatch-agent awsemf
	// kubernetes.go; PodStore). A Metrics Insights query sums the
	// namespace's pods over the period.
	for _, ns := range namespaces {
		out = append(out, Alarm{Name: "pod-restarts-" + ns, Runbook: "pod-restarts", Summary: "containers in " + ns + " keep restarting",
			Namespace: "ContainerInsights", Metric: "pod_number_of_container_restarts",
			Query: "SELECT SUM(pod_number_of_container_restarts) FROM SCHEMA(ContainerInsights, ClusterName, Namespace, PodName) " +
				"WHERE ClusterName = '%s' AND Namespace = '" + ns + "'",
			Statistic: "Sum", Comparison: "GreaterThanThreshold", Threshold: t.PodRestarts,
			Period: 300, Evaluations: 1, Breaching: 1, Missing: "notBreaching"})
	}
	return out
}

// DatabaseAlarms are the Aurora cluster's alarms; maxACU sizes the
// connection threshold (see AuroraMaxConnections).
func DatabaseAlarms(t Thresholds, maxACU float64) []Alarm {
	db := func(name, metric, summary, stat, cmp string, threshold float64, unit string) Alarm {
		return Alarm{Name: name, Runbook: name, Summary: summary, Namespace: "AWS/RDS", Metric: metric,
			Statistic: stat, Comparison: cmp, Threshold: threshold, Unit: unit,
			Period: 60, Evaluations: 5, Breaching: 5, Missing: "breaching"}
	}
	deadlocks := db("aurora-deadlocks", "Deadlocks", "transactions are deadlocking", "Sum", "GreaterThanThreshold", t.AuroraDeadlocks, "")
	deadlocks.Evaluations, deadlocks.Breaching, deadlocks.Missing = 5, 1, "notBreaching"
	lag := db("aurora-replica-lag", "AuroraReplicaLagMaximum", "the reader lags the writer", "Maximum", "GreaterThanThreshold", t.AuroraReplicaLagMs, "ms")
	lag.Missing = "notBreaching"
	return []Alarm{
		db("aurora-cpu", "CPUUtilization", "the database CPU is saturated", "Average", "GreaterThanThreshold", t.AuroraCPUPercent, "%"),
		db("aurora-acu", "ACUUtilization", "the database is near its maximum ACU", "Average", "GreaterThanThreshold", t.AuroraACUPercent, "%"),
		db("aurora-connections", "DatabaseConnections", fmt.Sprintf("connections near max_connections (%d at %s ACU)",
			sizing.MaxConnections(maxACU, maxACU), trim(maxACU)), "Maximum", "GreaterThanThreshold", ConnectionsThreshold(maxACU, t.AuroraConnectionsPercent), ""),
		db("aurora-freeable-memory", "FreeableMemory", "the database is short of memory", "Minimum", "LessThanThreshold", t.AuroraFreeableMemoryMiB*(1<<20), " bytes"),
		lag, deadlocks,
	}
}

// LoadBalancerAlarms are the public NLB's alarms.
func LoadBalancerAlarms(t Thresholds) []Alarm {
	return []Alarm{
		{Name: "nlb-unhealthy-hosts", Runbook: "nlb-unhealthy-hosts", Summary: "coderd targets fail health checks",
			Namespace: "AWS/NetworkELB", Metric: "UnHealthyHostCount", Statistic: "Maximum", Comparison: "GreaterThanThreshold",
			Threshold: t.NLBUnhealthyHosts, Period: 60, Evaluations: 3, Breaching: 3, Missing: "notBreaching", PerTargetGroup: true},
		{Name: "nlb-tls-errors", Runbook: "nlb-tls-errors", Summary: "clients fail the TLS handshake",
			Namespace: "AWS/NetworkELB", Metric: "ClientTLSNegotiationErrorCount", Statistic: "Sum", Comparison: "GreaterThanThreshold",
			Threshold: t.NLBTLSNegotiationErrors, Period: 300, Evaluations: 1, Breaching: 1, Missing: "notBreaching"},
	}
}

// CoderRules are the Prometheus alerts on coderd's own metrics (control
// plane only): API latency from coderd_api_request_latencies_seconds, the
// provisioner queue wait and the builds waiting for a provisioner.
func CoderRules(t Thresholds) []Rule {
	return []Rule{
		{Name: "CoderAPILatencyP95", Runbook: "coder-api-latency", Summary: "coderd API P95 latency is high", For: "5m", Threshold: t.APILatencyP95Ms, Unit: "ms",
			Expr: fmt.Sprintf(`histogram_quantile(0.95, sum by (le) (rate(coderd_api_request_latencies_seconds_bucket[5m]))) * 1000 > %s`, trim(t.APILatencyP95Ms))},
		{Name: "CoderAPILatencyP99", Runbook: "coder-api-latency", Summary: "coderd API P99 latency is high", For: "5m", Threshold: t.APILatencyP99Ms, Unit: "ms",
			Expr: fmt.Sprintf(`histogram_quantile(0.99, sum by (le) (rate(coderd_api_request_latencies_seconds_bucket[5m]))) * 1000 > %s`, trim(t.APILatencyP99Ms))},
		{Name: "CoderProvisionerQueueWait", Runbook: "provisioner-queue", Summary: "builds wait long for a provisioner", For: "5m", Threshold: t.ProvisionerQueueWaitSeconds, Unit: "s",
			Expr: fmt.Sprintf(`histogram_quantile(0.9, sum by (le) (rate(coderd_provisioner_job_queue_wait_seconds_bucket[5m]))) > %s`, trim(t.ProvisionerQueueWaitSeconds))},
		{Name: "CoderPendingBuilds", Runbook: "provisioner-queue", Summary: "builds are pending", For: "5m", Threshold: t.PendingBuilds,
			// Every coderd replica reports the database's count: max, not sum.
			Expr: fmt.Sprintf(`max(coderd_api_workspace_latest_build{status="pending"}) > %s`, trim(t.PendingBuilds))},
		// Seats: coderd's licence collector (enterprise/coderd/license/
		// metricscollector.go) reports active users and the licensed limit.
		{Name: "CoderLicenseSeats", Runbook: "credential-license", Summary: "licensed seats are nearly all in use", For: "1h", Threshold: t.LicenseSeatsPercent, Unit: "%",
			Expr: fmt.Sprintf(`max(coderd_license_active_users) / max(coderd_license_limit_users) * 100 > %s and on() max(coderd_license_user_limit_enabled) == 1`, trim(t.LicenseSeatsPercent))},
	}
}

// ScalingLagRule fires while the cluster autoscaler has asked for nodes that
// have not joined (desired > in service) for longer than the threshold.
func ScalingLagRule(t Thresholds) Rule {
	return Rule{Name: "NodeGroupScalingLag", Runbook: "node-scaling-lag", Summary: "requested nodes have not joined the cluster",
		For: trim(t.ScalingLagMinutes) + "m", Threshold: t.ScalingLagMinutes, Unit: " min",
		Expr: `sum(cluster_autoscaler_nodes_count{state=~"notStarted|unregistered|longUnregistered"}) > 0`}
}
