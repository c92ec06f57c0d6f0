package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResilienceUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--stack", "prod"}, "--stack and --lose are required"},
		{[]string{"--lose", "az:us-east-1a"}, "--stack and --lose are required"},
		{[]string{"--stack", "prod", "--lose", "zone:us-east-1a"}, `--lose "zone:us-east-1a": want az:<zone> (such as az:us-east-1a) or region:<region>`},
		{[]string{"--stack", "prod", "--lose", "az:us-east-1a", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"--stack", "prod", "--lose", "az:us-east-1a", "--config-file", "/nonexistent.yaml"}, "stack file /nonexistent.yaml"},
		{[]string{"--stack", "prod", "--lose", "az:us-east-1z"}, `--lose az:us-east-1z: the stack has no subnet in zone "us-east-1z"; its zones are us-east-1a, us-east-1b, us-east-1c`},
		{[]string{"--stack", "prod", "--lose", "region:us-west-2"}, `the stack has no region "us-west-2"; its regions are us-east-1`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"resilience"}, c.args...), &stdout, &stderr)
		assert.Equal(t, exitUsage, code, "%v", c.args)
		assert.Contains(t, stderr.String(), c.want, "%v", c.args)
	}
}

// Losing the control plane's region stops the critical tiers: exit 1, and
// the JSON says why.
func TestResilienceExitStatus(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitFailure, run([]string{"resilience", "--stack", "workshop", "--lose", "region:us-east-2", "--json"}, &stdout, &stderr), stderr.String())
	var rep struct {
		Failed bool
		Tiers  []struct{ Tier, Status string }
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
	assert.True(t, rep.Failed)
	status := map[string]string{}
	for _, tv := range rep.Tiers {
		status[tv.Tier] = tv.Status
	}
	assert.Equal(t, "stops", status["coderd"])

	stdout.Reset()
	code := run([]string{"resilience", "--stack", "workshop", "--lose", "region:eu-west-2"}, &stdout, &stderr)
	assert.Equal(t, exitOK, code, stdout.String())
	assert.Contains(t, stdout.String(), "its users fall back to the primary")
}
