package config

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every rule of the scaletest section, with a bad input.
func TestScaletestValidation(t *testing.T) {
	on := func(kv map[string]any) map[string]any {
		out := map[string]any{"enabled": true}
		for k, v := range kv {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name  string
		stack string
		value map[string]any
		want  string
	}{
		{"no workspaces", "prod", on(map[string]any{"workspaces": -5}),
			`scaletest.workspaces: got -5; must be at least 1`},
		{"more workspaces than planned", "workshop", on(map[string]any{"workspaces": 500}),
			`scaletest.workspaces: got 500; must be at most workload.workspaces (60): the workspace quota and node groups are sized for it`},
		{"concurrency above workspaces", "prod", on(map[string]any{"workspaces": 10, "concurrency": 20}),
			`scaletest.concurrency: got 20; must be at most scaletest.workspaces (10)`},
		{"negative concurrency", "prod", on(map[string]any{"concurrency": -1}),
			`scaletest.concurrency: got -1; must be at least 1`},
		{"too many retries", "prod", on(map[string]any{"retry": 50}),
			`scaletest.retry: got 50; must be 0–10 tries more per workspace (0 measures first-try success)`},
		{"timeout not a duration", "prod", on(map[string]any{"timeout": "three hours"}),
			`scaletest.timeout: got "three hours"; must be a positive duration such as 90s, 30m or 3h`},
		{"job timeout above timeout", "prod", on(map[string]any{"timeout": "1h", "jobTimeout": "2h"}),
			`scaletest.jobTimeout: got "2h"; must not exceed scaletest.timeout (1h)`},
		{"jitter not below interval", "prod", on(map[string]any{"dashboard": map[string]any{"interval": "5s", "jitter": "5s"}}),
			`scaletest.dashboard.jitter: got "5s"; must be less than scaletest.dashboard.interval (5s)`},
		{"traffic tick not a duration", "workshop", on(map[string]any{"workspaceTraffic": map[string]any{"tickInterval": "fast"}}),
			`scaletest.workspaceTraffic.tickInterval: got "fast"; must be a positive duration such as 90s, 30m or 3h`},
		{"no bytes per tick", "prod", on(map[string]any{"workspaceTraffic": map[string]any{"bytesPerTick": -1}}),
			`scaletest.workspaceTraffic.bytesPerTick: got -1; must be at least 1`},
		{"unknown command", "prod", on(map[string]any{"commands": []any{"create-workspaces", "autostart"}}),
			`scaletest.commands[1]: got "autostart"; must be one of create-workspaces, workspace-traffic, dashboard`},
		{"command twice", "prod", on(map[string]any{"commands": []any{"create-workspaces", "create-workspaces"}}),
			`scaletest.commands[1]: got "create-workspaces"; is listed twice`},
		{"load without creation", "prod", on(map[string]any{"commands": []any{"workspace-traffic"}}),
			`scaletest.commands: got ["workspace-traffic"]; must include create-workspaces: workspace-traffic and dashboard act on the workspaces and users it creates`},
		{"dashboard without a browser image", "prod", on(map[string]any{"commands": []any{"create-workspaces", "dashboard"}}),
			`scaletest.image: got nothing; is required with the dashboard command: it drives Chromium (coder/coder scaletest/dashboard/chromedp.go), which the coder image lacks; give an image of coder v2.35.1 with chromium, started with --no-sandbox (docs/scaletest.md)`},
		{"dashboard users above workspaces", "workshop", on(map[string]any{"dashboard": map[string]any{"users": 100}}),
			`scaletest.dashboard.users: got 100; must be 1–scaletest.workspaces (30)`},
		{"bad schedule", "prod", on(map[string]any{"schedule": "daily"}),
			`scaletest.schedule: got "daily"; must be a cron schedule of five fields (UTC), or empty to start runs by hand`},
		{"retention too long", "prod", on(map[string]any{"resultsRetentionDays": 10000}),
			`scaletest.resultsRetentionDays: got 10000; must be 1–3650 days`},
		{"template not delivered", "prod", on(map[string]any{"template": "pod-unknown"}),
			`scaletest.template: got "pod-unknown"; must be a composition the stack delivers: `},
		{"run longer than an owner token", "prod", on(map[string]any{"timeout": "200h", "jobTimeout": "1h"}),
			`scaletest.timeout: got "200h"; the whole run (setup, timeout, load and cleanup: 205h1m0s) must fit in an owner token's lifetime (coder.identity.maxAdminTokenLifetime, 168h0m0s): the run mints its token for that long`},
		{"unknown key", "prod", on(map[string]any{"count": 10}), `scaletest.count: got "set"; unknown key`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mutate(t, c.stack, "scaletest", set("", c.value))
			require.NotEmpty(t, got)
			found := false
			for _, g := range got {
				found = found || len(g) >= len(c.want) && g[:len(c.want)] == c.want
			}
			assert.True(t, found, "want %q in %q", c.want, got)
		})
	}
}

// Without template delivery there is nothing to build.
func TestScaletestNeedsDelivery(t *testing.T) {
	sf := readStack(t, "workshop")
	sf.Values["templates"] = `{"deliver": false}`
	sf.Values["scaletest"] = `{"enabled": true}`
	_, err := Load(project, "workshop", sf.Source())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `scaletest.enabled: got true; needs templates.deliver: the scale test builds a dedicated copy of a delivered template`)
}

// A run's cleanup pauses the prebuilds reconciler: with cleanup on, the
// licence must declare workspace_prebuilds; without cleanup it need not.
func TestScaletestCleanupNeedsPrebuildsFeature(t *testing.T) {
	sf := readStack(t, "workshop")
	var coder map[string]any
	require.NoError(t, json.Unmarshal([]byte(sf.Values["coder"]), &coder))
	l := coder["license"].(map[string]any)
	var kept []any
	for _, f := range l["features"].([]any) {
		if f != "workspace_prebuilds" {
			kept = append(kept, f)
		}
	}
	l["features"] = kept
	b, err := json.Marshal(coder)
	require.NoError(t, err)
	sf.Values["coder"] = string(b)
	sf.Values["scaletest"] = `{"enabled": true}`
	_, err = Load(project, "workshop", sf.Source())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "must include workspace_prebuilds: scaletest.cleanup uses it")
	sf.Values["scaletest"] = `{"enabled": true, "cleanup": false}`
	_, err = Load(project, "workshop", sf.Source())
	require.NoError(t, err)
}

// The dashboard command's 30-day user tokens must be allowed.
func TestScaletestDashboardTokens(t *testing.T) {
	sf := readStack(t, "workshop")
	var coder map[string]any
	require.NoError(t, json.Unmarshal([]byte(sf.Values["coder"]), &coder))
	id, _ := coder["identity"].(map[string]any)
	if id == nil {
		id = map[string]any{}
	}
	id["maxTokenLifetime"] = "168h"
	coder["identity"] = id
	b, err := json.Marshal(coder)
	require.NoError(t, err)
	sf.Values["coder"] = string(b)
	sf.Values["scaletest"] = `{"enabled": true, "commands": ["create-workspaces", "dashboard"], "image": "registry.example.com/coder-chromium:v2.35.1"}`
	_, err = Load(project, "workshop", sf.Source())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `scaletest.commands: got ["create-workspaces" "dashboard"]; run the dashboard command, which gives each scale-test user a 720h0m0s token; coder.identity.maxTokenLifetime (168h0m0s) must allow it`)
}

// Off by default; on, each profile's count and ramp, and the first
// Kubernetes composition as the template.
func TestScaletestDefaults(t *testing.T) {
	for stack, want := range map[string]struct{ workspaces, concurrency int }{
		"prod": {1000, 60}, "workshop": {30, 15},
	} {
		s, err := Load(project, stack, readStack(t, stack).Source())
		require.NoError(t, err)
		st := s.Scaletest
		assert.False(t, st.Enabled, stack)
		assert.Equal(t, want.workspaces, st.Workspaces, stack)
		assert.Equal(t, want.concurrency, st.Concurrency, stack)
		assert.Equal(t, []string{ScaletestCreateWorkspaces, ScaletestWorkspaceTraffic}, st.Commands, stack)
		assert.True(t, st.CleanupOn(), stack)
		assert.Equal(t, 365, st.ResultsRetentionDays, stack)
		// setup 30m + timeout 3h + traffic 30m (+1m) + cleanup 2h × 2 stages
		assert.Equal(t, 8*time.Hour+1*time.Minute, st.Budget(), stack)

		sf := readStack(t, stack)
		sf.Values["scaletest"] = `{"enabled": true}`
		on, err := Load(project, stack, sf.Source())
		require.NoError(t, err, stack)
		assert.Equal(t, "pod-swdev", on.Scaletest.Template, stack)
		assert.Equal(t, "pod-swdev-scaletest", on.Scaletest.TemplateName(), stack)
	}
}
