package scaletest

import (
	"fmt"
	"strconv"
	"time"
)

// The command lines of a run. Every subcommand and flag is
// `coder exp scaletest` of coder/coder v2.30.0, cli/exp_scaletest.go
// (the module cache copy): scaletestCreateWorkspaces, scaletestWorkspaceTraffic,
// scaletestDashboard and scaletestCleanup, with the shared
// concurrencyFlags/timeoutFlags (--concurrency, --timeout, --job-timeout
// and their cleanup- forms), scaletestOutputFlags (--output
// "<format>[:<path>]") and scaletestPrometheusFlags
// (--scaletest-prometheus-address). The same flags are in coder/coder's
// own runner, scaletest/templates/scaletest-runner/scripts/run.sh.

// ResultsDir is where the commands write their JSON results.
const ResultsDir = "/results"

// Result files, one per command; the report reads them by their contents,
// and takes the template of a create-workspaces file from its name.
func createResults(template string) string {
	return ResultsDir + "/" + CreateResultsPrefix + template + ".json"
}

// CreateResultsPrefix starts the name of a create-workspaces result file;
// the template's name follows.
const CreateResultsPrefix = "create-workspaces-"

// The load commands' result files.
const (
	TrafficResults   = "workspace-traffic.json"
	DashboardResults = "dashboard.json"
)

// The Prometheus listeners of the load commands, which run side by side in
// one pod: both default to 0.0.0.0:21112.
const (
	trafficMetricsAddress   = "0.0.0.0:21112"
	dashboardMetricsAddress = "0.0.0.0:21113"
)

// loadJobSlack is what a load command's --job-timeout gives beyond its
// --timeout, so that the run ends at the timeout and is not cut as a
// failed job (as coder/coder's runner does).
const loadJobSlack = 30 * time.Second

func dur(d time.Duration) string { return d.String() }

func num(n int) string { return strconv.Itoa(n) }

// CreateArgs is create-workspaces: Workspaces users with one workspace each
// from the template, Concurrency at a time. --no-cleanup keeps them for the
// load commands; cleanup comes last.
func CreateArgs(r Run, template string) []string {
	return []string{"exp", "scaletest", "create-workspaces",
		"--count", num(r.Workspaces), "--template", template,
		"--concurrency", num(r.Concurrency), "--retry", num(r.Retry),
		"--timeout", dur(r.Timeout), "--job-timeout", dur(r.JobTimeout),
		"--no-cleanup", "--output", "json:" + createResults(template)}
}

// TrafficArgs is workspace-traffic to every scale-test workspace of the
// template at once (--concurrency 0: unlimited) for Traffic.Duration.
func TrafficArgs(r Run, template string) []string {
	t := r.Traffic
	args := []string{"exp", "scaletest", "workspace-traffic", "--template", template,
		"--concurrency", "0", "--timeout", dur(t.Duration), "--job-timeout", dur(t.Duration + loadJobSlack),
		"--bytes-per-tick", num(t.BytesPerTick), "--tick-interval", dur(t.TickInterval),
		"--output", "json:" + ResultsDir + "/" + TrafficResults, "--scaletest-prometheus-address", trafficMetricsAddress}
	if t.SSH {
		args = append(args, "--ssh")
	}
	return args
}

// DashboardArgs is dashboard for the first Dashboard.Users scale-test users
// at once.
func DashboardArgs(r Run) []string {
	d := r.Dashboard
	return []string{"exp", "scaletest", "dashboard", "--target-users", fmt.Sprintf("0:%d", d.Users),
		"--concurrency", "0", "--timeout", dur(d.Duration), "--job-timeout", dur(d.Duration + loadJobSlack),
		"--interval", dur(d.Interval), "--jitter", dur(d.Jitter),
		"--output", "json:" + ResultsDir + "/" + DashboardResults, "--scaletest-prometheus-address", dashboardMetricsAddress}
}

// CleanupArgs is cleanup of the template's scale-test workspaces, then of
// every scale-test user.
func CleanupArgs(r Run, template string) []string {
	return []string{"exp", "scaletest", "cleanup", "--template", template,
		"--cleanup-concurrency", num(r.Concurrency), "--cleanup-timeout", dur(r.CleanupTimeout),
		"--cleanup-job-timeout", dur(r.JobTimeout)}
}
