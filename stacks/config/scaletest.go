package config

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/platformeng/coder-platform/templates"
)

// Scaletest is the stack's scale test (components/scaletest, docs/scaletest.md):
// Coder's own `coder exp scaletest` commands, run by a Kubernetes Job on the
// control nodes of the control-plane region against a dedicated copy of one
// delivered template, with their JSON results written to an encrypted
// bucket. Off by default; when on, a suspended CronJob holds the run and an
// operator starts it (or Schedule does).
type Scaletest struct {
	// Enabled creates the scale-test template, the results bucket and the
	// Job that runs the test.
	Enabled bool `json:"enabled"`
	// Template is the composition the test builds, delivered a second time
	// as <composition>-scaletest (default: the first Kubernetes composition
	// the stack delivers). The copy keeps the pod-/ec2- prefix that gives a
	// template its kind (components/observability/thresholds).
	Template string `json:"template"`
	// Workspaces is how many workspaces the test creates, all owned by the
	// run's automation account (create-workspaces --count --use-host-login):
	// 1,000 for the enterprise profile, workload.users for the workshop
	// profile.
	Workspaces int `json:"workspaces"`
	// Concurrency is the ramp: how many workspaces are created at once
	// (--concurrency; default workspaces × workload.buildConcurrency, the
	// concurrent builds the provisioners are sized for).
	Concurrency int `json:"concurrency"`
	// Retry is how many more tries a workspace gets (--retry). The default
	// 0 measures first-try build success.
	Retry int `json:"retry"`
	// Timeout bounds the whole create-workspaces run (--timeout), JobTimeout
	// one workspace from user creation to its agent connected
	// (--job-timeout): a slower workspace counts as failed.
	Timeout    string `json:"timeout"`
	JobTimeout string `json:"jobTimeout"`
	// Commands run after the workspaces exist: workspace-traffic and
	// dashboard. create-workspaces always runs first, since both act on
	// the workspaces and users it creates.
	Commands []string `json:"commands"`
	// WorkspaceTraffic is the workspace-traffic command's load.
	WorkspaceTraffic WorkspaceTraffic `json:"workspaceTraffic"`
	// Dashboard is the dashboard command's load.
	Dashboard DashboardLoad `json:"dashboard"`
	// Image runs the commands instead of the coder image at coder.version;
	// the dashboard command needs one with Chromium, which the coder image
	// lacks. It must hold the coder CLI at coder.version.
	Image string `json:"image"`
	// Cleanup deletes the scale-test workspaces and users after the run
	// (coder exp scaletest cleanup; default true), within CleanupTimeout.
	Cleanup        *bool  `json:"cleanup"`
	CleanupTimeout string `json:"cleanupTimeout"`
	// Schedule runs the test on this cron schedule (UTC); empty keeps the
	// CronJob suspended, and runs start by hand (docs/scaletest.md).
	Schedule string `json:"schedule"`
	// ResultsRetentionDays expires result files in the results bucket.
	ResultsRetentionDays int `json:"resultsRetentionDays"`
}

// WorkspaceTraffic is `coder exp scaletest workspace-traffic` against every
// scale-test workspace for Duration.
type WorkspaceTraffic struct {
	// Duration is how long every workspace gets traffic (--timeout).
	Duration string `json:"duration"`
	// BytesPerTick are sent every TickInterval (--bytes-per-tick,
	// --tick-interval; Coder's defaults).
	BytesPerTick int    `json:"bytesPerTick"`
	TickInterval string `json:"tickInterval"`
	// SSH sends the traffic over SSH instead of the web terminal.
	SSH bool `json:"ssh"`
}

// DashboardLoad is `coder exp scaletest dashboard`: a headless browser per
// scale-test user clicking through the dashboard every Interval ± Jitter.
type DashboardLoad struct {
	// Users is how many scale-test users browse (--target-users 0:Users),
	// which the run creates for it: each is a Chromium in the Job's pod.
	Users int `json:"users"`
	// Duration is how long they browse (--timeout).
	Duration string `json:"duration"`
	// Interval and Jitter space their clicks (--interval, --jitter: Coder's
	// defaults); the jitter must be less than the interval.
	Interval string `json:"interval"`
	Jitter   string `json:"jitter"`
}

// The scale-test commands, as `coder exp scaletest` names them
// (coder/coder v2.35.1 cli/exp_scaletest.go, scaletestCmd's children).
const (
	ScaletestCreateWorkspaces = "create-workspaces"
	ScaletestWorkspaceTraffic = "workspace-traffic"
	ScaletestDashboard        = "dashboard"
)

// scaletestLoadCommands may follow create-workspaces.
var scaletestLoadCommands = []string{ScaletestWorkspaceTraffic, ScaletestDashboard}

// CleanupOn reports whether the run deletes what it created.
func (s Scaletest) CleanupOn() bool { return s.Cleanup == nil || *s.Cleanup }

// Runs reports whether the run includes the load command.
func (s Scaletest) Runs(command string) bool { return slices.Contains(s.Commands, command) }

// ScaletestTemplateSuffix names the dedicated copy of the tested template.
const ScaletestTemplateSuffix = "-scaletest"

// TemplateName is the coderd name of the scale-test template.
func (s Scaletest) TemplateName() string { return s.Template + ScaletestTemplateSuffix }

// maxCoderName is the longest name coderd accepts for a template
// (coder/coder v2.35.1 codersdk/name.go NameValid).
const maxCoderName = 32

// ScaletestDurations are the run's parsed durations.
type ScaletestDurations struct {
	Timeout, JobTimeout, Cleanup     time.Duration
	Traffic, TickInterval, Dashboard time.Duration
	Interval, Jitter                 time.Duration
}

// Durations parses the run's durations; validation reports the ones that
// do not parse, which are zero here.
func (s Scaletest) Durations() ScaletestDurations {
	d := func(v string) time.Duration { x, _ := time.ParseDuration(v); return x }
	return ScaletestDurations{
		Timeout: d(s.Timeout), JobTimeout: d(s.JobTimeout), Cleanup: d(s.CleanupTimeout),
		Traffic: d(s.WorkspaceTraffic.Duration), TickInterval: d(s.WorkspaceTraffic.TickInterval),
		Dashboard: d(s.Dashboard.Duration), Interval: d(s.Dashboard.Interval), Jitter: d(s.Dashboard.Jitter),
	}
}

// Budget is the longest the whole run may take, and so the Job's deadline
// and its token's lifetime: setup (the token, the group, the dashboard's
// users, image pulls) and the upload, creation, the load commands (which
// run side by side), and cleanup, whose workspace and user stages each get
// their own --cleanup-timeout (v2.35.1 cli/exp_scaletest.go, one
// cleanupStrategy.toContext per stage).
func (s Scaletest) Budget() time.Duration {
	d := s.Durations()
	load := time.Duration(0)
	if s.Runs(ScaletestWorkspaceTraffic) {
		load = d.Traffic
	}
	if s.Runs(ScaletestDashboard) {
		load = max(load, d.Dashboard)
	}
	if load > 0 {
		load += scaletestLoadSlack
	}
	total := scaletestSetupSlack + d.Timeout + load
	if s.CleanupOn() {
		total += scaletestCleanupStages * d.Cleanup
	}
	return total
}

// scaletestSetupSlack is the run's time outside the scale-test commands:
// pulling images, minting the token, creating the dashboard's users, and
// the upload.
const scaletestSetupSlack = 30 * time.Minute

// scaletestCleanupStages are cleanup's stages with a timeout each:
// workspaces, then users (the prebuild stages run only when there are
// prebuilds, which create-workspaces makes none of).
const scaletestCleanupStages = 2

// scaletestLoadSlack is the time a load command takes beyond its duration:
// Coder's own runner gives --job-timeout 30s more than --timeout
// (scaletest/templates/scaletest-runner/scripts/run.sh), and the commands
// wait 15s for Prometheus to scrape them (--scaletest-prometheus-wait).
const scaletestLoadSlack = time.Minute

// dashboardTokenLifetime is the lifetime of the tokens the dashboard
// command creates for the users it drives (30 * 24 * time.Hour).
const dashboardTokenLifetime = 30 * 24 * time.Hour

// scaletestWorkspacesEnterprise is the implementation plan's scale test
// (tasks 31–33): 1,000 concurrent workspaces.
const scaletestWorkspacesEnterprise = 1000

func defaultScaletest(s *Stack) {
	st := &s.Scaletest
	if st.Workspaces == 0 {
		if s.Profile == ProfileWorkshop {
			st.Workspaces = s.Workload.Users // everyone of the workshop at once
		} else {
			// The plan's 1,000, or every workspace of a smaller stack.
			st.Workspaces = scaletestWorkspacesEnterprise
			if w := s.Workload.Workspaces; w > 0 && w < st.Workspaces {
				st.Workspaces = w
			}
		}
	}
	if st.Concurrency == 0 && st.Workspaces > 0 && s.Workload.BuildConcurrency != nil {
		st.Concurrency = max(1, int(math.Ceil(float64(st.Workspaces)**s.Workload.BuildConcurrency)))
	}
	if st.Timeout == "" {
		st.Timeout = "3h"
	}
	if st.JobTimeout == "" {
		// Three times the slowest start budget (EC2, 5 minutes): a slow
		// workspace is measured, not cut off at the budget.
		st.JobTimeout = "15m"
	}
	if st.Commands == nil {
		st.Commands = []string{ScaletestCreateWorkspaces, ScaletestWorkspaceTraffic}
	}
	wt := &st.WorkspaceTraffic
	if wt.Duration == "" {
		wt.Duration = "30m"
	}
	if wt.BytesPerTick == 0 {
		wt.BytesPerTick = 1024 // Coder's default (--bytes-per-tick)
	}
	if wt.TickInterval == "" {
		wt.TickInterval = "100ms" // Coder's default (--tick-interval)
	}
	db := &st.Dashboard
	if db.Users == 0 {
		db.Users = 10
	}
	if db.Duration == "" {
		db.Duration = "30m"
	}
	if db.Interval == "" {
		db.Interval = "10s" // Coder's default (--interval)
	}
	if db.Jitter == "" {
		db.Jitter = "5s" // Coder's default (--jitter)
	}
	if st.CleanupTimeout == "" {
		st.CleanupTimeout = "2h"
	}
	if st.ResultsRetentionDays == 0 {
		st.ResultsRetentionDays = 365
	}
}

// cronSchedule is five cron fields.
var cronSchedule = regexp.MustCompile(`^(\S+\s+){4}\S+$`)

// validateScaletest runs after the templates are composed and the token
// lifetimes derived: the test needs both.
func validateScaletest(s *Plan, p *problems) {
	st := &s.Scaletest
	positive := func(key string, v int) {
		if v < 1 {
			p.add(key, v, "must be at least 1")
		}
	}
	positive("scaletest.workspaces", st.Workspaces)
	if st.Workspaces > s.Workload.Workspaces && s.Workload.Workspaces > 0 {
		p.add("scaletest.workspaces", st.Workspaces, "must be at most workload.workspaces (%d): the workspace quota and node groups are sized for it", s.Workload.Workspaces)
	}
	positive("scaletest.concurrency", st.Concurrency)
	if st.Concurrency > st.Workspaces && st.Workspaces > 0 {
		p.add("scaletest.concurrency", st.Concurrency, "must be at most scaletest.workspaces (%d)", st.Workspaces)
	}
	if st.Retry < 0 || st.Retry > 10 {
		p.add("scaletest.retry", st.Retry, "must be 0–10 tries more per workspace (0 measures first-try success)")
	}
	validateScaletestDurations(st, p)
	seen := map[string]bool{}
	for i, c := range st.Commands {
		key := fmt.Sprintf("scaletest.commands[%d]", i)
		switch {
		case seen[c]:
			p.add(key, c, "is listed twice")
		case c != ScaletestCreateWorkspaces && !slices.Contains(scaletestLoadCommands, c):
			p.add(key, c, "must be one of %s, %s", ScaletestCreateWorkspaces, strings.Join(scaletestLoadCommands, ", "))
		}
		seen[c] = true
	}
	if !seen[ScaletestCreateWorkspaces] {
		p.add("scaletest.commands", st.Commands, "must include %s: %s act on the workspaces and users it creates", ScaletestCreateWorkspaces, strings.Join(scaletestLoadCommands, " and "))
	}
	if st.Runs(ScaletestDashboard) && st.Image == "" {
		p.add("scaletest.image", st.Image, "is required with the dashboard command: it drives Chromium (coder/coder scaletest/dashboard/chromedp.go), which the coder image lacks; give an image of coder %s with chromium, started with --no-sandbox (docs/scaletest.md)", s.Coder.Version)
	}
	if st.Dashboard.Users < 1 || st.Dashboard.Users > st.Workspaces && st.Workspaces > 0 {
		p.add("scaletest.dashboard.users", st.Dashboard.Users, "must be 1–scaletest.workspaces (%d)", st.Workspaces)
	}
	if st.WorkspaceTraffic.BytesPerTick < 1 {
		p.add("scaletest.workspaceTraffic.bytesPerTick", st.WorkspaceTraffic.BytesPerTick, "must be at least 1")
	}
	if st.Schedule != "" && !cronSchedule.MatchString(st.Schedule) {
		p.add("scaletest.schedule", st.Schedule, "must be a cron schedule of five fields (UTC), or empty to start runs by hand")
	}
	if st.ResultsRetentionDays < 1 || st.ResultsRetentionDays > 3650 {
		p.add("scaletest.resultsRetentionDays", st.ResultsRetentionDays, "must be 1–3650 days")
	}
	if !st.Enabled {
		return
	}
	validateScaletestTemplate(s, p)
	// The dashboard command gives each scale-test user (a member) a 30-day
	// token (coder/coder v2.35.1 cli/exp_scaletest.go), which coderd refuses
	// above CODER_MAX_TOKEN_LIFETIME (coderd/apikey.go validateAPIKeyLifetime).
	if lt := s.lifetimes.Token; st.Runs(ScaletestDashboard) && lt > 0 && lt < dashboardTokenLifetime {
		p.add("scaletest.commands", st.Commands, "run the dashboard command, which gives each scale-test user a %s token; coder.identity.maxTokenLifetime (%s) must allow it", dashboardTokenLifetime, lt)
	}
	if lt := s.lifetimes.AdminToken; lt > 0 && st.Budget() > lt {
		p.add("scaletest.timeout", st.Timeout, "the whole run (setup, timeout, load and cleanup: %s) must fit in an owner token's lifetime (coder.identity.maxAdminTokenLifetime, %s): the run mints its token for that long", st.Budget(), lt)
	}
}

// validateScaletestTemplate resolves and checks the template the test builds.
func validateScaletestTemplate(s *Plan, p *problems) {
	st := &s.Scaletest
	if !s.Templates.Delivering() {
		p.add("scaletest.enabled", true, "needs templates.deliver: the scale test builds a dedicated copy of a delivered template")
		return
	}
	var names []string
	for _, ct := range s.composed {
		names = append(names, ct.Name)
		if st.Template == "" && ct.Base.Platform == templates.PlatformKubernetes {
			st.Template = ct.Name
		}
	}
	if st.Template == "" && len(names) > 0 {
		st.Template = names[0]
	}
	if !slices.Contains(names, st.Template) {
		p.add("scaletest.template", st.Template, "must be a composition the stack delivers: %s", strings.Join(names, ", "))
	} else if n := st.TemplateName(); len(n) > maxCoderName {
		p.add("scaletest.template", st.Template, "makes the template name %s, longer than coderd's %d characters", n, maxCoderName)
	}
}

// validateScaletestDurations checks every duration and how they relate.
func validateScaletestDurations(st *Scaletest, p *problems) {
	for _, x := range []struct{ key, v string }{
		{"scaletest.timeout", st.Timeout}, {"scaletest.jobTimeout", st.JobTimeout}, {"scaletest.cleanupTimeout", st.CleanupTimeout},
		{"scaletest.workspaceTraffic.duration", st.WorkspaceTraffic.Duration}, {"scaletest.workspaceTraffic.tickInterval", st.WorkspaceTraffic.TickInterval},
		{"scaletest.dashboard.duration", st.Dashboard.Duration}, {"scaletest.dashboard.interval", st.Dashboard.Interval},
		{"scaletest.dashboard.jitter", st.Dashboard.Jitter},
	} {
		if d, err := time.ParseDuration(x.v); err != nil || d <= 0 {
			p.add(x.key, x.v, "must be a positive duration such as 90s, 30m or 3h")
		}
	}
	d := st.Durations()
	if d.JobTimeout > 0 && d.Timeout > 0 && d.JobTimeout > d.Timeout {
		p.add("scaletest.jobTimeout", st.JobTimeout, "must not exceed scaletest.timeout (%s)", st.Timeout)
	}
	// coder exp scaletest dashboard refuses a jitter of the interval or more.
	if d.Jitter > 0 && d.Interval > 0 && d.Jitter >= d.Interval {
		p.add("scaletest.dashboard.jitter", st.Dashboard.Jitter, "must be less than scaletest.dashboard.interval (%s)", st.Dashboard.Interval)
	}
}
