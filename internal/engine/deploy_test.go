package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/deploy"
	"github.com/platformeng/coder-platform/internal/engine"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

// A Coder upgrade of the deployed workshop, run by deploy.Runner through
// the real engine with the stages deploy.Plan makes: the first update moves
// the control plane's Helm releases to the new version and leaves the proxy
// regions on the old one, the runner waits for coderd to report it, and the
// second update moves the proxies.
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

	// Each region's coderd or proxy reports the chart version its release
	// has in the engine's state, as the pods would once rolled out.
	cfg := workshopConfig(t)
	var mu sync.Mutex
	var stageVersions []map[string][]string
	for i := range cfg.Regions {
		region := cfg.Regions[i].Name
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			switch r.URL.Path {
			case "/healthz":
				fmt.Fprint(w, "OK")
			case "/api/v2/buildinfo":
				v, err := stateReleaseVersions(s)
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				fmt.Fprintf(w, `{"version":%q}`, strings.Join(v[region], ","))
			}
		}))
		t.Cleanup(srv.Close)
		if cfg.Regions[i].Role == workloads.ControlPlane {
			cfg.Coder.AccessURL = srv.URL
		} else {
			cfg.Regions[i].AccessURL = srv.URL
		}
	}
	stages := deploy.Plan(&cfg.Stack, from)
	require.Len(t, stages, 2)
	rec := &recordingEngine{Engine: eng, after: func() {
		mu.Lock()
		defer mu.Unlock()
		stageVersions = append(stageVersions, releaseVersions(t, s))
	}}
	runner := deploy.Runner{Engine: rec, Out: &out, Wait: 10 * time.Second, Poll: 50 * time.Millisecond}
	require.NoError(t, runner.Run(ctx, stages), tail(out.String()))

	require.Len(t, stageVersions, 2)
	assert.Equal(t, []string{to}, stageVersions[0]["us-east-2"], "stage 1 moved the control plane")
	assert.Equal(t, []string{from}, stageVersions[0]["us-west-2"], "us-west-2 waits for stage 2")
	assert.Equal(t, []string{from}, stageVersions[0]["eu-west-2"], "eu-west-2 waits for stage 2")
	for _, r := range []string{"us-east-2", "us-west-2", "eu-west-2"} {
		assert.Equal(t, []string{to}, stageVersions[1][r], r)
	}
	assert.Contains(t, out.String(), "Done: every region runs v2.35.1 and is healthy.")
}

// recordingEngine runs after() once each update is done.
type recordingEngine struct {
	deploy.Engine
	after func()
}

func (e *recordingEngine) Up(ctx context.Context, exclude []string) error {
	err := e.Engine.Up(ctx, exclude)
	e.after()
	return err
}

func tail(s string) string {
	if len(s) > 4000 {
		return s[len(s)-4000:]
	}
	return s
}

// releaseVersions lists, per region, the Coder chart versions in the
// stack's state (deploy.ReleaseVersions, as platform deploy reads it).
func releaseVersions(t *testing.T, s *engine.Stack) map[string][]string {
	t.Helper()
	v, err := stateReleaseVersions(s)
	require.NoError(t, err)
	return v
}

// stateReleaseVersions is releaseVersions for any goroutine.
func stateReleaseVersions(s *engine.Stack) (map[string][]string, error) {
	dep, err := s.Export(context.Background())
	if err != nil {
		return nil, err
	}
	return deploy.ReleaseVersions(dep.Deployment)
}

// workshopConfig is the committed workshop config, loaded at testNow.
func workshopConfig(t *testing.T) *config.Plan {
	t.Helper()
	p, err := preview.FindProject(repoRoot(t))
	require.NoError(t, err)
	sf, err := config.ReadStackFile(p.StackFile("workshop"), p.Name)
	require.NoError(t, err)
	cfg, err := config.LoadAt(p.Name, "workshop", sf.Source(), testNow)
	require.NoError(t, err)
	return cfg
}
