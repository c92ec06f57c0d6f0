package scaletest

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// The files under testdata are coder's harness.Results, encoded by
// testdata/gen with the real type of the version tools/coderd requires
// (v2.30.0); v2.35.1, the stack's coder.version, has the same fields
// (TestScaletestResultsAreTheHarnessShape checks them against its source).
// api-latency.json is an AMP instant-query answer of APILatencyQuery.

// targets are the thresholds' defaults.
func targets(t *testing.T) Targets {
	t.Helper()
	var v thresholds.Values
	thresholds.Fill(&v)
	return TargetsOf(v)
}

func read(t *testing.T, args ...string) []File {
	t.Helper()
	var out []File
	for _, a := range args {
		f, err := ReadArg(a)
		require.NoError(t, err, a)
		out = append(out, f)
	}
	return out
}

func td(name string) string { return filepath.Join("testdata", name) }

func rows(r *Report) map[string]Row {
	out := map[string]Row{}
	for _, row := range r.Rows {
		out[row.Criterion] = row
	}
	return out
}

// The spec's targets, from the one table of thresholds.
func TestTargetsAreTheThresholds(t *testing.T) {
	tg := targets(t)
	assert.Equal(t, 500*time.Millisecond, tg.APIP95)
	assert.Equal(t, time.Second, tg.APIP99)
	assert.Equal(t, 2*time.Minute, tg.Start[thresholds.KindPod])
	assert.Equal(t, 5*time.Minute, tg.Start[thresholds.KindEC2])
	assert.Equal(t, 99.5, tg.SuccessPercent)
}

// A pod run with the latency export meets every criterion it proves; EC2
// start time is not measured by it.
func TestReportPodRunPasses(t *testing.T) {
	files := read(t, td("create-workspaces-pod-swdev-scaletest.json"), td("api-latency.json"), td("workspace-traffic.json"), td("dashboard.json"))
	assert.Equal(t, CreateWorkspaces, files[0].Command)
	assert.Equal(t, "pod-swdev-scaletest", files[0].Template)
	assert.Equal(t, WorkspaceTraffic, files[2].Command)
	assert.Equal(t, Dashboard, files[3].Command)
	r, err := Build("prod", targets(t), files)
	require.NoError(t, err)
	got := rows(r)
	assert.Equal(t, Pass, got["API latency P95"].Verdict)
	assert.Equal(t, "245 ms (1000000 requests)", got["API latency P95"].Measured)
	assert.Equal(t, "727 ms (1000000 requests)", got["API latency P99"].Measured)
	assert.Equal(t, Pass, got["start time P95, pod"].Verdict, got["start time P95, pod"].Measured)
	assert.Equal(t, NotMeasured, got["start time P95, ec2"].Verdict)
	assert.Equal(t, "99.75 % (399 of 400)", got["workspace build success"].Measured)
	assert.Equal(t, Pass, got["workspace build success"].Verdict)
	assert.Equal(t, Pass, got["workspace traffic throughput"].Verdict)
	assert.Contains(t, got["workspace traffic throughput"].Measured, "50 of 50 workspaces, 1.02 MB/s")
	assert.Equal(t, Pass, got["dashboard sessions"].Verdict)
	assert.Zero(t, r.Missed())
	var out bytes.Buffer
	r.Write(&out)
	assert.Contains(t, out.String(), "1 workspaces passed only after a retry")
	assert.Contains(t, out.String(), "0 criteria missed, 1 not measured.")
}

// The EC2 run is slow and loses 3 builds in 100: both criteria miss.
func TestReportEC2RunMisses(t *testing.T) {
	r, err := Build("prod", targets(t), read(t, td("create-workspaces-ec2-datasci-scaletest.json")))
	require.NoError(t, err)
	got := rows(r)
	assert.Equal(t, Miss, got["start time P95, ec2"].Verdict, got["start time P95, ec2"].Measured)
	assert.Equal(t, "97.00 % (97 of 100)", got["workspace build success"].Measured)
	assert.Equal(t, Miss, got["workspace build success"].Verdict)
	assert.Equal(t, NotMeasured, got["API latency P95"].Verdict)
	assert.Equal(t, 2, r.Missed())
}

// Bad input is refused with what was expected.
func TestReadRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	pod, err := os.ReadFile(td("create-workspaces-pod-swdev-scaletest.json"))
	require.NoError(t, err)
	unnamed := write("results.json", string(pod))
	for _, c := range []struct{ arg, want string }{
		{write("x.json", "not json"), "not JSON"},
		{write("y.json", `{"hello": 1}`), "neither a `coder exp scaletest --output json:` result"},
		{write("empty.json", `{"total_runs":0,"total_pass":0,"total_fail":0,"runs":{}}`), "no runs: nothing was measured"},
		{write("odd.json", `{"total_runs":2,"total_pass":1,"total_fail":0,"runs":{"workspacebuild/0":{"test_name":"workspacebuild","error":"<nil>"}}}`), "inconsistent totals"},
		{write("other.json", `{"total_runs":1,"total_pass":1,"total_fail":0,"runs":{"autostart/0":{"test_name":"autostart","error":"<nil>"}}}`), `of test "autostart"`},
		{write("prom.json", `{"status":"success","data":{"resultType":"matrix","result":[]}}`), `result type "matrix"`},
		{write("noinf.json", `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"le":"0.1"},"value":[1,"3"]}]}}`), "without +Inf"},
		{unnamed, "does not name its template"},
		{filepath.Join(dir, "missing.json"), "no such file"},
	} {
		_, err := ReadArg(c.arg)
		require.Error(t, err, c.arg)
		assert.Contains(t, err.Error(), c.want)
	}
	// Named explicitly, the same file reads; a template of no kind is refused.
	f, err := ReadArg("pod-swdev-scaletest=" + unnamed)
	require.NoError(t, err)
	assert.Equal(t, "pod-swdev-scaletest", f.Template)
	f, err = ReadArg("swdev=" + unnamed)
	require.NoError(t, err)
	_, err = Build("prod", targets(t), []File{f})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `template "swdev" has no kind: its name must start with ec2- or pod-`)
}

// histogram_quantile's interpolation, and its edges.
func TestHistogramQuantile(t *testing.T) {
	h := Histogram{{0.1, 50}, {0.5, 90}, {1, 100}, {math.Inf(1), 100}}
	assert.InDelta(t, 0.05, h.Quantile(0.25), 1e-9)
	assert.InDelta(t, 0.3, h.Quantile(0.7), 1e-9)
	assert.InDelta(t, 0.75, h.Quantile(0.95), 1e-9)
	slow := Histogram{{0.5, 10}, {1, 20}, {math.Inf(1), 100}}
	assert.Equal(t, 1.0, slow.Quantile(0.95), "a rank in +Inf is the highest finite bound")
	assert.True(t, math.IsNaN(Histogram{{1, 0}, {math.Inf(1), 0}}.Quantile(0.5)))
}
