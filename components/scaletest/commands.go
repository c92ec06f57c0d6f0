package scaletest

import (
	"fmt"
	"strconv"
	"time"
)

// The command lines of a run. Every subcommand and flag is `coder exp
// scaletest` of coder/coder v2.35.1, the version the stack pins
// (coder.version), in cli/exp_scaletest.go of the module cache copy:
// scaletestCreateWorkspaces (options at lines 1027-1148), scaletestWorkspaceTraffic
// (1639-1689), scaletestDashboard (1853-1894) and scaletestCleanup
// (798-807), with the shared concurrencyFlags (155-157: --concurrency,
// --cleanup-concurrency), timeoutFlags (189-193: --timeout, --job-timeout
// and their cleanup- forms), scaletestOutputFlags (314: --output
// "<format>[:<path>]"), scaletestPrometheusFlags (378:
// --scaletest-prometheus-address) and workspaceTargetFlags (406-420:
// --template, --use-host-login of workspace-traffic). commands_test.go
// holds that list and fails on any other flag.
//
// The run creates every workspace as its own account (create-workspaces
// --use-host-login, line 1129: no user is created, the runner builds as
// the session's user, scaletest/createworkspaces/run.go:59), which is an
// owner and so may use the scale-test template without any grant, and
// workspace-traffic targets only that account's workspaces
// (--use-host-login, line 419: owner "me", lines 446-449). Coder v2.30.0
// had the same flags; what changed by v2.35.1 is in run.sh (cleanup and
// tokens remove).

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

// CreateArgs is create-workspaces: Workspaces workspaces from the template,
// all the run's own account's (--use-host-login: no scale-test users),
// Concurrency at a time. --no-cleanup keeps them for the load commands;
// cleanup comes last.
func CreateArgs(r Run, template string) []string {
	return []string{"exp", "scaletest", "create-workspaces",
		"--count", num(r.Workspaces), "--template", template, "--use-host-login",
		"--concurrency", num(r.Concurrency), "--retry", num(r.Retry),
		"--timeout", dur(r.Timeout), "--job-timeout", dur(r.JobTimeout),
		"--no-cleanup", "--output", "json:" + createResults(template)}
}

// TrafficArgs is workspace-traffic to every scale-test workspace of the
// template that the run's account owns (--use-host-login), all at once
// (--concurrency 0: unlimited) for Traffic.Duration. Only its own: with
// CODER_DISABLE_OWNER_WORKSPACE_ACCESS (the platform's default) an owner
// cannot open anyone else's, and the command skips them (v2.35.1
// cli/exp_scaletest.go:2261).
func TrafficArgs(r Run, template string) []string {
	t := r.Traffic
	args := []string{"exp", "scaletest", "workspace-traffic", "--template", template, "--use-host-login",
		"--concurrency", "0", "--timeout", dur(t.Duration), "--job-timeout", dur(t.Duration + loadJobSlack),
		"--bytes-per-tick", num(t.BytesPerTick), "--tick-interval", dur(t.TickInterval),
		"--output", "json:" + ResultsDir + "/" + TrafficResults, "--scaletest-prometheus-address", trafficMetricsAddress}
	if t.SSH {
		args = append(args, "--ssh")
	}
	return args
}

// DashboardArgs is dashboard for the first Dashboard.Users scale-test users
// at once: the command drives scale-test users (getScaletestUsers, v2.35.1
// cli/exp_scaletest.go:1761), which create-workspaces no longer makes, so
// run.sh creates Dashboard.Users of them first (DASHBOARD_USERS).
func DashboardArgs(r Run) []string {
	d := r.Dashboard
	return []string{"exp", "scaletest", "dashboard", "--target-users", fmt.Sprintf("0:%d", d.Users),
		"--concurrency", "0", "--timeout", dur(d.Duration), "--job-timeout", dur(d.Duration + loadJobSlack),
		"--interval", dur(d.Interval), "--jitter", dur(d.Jitter),
		"--output", "json:" + ResultsDir + "/" + DashboardResults, "--scaletest-prometheus-address", dashboardMetricsAddress}
}

// CleanupArgs is cleanup of the template's scale-test workspaces, then of
// every scale-test user. In v2.35.1 it first pauses the prebuilds
// reconciler (cli/exp_scaletest.go:646-656, PUT /api/v2/prebuilds/settings,
// a route of the workspace_prebuilds feature: enterprise/coderd/coderd.go:657-663),
// and resumes it at the end; run.sh checks that entitlement first.
func CleanupArgs(r Run, template string) []string {
	return []string{"exp", "scaletest", "cleanup", "--template", template,
		"--cleanup-concurrency", num(r.Concurrency), "--cleanup-timeout", dur(r.CleanupTimeout),
		"--cleanup-job-timeout", dur(r.JobTimeout)}
}
