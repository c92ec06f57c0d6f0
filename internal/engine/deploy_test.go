package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/deploy"
	"github.com/platformeng/coder-platform/internal/engine"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

// A Coder upgrade of the deployed workshop, run by the real engine with the
// stages deploy.Plan makes: the first update moves the control plane's Helm
// releases to the new version and leaves the proxy regions on the old one;
// the second moves the proxies.
func TestEngineStagedUpgradeMovesTheControlPlaneFirst(t *testing.T) {
	ctx := context.Background()
	committed, err := os.ReadFile(filepath.Join(repoRoot(t), "Pulumi.workshop.yaml"))
	require.NoError(t, err)
	const from, to = "v2.34.2", "v2.35.1"
	require.Contains(t, string(committed), "version: "+to)
	old := strings.Replace(string(committed), "version: "+to, "version: "+from, 1)
	s := newStackWith(t, "workshop", engine.Options{StackFile: []byte(old)})
	var out bytes.Buffer
	eng := deploy.AutoEngine{Stack: s.Stack, Out: &out}
	require.NoError(t, eng.Up(ctx, nil), "deploy %s: %s", from, tail(out.String()))

	// The stack file now declares the new version.
	require.NoError(t, os.WriteFile(filepath.Join(s.Dir, "work", "Pulumi.workshop.yaml"), committed, 0o644))
	cfg := workshopConfig(t)
	stages := deploy.Plan(cfg, from)
	require.Len(t, stages, 2)

	require.NoError(t, eng.Up(ctx, stages[0].Exclude), "stage 1: %s", tail(out.String()))
	versions := releaseVersions(t, s)
	assert.Equal(t, []string{to}, versions["us-east-2"], "the control plane moved")
	assert.Equal(t, []string{from}, versions["us-west-2"], "us-west-2 waits for stage 2")
	assert.Equal(t, []string{from}, versions["eu-west-2"], "eu-west-2 waits for stage 2")

	require.NoError(t, eng.Up(ctx, stages[1].Exclude), "stage 2: %s", tail(out.String()))
	versions = releaseVersions(t, s)
	for _, r := range []string{"us-east-2", "us-west-2", "eu-west-2"} {
		assert.Equal(t, []string{to}, versions[r], r)
	}
}

func tail(s string) string {
	if len(s) > 4000 {
		return s[len(s)-4000:]
	}
	return s
}

// releaseVersions lists, per region, the distinct chart versions of the
// Coder Helm releases (coder and coder-provisioner) in the stack's state.
func releaseVersions(t *testing.T, s *engine.Stack) map[string][]string {
	t.Helper()
	dep, err := s.Export(context.Background())
	require.NoError(t, err)
	var d struct {
		Resources []struct {
			URN    string         `json:"urn"`
			Type   string         `json:"type"`
			Parent string         `json:"parent"`
			Inputs map[string]any `json:"inputs"`
		} `json:"resources"`
	}
	require.NoError(t, json.Unmarshal(dep.Deployment, &d))
	parent := map[string]string{}
	for _, r := range d.Resources {
		parent[r.URN] = r.Parent
	}
	seen := map[string]map[string]bool{}
	out := map[string][]string{}
	for _, r := range d.Resources {
		chart, _ := r.Inputs["chart"].(string)
		version, _ := r.Inputs["version"].(string)
		if r.Type != "kubernetes:helm.sh/v3:Release" || (chart != "coder" && chart != "coder-provisioner") {
			continue
		}
		for p := r.Parent; p != ""; p = parent[p] {
			if _, region, ok := strings.Cut(p, "::"+deploy.RegionType+"::"); ok {
				if seen[region] == nil {
					seen[region] = map[string]bool{}
				}
				if !seen[region]["v"+version] {
					seen[region]["v"+version] = true
					out[region] = append(out[region], "v"+version)
				}
				break
			}
		}
	}
	return out
}

// workshopConfig is the committed workshop config, loaded at testNow.
func workshopConfig(t *testing.T) *config.Stack {
	t.Helper()
	p, err := preview.FindProject(repoRoot(t))
	require.NoError(t, err)
	sf, err := config.ReadStackFile(p.StackFile("workshop"), p.Name)
	require.NoError(t, err)
	cfg, err := config.LoadAt(p.Name, "workshop", sf.Source(), testNow)
	require.NoError(t, err)
	return cfg
}
