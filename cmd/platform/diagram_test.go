package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Bad flags, a missing stack, an unknown view or format and an invalid
// stack file exit 2 before anything is drawn.
func TestDiagramUsageErrorsExit2(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "Pulumi.prod.yaml")
	data, err := os.ReadFile("../../Pulumi.prod.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(string(data), "vpcCidr: 10.40.0.0/16", "vpcCidr: 10.40.0.0/33", 1)), 0o644))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"diagram"}, "--stack is required"},
		{[]string{"diagram", "--stack", "prod", "--view", "network"}, `--view: unknown view "network"`},
		{[]string{"diagram", "--stack", "prod", "--format", "png"}, `--format: unknown format "png"`},
		{[]string{"diagram", "--stack", "prod", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"diagram", "--stack", "prod", "extra"}, `unexpected argument "extra"`},
		{[]string{"diagram", "--stack", "nosuch"}, "Pulumi.nosuch.yaml"},
		{[]string{"diagram", "--stack", "prod", "--config-file", bad}, "regions[0].vpcCidr"},
	} {
		code, out, errOut := runCLI(t, c.args...)
		assert.Equal(t, exitUsage, code, "%v: %s", c.args, errOut)
		assert.Contains(t, errOut, c.want, c.args)
		assert.Empty(t, out, c.args)
	}
}

// The command draws from the preview in the format asked for, or the one
// --out's extension names.
func TestDiagramCommandWritesEachFormat(t *testing.T) {
	code, out, errOut := runCLI(t, "diagram", "--stack", "prod", "--view", "traffic", "--format", "mermaid")
	require.Equal(t, exitOK, code, errOut)
	assert.True(t, strings.HasPrefix(out, "---\ntitle: \"prod · traffic\"\n---\nflowchart TB\n"), out)
	assert.Contains(t, out, `"TLS :443"`)

	dir := t.TempDir()
	svg := filepath.Join(dir, "traffic.svg")
	code, out, errOut = runCLI(t, "diagram", "--stack", "prod", "--view", "traffic", "--out", svg)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Wrote "+svg+" (traffic view of prod, svg, ")
	data, err := os.ReadFile(svg)
	require.NoError(t, err)
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
	}

	d2 := filepath.Join(dir, "security.d2")
	code, _, errOut = runCLI(t, "diagram", "--stack", "prod", "--view", "security", "--out", d2)
	require.Equal(t, exitOK, code, errOut)
	data, err = os.ReadFile(d2)
	require.NoError(t, err)
	assert.Contains(t, string(data), "direction: right\n")
	assert.Contains(t, string(data), `"encrypts"`)
}
