package thresholds

import "strings"

// Metric is a Prometheus metric the platform's rules and dashboards may
// name: its labels and the source file that defines it, read in the pinned
// version. A histogram is listed by its base name and is named as
// <base>_bucket (with le), _sum or _count.
type Metric struct {
	Labels    []string
	Histogram bool
	Source    string
	// Values are the values a label takes, where a query matches on them
	// (a test checks every equality matcher against these).
	Values map[string][]string
}

// buildValues: runner.go's status and the WorkspaceTransition enum's names
// (provisionersdk/proto/provisioner.pb.go).
var buildValues = map[string][]string{"status": {"success", "failed"}, "workspace_transition": {"START", "STOP", "DESTROY"}}

// The sources, each read in the version the stacks pin.
const (
	// coderSource: github.com/coder/coder at v2.35.1, the chart and image
	// the stacks run (its Go module, read from the module cache).
	coderSource = "coder/coder v2.35.1 "
	// autoscalerSource: kubernetes/autoscaler metrics/metrics.go, the same
	// in cluster-autoscaler 1.32.0 and 1.34.2 (the apps compat pins).
	autoscalerSource = "kubernetes/autoscaler cluster-autoscaler-1.32.0..1.34.2 cluster-autoscaler/metrics/metrics.go"
)

// ScrapeLabels are the labels every scraped series carries: Prometheus's
// own (job, instance) and those the scraper's relabelling adds
// (observability.scrapeConfig).
var ScrapeLabels = []string{"job", "instance", "namespace", "pod", "service"}

// Exported are the metrics the pinned versions export and that the AMP
// scraper collects (coderd, the provisioners and the cluster autoscaler
// serve MetricsPort behind a Service labelled for scraping). A rule or
// dashboard query may name only these and the recordings of Recordings;
// a test checks every one.
var Exported = map[string]Metric{
	// coderd's HTTP middleware.
	"coderd_api_request_latencies_seconds": {Labels: []string{"method", "path"}, Histogram: true, Source: coderSource + "coderd/httpmw/prometheus.go"},
	"coderd_api_requests_processed_total":  {Labels: []string{"code", "method", "path"}, Source: coderSource + "coderd/httpmw/prometheus.go"},
	"coderd_api_concurrent_requests":       {Labels: []string{"method", "path"}, Source: coderSource + "coderd/httpmw/prometheus.go"},
	"coderd_api_concurrent_websockets":     {Labels: []string{"path"}, Source: coderSource + "coderd/httpmw/prometheus.go"},
	// coderd's database-backed gauges; every replica reports the same.
	"coderd_api_active_users_duration_hour": {Source: coderSource + "coderd/prometheusmetrics/prometheusmetrics.go"},
	"coderd_api_workspace_latest_build": {Labels: []string{"status"}, Source: coderSource + "coderd/prometheusmetrics/prometheusmetrics.go",
		// database.ProvisionerJobStatus (coderd/database/models.go).
		Values: map[string][]string{"status": {"pending", "running", "succeeded", "canceling", "canceled", "failed", "unknown"}}},
	"coderd_workspace_latest_build_status": {Labels: []string{"status", "template_name", "template_version", "workspace_owner", "workspace_transition"},
		Source: coderSource + "coderd/prometheusmetrics/prometheusmetrics.go"},
	// Agents, with the DERP region each connection uses (derp_region is the
	// region's name in the DERP map: the primary's or a proxy's).
	"coderd_agents_up": {Labels: []string{"username", "workspace_name", "template_name", "template_version"},
		Source: coderSource + "coderd/prometheusmetrics/prometheusmetrics.go"},
	"coderd_agents_connection_latencies_seconds": {Labels: []string{"agent_name", "username", "workspace_name", "derp_region", "preferred"},
		Source: coderSource + "coderd/prometheusmetrics/prometheusmetrics.go", Values: map[string][]string{"preferred": {"true", "false"}}},
	// coderd's provisioner job server.
	"coderd_provisioner_job_queue_wait_seconds": {Labels: []string{"provisioner_type", "job_type", "transition", "build_reason"}, Histogram: true,
		Source: coderSource + "coderd/provisionerdserver/metrics.go"},
	"coderd_workspace_creation_duration_seconds": {Labels: []string{"organization_name", "template_name", "preset_name", "type"}, Histogram: true,
		Source: coderSource + "coderd/provisionerdserver/metrics.go"},
	"coderd_workspace_builds_enqueued_total": {Labels: []string{"provisioner_type", "build_reason", "transition", "status"},
		Source: coderSource + "coderd/wsbuilder/metrics.go"},
	// The licence collector (enterprise).
	"coderd_license_active_users":       {Source: coderSource + "enterprise/coderd/license/metricscollector.go"},
	"coderd_license_limit_users":        {Source: coderSource + "enterprise/coderd/license/metricscollector.go"},
	"coderd_license_user_limit_enabled": {Source: coderSource + "enterprise/coderd/license/metricscollector.go"},
	// The provisioner daemons (every region's external provisioners).
	"coderd_provisionerd_num_daemons":  {Source: coderSource + "provisionerd/provisionerd.go"},
	"coderd_provisionerd_jobs_current": {Labels: []string{"provisioner"}, Source: coderSource + "provisionerd/provisionerd.go"},
	"coderd_provisionerd_job_timings_seconds": {Labels: []string{"provisioner", "status"}, Histogram: true,
		Source: coderSource + "provisionerd/provisionerd.go"},
	"coderd_provisionerd_workspace_build_timings_seconds": {Labels: []string{"template_name", "template_version", "workspace_transition", "status"}, Histogram: true,
		Source: coderSource + "provisionerd/provisionerd.go", Values: buildValues},
	"coderd_workspace_builds_total": {Labels: []string{"workspace_owner", "workspace_name", "template_name", "template_version", "workspace_transition", "status"},
		Source: coderSource + "provisionerd/provisionerd.go", Values: buildValues},
	// The cluster autoscaler (every region).
	"cluster_autoscaler_nodes_count":              {Labels: []string{"state"}, Source: autoscalerSource},
	"cluster_autoscaler_max_nodes_count":          {Source: autoscalerSource},
	"cluster_autoscaler_unschedulable_pods_count": {Labels: []string{"type"}, Source: autoscalerSource},
	"cluster_autoscaler_scaled_up_nodes_total":    {Source: autoscalerSource},
	"cluster_autoscaler_scaled_down_nodes_total":  {Labels: []string{"reason"}, Source: autoscalerSource},
}

// Series is what a query may match on a series name: its labels and
// their known values, and what defines it.
type Series struct {
	Labels []string
	Values map[string][]string
	// Metric is the exported metric; Recording the recording rule.
	Metric    string
	Recording *Recording
}

// Lookup finds the series a name is: an exported metric (a histogram's
// _bucket, _sum or _count, with le on _bucket) or a recording.
func Lookup(name string) (Series, bool) {
	if m, found := Exported[name]; found && !m.Histogram {
		return Series{Labels: append(append([]string{}, m.Labels...), ScrapeLabels...), Values: m.Values, Metric: name}, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base := strings.TrimSuffix(name, suffix)
		if m, found := Exported[base]; found && m.Histogram && strings.HasSuffix(name, suffix) {
			s := Series{Labels: append(append([]string{}, m.Labels...), ScrapeLabels...), Values: m.Values, Metric: base}
			if suffix == "_bucket" {
				s.Labels = append(s.Labels, "le")
			}
			return s, true
		}
	}
	for i, r := range Recordings {
		if r.Record == name {
			s := Series{Recording: &Recordings[i], Values: map[string][]string{}}
			// A record named twice (one per kind) has each one's labels.
			for _, o := range Recordings {
				if o.Record == name {
					for k, v := range o.Labels {
						if len(s.Values[k]) == 0 {
							s.Labels = append(s.Labels, k)
						}
						s.Values[k] = append(s.Values[k], v)
					}
				}
			}
			return s, true
		}
	}
	return Series{}, false
}
