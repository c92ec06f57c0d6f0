package delivery_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/upstreamsrc"

	"github.com/platformeng/coder-platform/components/delivery"
)

// What a failed apply looks like in coderd v2.30.0: the job error is
// Terraform's exit (provisioner/terraform/provision.go), the cause is in
// the error-level log lines (Terraform's diagnostic, as the AWS provider
// and aws-sdk-go-v2 word it).
const applyFailed = "terraform apply: exit status 1"

var (
	noCapacity = []string{
		"Error: creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 500, RequestID: 4f0c2a7e-1b2d-4c3e-8f9a-0b1c2d3e4f5a, api error InsufficientInstanceCapacity: We currently do not have sufficient m6i.2xlarge capacity in the Availability Zone you requested (us-east-1a).",
		`on main.tf line 82, in resource "aws_instance" "workspace":`,
		`  82: resource "aws_instance" "workspace" {`,
	}
	failedAt = time.Date(2026, 3, 2, 9, 15, 0, 123456000, time.UTC)
)

// An infrastructure failure is retried once its backoff has passed, by a
// start build of the same version, and a second run while that build is
// queued does nothing.
func TestRetryStartsAnInfrastructureFailureAfterTheBackoff(t *testing.T) {
	f := &fakeCoderd{}
	ws := f.add("alice", aliceID, "dev", failedStart(aliceID, failedAt, applyFailed, noCapacity...))
	r := startFake(t, f)

	out, err := r.run(t, failedAt.Add(30*time.Second))
	require.NoError(t, err, out)
	assert.Contains(t, out, "retry: alice/dev: build #1 failed: EC2 capacity (InsufficientInstanceCapacity); retry 1 of 3 due in 30s")
	assert.Empty(t, f.started(), "not before the backoff")

	out, err = r.run(t, failedAt.Add(time.Minute))
	require.NoError(t, err, out)
	assert.Contains(t, out, "retry: alice/dev: build #1 failed: EC2 capacity (InsufficientInstanceCapacity); retry 1 of 3 started")
	assert.Contains(t, out, "retry: done: 1 started, 0 waiting, 0 exhausted, 0 not retried")
	assert.Equal(t, []string{"dev"}, f.started())
	retry := ws.latest()
	assert.Equal(t, 2, retry.BuildNumber)
	assert.Equal(t, automationID, retry.InitiatorID, "the retry is the automation account's: the mark later runs count by")
	assert.Equal(t, "tv-1", retry.TemplateVersionID, "the failed build's version")

	out, err = r.run(t, failedAt.Add(90*time.Second))
	require.NoError(t, err, out)
	assert.Contains(t, out, "retry: done: 0 started")
	assert.Len(t, f.started(), 1, "idempotent: the queued retry is not started again")
}

// The scale test's failures are what it measures: a template in
// SKIP_TEMPLATES is never retried, while the same failure elsewhere is.
func TestRetrySkipsTheScaleTestTemplate(t *testing.T) {
	f := &fakeCoderd{}
	f.add("alice", aliceID, "dev", failedStart(aliceID, failedAt, applyFailed, noCapacity...))
	probe := f.add("scaletest", automationID, "scaletest-1", failedStart(automationID, failedAt, applyFailed, noCapacity...))
	probe.Template = "pod-swdev-scaletest"
	r := startFake(t, f)

	out, err := r.run(t, failedAt.Add(time.Minute), "SKIP_TEMPLATES=pod-swdev-scaletest")
	require.NoError(t, err, out)
	assert.Equal(t, []string{"dev"}, f.started(), out)
	assert.NotContains(t, out, "scaletest/scaletest-1")
}

// Each retry that fails again waits twice as long as the one before, up to
// the cap (150 s here), and after MAX_ATTEMPTS retries the failure is left
// to its owner.
func TestRetryBackoffDoublesUpToTheCapAndStops(t *testing.T) {
	f := &fakeCoderd{}
	ws := f.add("alice", aliceID, "dev", failedStart(aliceID, failedAt, applyFailed, noCapacity...))
	r := startFake(t, f)
	at := failedAt
	for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 150 * time.Second} {
		out, err := r.run(t, at.Add(wait-time.Second))
		require.NoError(t, err, out)
		assert.Contains(t, out, "due in 1s", "retry %d waits %s", i+1, wait)
		out, err = r.run(t, at.Add(wait))
		require.NoError(t, err, out)
		assert.Contains(t, out, "retry "+string(rune('1'+i))+" of 3 started")
		require.Len(t, f.started(), i+1)
		// The retry fails again, throttled this time, a few minutes on.
		at = at.Add(wait + 3*time.Minute)
		f.fail(ws, at, applyFailed, "Error: reading EC2 Instance: operation error EC2: DescribeInstances, exceeded maximum number of attempts, 25, https response error StatusCode: 503, RequestID: x, api error RequestLimitExceeded: Request limit exceeded.")
	}
	out, err := r.run(t, at.Add(24*time.Hour-time.Minute))
	require.NoError(t, err, out)
	assert.Contains(t, out, "retry: alice/dev: build #4 failed: AWS throttling (RequestLimitExceeded); retries exhausted (3 of 3)")
	assert.Contains(t, out, "retry: done: 0 started, 0 waiting, 1 exhausted")
	assert.Len(t, f.started(), 3, "the cap holds")

	// The owner starts it again and it fails the same way: a new failure,
	// with retries of its own.
	f.mu.Lock()
	f.append(ws, failedStart(aliceID, at.Add(time.Hour), applyFailed, noCapacity...))
	f.mu.Unlock()
	out, err = r.run(t, at.Add(time.Hour+time.Minute))
	require.NoError(t, err, out)
	assert.Contains(t, out, "retry: alice/dev: build #5 failed: EC2 capacity (InsufficientInstanceCapacity); retry 1 of 3 started")
}

// User and template errors, and what is not a failed start of a user's
// active workspace, are never retried.
func TestRetryLeavesUserErrorsAlone(t *testing.T) {
	f := &fakeCoderd{}
	old := failedAt.Add(-25 * time.Hour)
	quota := failedStart(aliceID, failedAt, "insufficient quota")
	param := failedStart(aliceID, failedAt, "missing parameter")
	param.Job.ErrorCode = "MISSING_TEMPLATE_PARAMETER"
	stop := failedStart(aliceID, failedAt, applyFailed, noCapacity...)
	stop.Transition = "stop"
	canceled := failedStart(aliceID, failedAt, "canceled", noCapacity...)
	canceled.Job.Status = "canceled"
	f.add("alice", aliceID, "quota", quota)
	f.add("alice", aliceID, "param", param)
	f.add("alice", aliceID, "variable", failedStart(aliceID, failedAt, applyFailed,
		"Error: Invalid value for variable", `The value for var.disk_gib is not compatible with the variable's type constraint: a number is required.`))
	f.add("alice", aliceID, "both", failedStart(aliceID, failedAt, applyFailed, append([]string{"Error: insufficient quota"}, noCapacity...)...))
	f.add("alice", aliceID, "unknown", failedStart(aliceID, failedAt, applyFailed, `Error: Unsupported argument`, `An argument named "foo" is not expected here.`))
	f.add("alice", aliceID, "stopping", stop)
	f.add("alice", aliceID, "canceled", canceled)
	f.add("alice", aliceID, "yesterday", failedStart(aliceID, old, applyFailed, noCapacity...))
	f.add("prebuilds", prebuildsID, "prebuilt", failedStart(prebuildsID, failedAt, applyFailed, noCapacity...))
	dormant := f.add("alice", aliceID, "dormant", failedStart(aliceID, failedAt, applyFailed, noCapacity...))
	dormant.DormantAt = &failedAt
	r := startFake(t, f)

	out, err := r.run(t, failedAt.Add(time.Hour))
	require.NoError(t, err, out)
	assert.Empty(t, f.started(), out)
	for _, want := range []string{
		"retry: alice/quota: build #1 failed: workspace quota (insufficient quota); not retried",
		"retry: alice/param: build #1 failed with error code MISSING_TEMPLATE_PARAMETER; a user error, not retried",
		"retry: alice/variable: build #1 failed: invalid variable (Invalid value for variable); not retried",
		"retry: alice/both: build #1 failed: workspace quota (insufficient quota); not retried",
		"retry: alice/unknown: build #1 failed: terraform apply: exit status 1; not an infrastructure failure, not retried",
		"retry: alice/dormant: build #1 failed; dormant, left alone",
		"retry: done: 0 started, 0 waiting, 0 exhausted, 5 not retried",
	} {
		assert.Contains(t, out, want)
	}
	for _, quiet := range []string{"stopping", "canceled", "yesterday", "prebuilt"} {
		assert.NotContains(t, out, "/"+quiet+":", "%s is not a candidate", quiet)
	}
}

// Infrastructure classes beyond EC2: a provisioner lost mid-build (job
// error only, no logs), and the Kubernetes API overloaded.
func TestRetryClassifiesProvisionerAndKubernetesFailures(t *testing.T) {
	f := &fakeCoderd{}
	f.add("alice", aliceID, "reaped", failedStart(aliceID, failedAt,
		"Coder: Build has been detected as hung for 5 minutes and has been terminated by the reaper."))
	f.add("alice", aliceID, "evicted", failedStart(aliceID, failedAt, "provisioner daemon was shutdown gracefully"))
	f.add("alice", aliceID, "pod", failedStart(aliceID, failedAt, applyFailed,
		"Error: Failed to create deployment: the server has received too many requests and has asked us to try again later (post deployments.apps)"))
	r := startFake(t, f)
	out, err := r.run(t, failedAt.Add(time.Minute))
	require.NoError(t, err, out)
	assert.Contains(t, out, "retry: alice/reaped: build #1 failed: provisioner lost (has been terminated by the reaper); retry 1 of 3 started")
	assert.Contains(t, out, "retry: alice/evicted: build #1 failed: provisioner stopped (provisioner daemon was shutdown gracefully); retry 1 of 3 started")
	assert.Contains(t, out, "retry: alice/pod: build #1 failed: Kubernetes API throttling")
	assert.ElementsMatch(t, []string{"reaped", "evicted", "pod"}, f.started())
}

// Two runs at once (a CronJob run and one started by hand) start one
// build: the second run's start is refused by coderd (409, a build is
// active) and it says so without failing.
func TestRetryOverlappingRunsStartOneBuild(t *testing.T) {
	f := &fakeCoderd{}
	f.add("alice", aliceID, "dev", failedStart(aliceID, failedAt, applyFailed, noCapacity...))
	r := startFake(t, f)
	now := failedAt.Add(time.Minute)
	var inner string
	var wg sync.WaitGroup
	wg.Add(1)
	// The other run reads everything while the first one's start is in
	// flight, and starts its own before the first is applied.
	f.beforeStart = func() {
		defer wg.Done()
		out, err := r.run(t, now)
		assert.NoError(t, err, out)
		inner = out
	}
	out, err := r.run(t, now)
	require.NoError(t, err, out)
	wg.Wait()
	assert.Len(t, f.started(), 1, "one retry: %s\n%s", out, inner)
	assert.Equal(t, []string{"dev"}, f.refused)
	assert.Contains(t, inner, "retry 1 of 3 started")
	assert.Contains(t, out, "retry: alice/dev: a build is already active (another run or the owner started it); left alone")
}

// Failures are all listed before any is started (a start moves a
// workspace out of status:failed, which would shift the pages), and one
// run starts at most MAX_PER_RUN; the rest wait for the next run.
func TestRetryPagesAndBoundsEachRun(t *testing.T) {
	f := &fakeCoderd{}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		f.add("alice", aliceID, n, failedStart(aliceID, failedAt, applyFailed, noCapacity...))
	}
	r := startFake(t, f)
	extra := []string{"MAX_PER_RUN=3", "PAGE_SIZE=2"}
	out, err := r.run(t, failedAt.Add(time.Minute), extra...)
	require.NoError(t, err, out)
	assert.Equal(t, []string{"a", "b", "c"}, f.started())
	assert.Contains(t, out, "retry: alice/d: retry 1 of 3 deferred to the next run (3 started in this one)")
	assert.Contains(t, out, "retry: done: 3 started, 2 waiting")
	out, err = r.run(t, failedAt.Add(2*time.Minute), extra...)
	require.NoError(t, err, out)
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, f.started())
}

// A start coderd refuses (the token's account lost the owner role) fails
// the run with the line the runbook names, after trying the others; a
// rejected token stops it at once.
func TestRetryFailsWhenCoderdRefuses(t *testing.T) {
	f := &fakeCoderd{startStatus: 403}
	f.add("alice", aliceID, "a", failedStart(aliceID, failedAt, applyFailed, noCapacity...))
	f.add("alice", aliceID, "b", failedStart(aliceID, failedAt, applyFailed, noCapacity...))
	r := startFake(t, f)
	out, err := r.run(t, failedAt.Add(time.Minute))
	require.Error(t, err)
	assert.Contains(t, out, "retry: alice/a: starting it answered HTTP 403")
	assert.Contains(t, out, "retry: alice/b: starting it answered HTTP 403")
	assert.Contains(t, out, "retry: 2 start(s) refused by coderd")
	assert.Contains(t, out, delivery.RetryFailurePattern+" (exit 1); docs/runbooks.md#build-retries")

	assert.Contains(t, out, "retry: alice/a: starting it answered HTTP 403: You do not have permission to start this workspace.")

	// A start coderd will not build is the owner's to fix: said, and the
	// run goes on.
	f.mu.Lock()
	f.startStatus = 400
	f.mu.Unlock()
	out, err = r.run(t, failedAt.Add(time.Minute))
	require.NoError(t, err, out)
	assert.Contains(t, out, `retry: alice/a: coderd refused the retry (HTTP 400): Unable to validate parameter "region"; not retried`)
	assert.Contains(t, out, "retry: done: 0 started, 0 waiting, 0 exhausted, 2 not retried")

	out, err = r.run(t, failedAt.Add(time.Minute), "CODER_SESSION_TOKEN=expired-token-0000000000")
	require.Error(t, err)
	assert.Contains(t, out, "coderd rejected the session token (HTTP 401): coder/prod/us-east-1/admin-token has expired or was revoked")
	assert.Contains(t, out, delivery.RetryFailurePattern)
}

// epoch reads the times coderd writes (RFC 3339 with fractions, UTC or an
// offset) as date would.
func TestRetryReadsCoderdTimes(t *testing.T) {
	script := strings.SplitN(delivery.RetryScript(), "me=$(api GET /users/me", 2)[0]
	for _, tc := range []time.Time{failedAt, time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC),
		time.Date(2031, 12, 31, 0, 0, 1, 999999999, time.FixedZone("", -5*3600-30*60)), time.Date(1999, 1, 1, 0, 0, 0, 0, time.FixedZone("", 2*3600))} {
		s := tc.Format(time.RFC3339Nano)
		cmd := exec.Command("bash", "-c", script+`epoch "$T"`)
		cmd.Env = append(os.Environ(), "T="+s, "NOW=0")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		assert.Equal(t, tc.Unix(), mustInt(t, strings.TrimSpace(string(out))), s)
	}
}

func mustInt(t *testing.T, s string) int64 {
	var n int64
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', "not a number: %q", s)
		n = n*10 + int64(c-'0')
	}
	return n
}

// The fake's field names are codersdk's in the pinned source (v2.30.0 in
// the module cache), so the script parses what coderd sends.
func TestFakeCoderdShapes(t *testing.T) {
	dir := filepath.Join(upstreamsrc.Coder(t, "v2.35.1"), "codersdk")
	src := ""
	for _, f := range []string{"workspaces.go", "workspacebuilds.go", "provisionerdaemons.go"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		src += string(b)
	}
	for _, tag := range []string{`json:"workspaces"`, `json:"latest_build"`, `json:"owner_id"`, `json:"owner_name"`, `json:"dormant_at"`, `json:"template_name"`,
		`json:"build_number"`, `json:"transition"`, `json:"initiator_id"`, `json:"template_version_id,omitempty"`, `json:"job"`,
		`json:"status"`, `json:"completed_at,omitempty"`, `json:"error,omitempty"`, `json:"error_code,omitempty"`,
		`json:"log_level"`, `json:"output"`} {
		assert.Regexp(t, regexp.MustCompile(regexp.QuoteMeta(tag)), src, tag)
	}
}
