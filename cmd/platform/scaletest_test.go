package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// testdata of internal/scaletest: coder v2.30.0 harness results.
func scaletestFile(name string) string {
	return filepath.Join("..", "..", "internal", "scaletest", "testdata", name)
}

// A passing pod run exits 0 and prints every criterion with its verdict.
func TestScaletestReportPasses(t *testing.T) {
	code, stdout, stderr := runCLI(t, "scaletest", "report", "--stack", "prod",
		scaletestFile("create-workspaces-pod-swdev-scaletest.json"), scaletestFile("api-latency.json"), scaletestFile("workspace-traffic.json"))
	assert.Equal(t, exitOK, code, stderr)
	for _, want := range []string{"API latency P95", "245 ms", "≤ 500 ms", "API latency P99", "start time P95, pod", "≤ 120 s",
		"start time P95, ec2", "not measured", "workspace build success", "99.75 % (399 of 400)", "≥ 99.5 %", "creation throughput",
		"workspace traffic throughput"} {
		assert.Contains(t, stdout, want)
	}
}

// A missed criterion exits 1.
func TestScaletestReportMisses(t *testing.T) {
	code, stdout, stderr := runCLI(t, "scaletest", "report", "--stack", "prod", scaletestFile("create-workspaces-ec2-datasci-scaletest.json"))
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stdout, "MISS")
	assert.Contains(t, stderr, "2 acceptance criteria missed")
}

// Bad input exits 2 with what is wrong.
func TestScaletestReportBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scaletest"}, "usage: platform scaletest report"},
		{[]string{"scaletest", "report", scaletestFile("dashboard.json")}, "--stack is required"},
		{[]string{"scaletest", "report", "--stack", "prod"}, "usage: platform scaletest report"},
		{[]string{"scaletest", "report", "--stack", "prod", "nope.json"}, "no such file"},
		{[]string{"scaletest", "report", "--stack", "nope", scaletestFile("dashboard.json")}, "Pulumi.nope.yaml"},
		{[]string{"scaletest", "report", "--stack", "prod", "swdev=" + scaletestFile("create-workspaces-pod-swdev-scaletest.json")}, "has no kind"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with %q", tc.args, code, stderr, tc.want)
		}
	}
}
