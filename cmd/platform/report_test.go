package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/report"
)

// The report is one file, index.html, in a directory it creates, with
// every section; against a base file it adds the changes.
func TestReportWritesOnePage(t *testing.T) {
	base, code, out := previewFile(t, "prod")
	require.Equal(t, exitOK, code, out)
	edited := weaken(t, base, "aws:ec2/subnet:Subnet", func(ns map[string]any) {
		ns["inputs"].(map[string]any)["mapPublicIpOnLaunch"] = true
	})

	dir := filepath.Join(t.TempDir(), "site", "prod")
	code, out, errOut := runCLI(t, "report", "--stack", "prod", "--out", dir, "--base", edited)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Wrote "+filepath.Join(dir, "index.html"))

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	data, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	page := string(data)
	for _, id := range append(report.Sections, report.Changes) {
		assert.Contains(t, page, `<section id="`+id+`"`)
	}
	assert.Contains(t, page, "Changes against weakened.json")
	assert.Contains(t, page, `data-path="mapPublicIpOnLaunch"`)
}

// Usage and config errors exit 2, before anything is written.
func TestReportUsageErrors(t *testing.T) {
	workshop, code, out := previewFile(t, "workshop")
	require.Equal(t, exitOK, code, out)
	data, err := os.ReadFile("../../Pulumi.prod.yaml")
	require.NoError(t, err)
	badConfig := filepath.Join(t.TempDir(), "Pulumi.prod.yaml")
	require.NoError(t, os.WriteFile(badConfig, []byte(strings.Replace(string(data), "vpcCidr: 10.40.0.0/16", "vpcCidr: 10.40.0.0/33", 1)), 0o644))
	noSames := filepath.Join(t.TempDir(), "pulumi-preview.json")
	require.NoError(t, os.WriteFile(noSames, []byte(`{"steps": [{"op": "update", "urn": "urn:pulumi:prod::coder-platform::aws:s3/bucket:Bucket::b",
		"newState": {"urn": "urn:pulumi:prod::coder-platform::aws:s3/bucket:Bucket::b", "type": "aws:s3/bucket:Bucket", "custom": true, "inputs": {}}}],
		"changeSummary": {"same": 300, "update": 1}}`), 0o644))
	notJSON := filepath.Join(t.TempDir(), "notes.txt")
	require.NoError(t, os.WriteFile(notJSON, []byte("not a preview"), 0o644))

	dir := filepath.Join(t.TempDir(), "out")
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no flags":        {nil, "--stack and --out are required"},
		"no out":          {[]string{"--stack", "prod"}, "--stack and --out are required"},
		"unknown stack":   {[]string{"--stack", "nope", "--out", dir}, "Pulumi.nope.yaml"},
		"invalid config":  {[]string{"--stack", "prod", "--out", dir, "--config-file", badConfig}, "vpcCidr"},
		"missing base":    {[]string{"--stack", "prod", "--out", dir, "--base", "nope.json"}, "reading --base nope.json"},
		"base not a file": {[]string{"--stack", "prod", "--out", dir, "--base", notJSON}, "reading --base"},
		"other stack":     {[]string{"--stack", "prod", "--out", dir, "--base", workshop}, `is a preview of stack "workshop", not "prod"`},
		"without sames":   {[]string{"--stack", "prod", "--out", dir, "--base", noSames}, "leaves out 300 unchanged resources"},
	} {
		code, _, errOut := runCLI(t, append([]string{"report"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, name)
		assert.Contains(t, errOut, tc.want, name)
	}
	assert.NoDirExists(t, dir)
}
