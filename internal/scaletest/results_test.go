package scaletest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/upstreamsrc"
)

// coderVersion is the coder/coder release whose result files the report
// reads: the stack's coder.version (Pulumi.prod.yaml).
const coderVersion = "v2.35.1"

// sourceLine is text that line Line of File (in coder v2.35.1) holds.
type sourceLine struct {
	File string
	Line int
	Text string
}

// harnessTags are the JSON fields of v2.35.1's harness.Results and
// RunResult (scaletest/harness/results.go), each with its line: exactly
// the fields Results and RunResult read.
var harnessTags = map[string][]sourceLine{
	"Results": {
		{"scaletest/harness/results.go", 19, `json:"total_runs"`},
		{"scaletest/harness/results.go", 20, `json:"total_pass"`},
		{"scaletest/harness/results.go", 21, `json:"total_fail"`},
		{"scaletest/harness/results.go", 22, `json:"elapsed"`},
		{"scaletest/harness/results.go", 23, `json:"elapsed_ms"`},
		{"scaletest/harness/results.go", 25, `json:"runs"`},
	},
	"RunResult": {
		{"scaletest/harness/results.go", 30, `json:"full_id"`},
		{"scaletest/harness/results.go", 31, `json:"test_name"`},
		{"scaletest/harness/results.go", 32, `json:"id"`},
		{"scaletest/harness/results.go", 33, `json:"logs"`},
		// MarshalJSON writes the error as a string (line 46).
		{"scaletest/harness/results.go", 34, `json:"error"`},
		{"scaletest/harness/results.go", 35, `json:"started_at"`},
		{"scaletest/harness/results.go", 36, `json:"duration"`},
		{"scaletest/harness/results.go", 37, `json:"duration_ms"`},
		{"scaletest/harness/results.go", 38, `json:"metrics,omitempty"`},
	},
}

// constants are the other strings of coder v2.35.1 the report relies on.
var constants = []sourceLine{
	{"scaletest/harness/results.go", 49, `Error: fmt.Sprintf("%+v", r.Error)`}, // noError: "%+v" of nil
	{"scaletest/workspacebuild/run.go", 71, `"Retrying build %d/%d...\n"`},
	{"scaletest/workspacetraffic/run.go", 251, `BytesReadMetric    = "` + BytesRead + `"`},
	{"scaletest/workspacetraffic/run.go", 252, `BytesWrittenMetric = "` + BytesWritten + `"`},
	{"cli/exp_scaletest.go", 914, `const name = "workspacebuild"`},
	{"cli/exp_scaletest.go", 1529, `name  = "workspace-traffic"`},
	{"cli/exp_scaletest.go", 1826, `th.AddRun("dashboard", name, runner)`},
	{"cli/exp_scaletest.go", 286, `json.NewEncoder(w).Encode(res)`},
	{"coderd/httpmw/prometheus.go", 89, `Name:      "request_latencies_seconds"`},
}

func jsonTags(v any) []string {
	var out []string
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		out = append(out, `json:"`+t.Field(i).Tag.Get("json")+`"`)
	}
	return out
}

// Results and RunResult decode exactly the harness's fields, and the test
// names, metrics and log line the report reads are the harness's.
func TestScaletestResultsAreTheHarnessShape(t *testing.T) {
	texts := func(ls []sourceLine) []string {
		var out []string
		for _, l := range ls {
			out = append(out, l.Text)
		}
		return out
	}
	assert.Equal(t, texts(harnessTags["Results"]), jsonTags(Results{}))
	assert.Equal(t, texts(harnessTags["RunResult"]), jsonTags(RunResult{}))
	assert.Equal(t, map[string]Command{"workspacebuild": CreateWorkspaces, "workspace-traffic": WorkspaceTraffic, "dashboard": Dashboard}, testNames)
	assert.Equal(t, "<nil>", noError)
}

// The lists above are coder v2.35.1's source.
func TestScaletestHarnessListsAreCoderSource(t *testing.T) {
	dir := upstreamsrc.Coder(t, coderVersion)
	all := append(append(append([]sourceLine{}, harnessTags["Results"]...), harnessTags["RunResult"]...), constants...)
	for _, l := range all {
		b, err := os.ReadFile(filepath.Join(dir, l.File))
		require.NoError(t, err)
		lines := strings.Split(string(b), "\n")
		require.Less(t, l.Line-1, len(lines))
		assert.Contains(t, lines[l.Line-1], l.Text, "%s:%d", l.File, l.Line)
	}
}
