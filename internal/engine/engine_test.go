package engine_test

import (
	"context"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/engine"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/internal/standin"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

// testNow is the clock both paths run at.
var testNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	repo, err := engine.FindRepo(wd)
	require.NoError(t, err)
	return repo
}

// tools builds the pinned CLI and the stand-ins; a build failure fails the
// test, it never skips it.
func tools(t *testing.T) *engine.Tools {
	t.Helper()
	tl, err := engine.Build(repoRoot(t))
	require.NoError(t, err, "the engine tests need the pinned Pulumi CLI (tools/pulumi) and the stand-in providers")
	return tl
}

func newStack(t *testing.T, name string) *engine.Stack {
	t.Helper()
	repo := repoRoot(t)
	p, err := preview.FindProject(repo)
	require.NoError(t, err)
	sf, err := config.ReadStackFile(p.StackFile(name), p.Name)
	require.NoError(t, err)
	cfg, err := config.LoadAt(p.Name, name, sf.Source(), testNow)
	require.NoError(t, err)
	s, err := engine.NewStack(context.Background(), tools(t), repo, p.Name, name, stacks.Program(stacks.Options{Now: testNow}),
		engine.Options{Env: map[string]string{standin.EnvCaller: preview.AssumedRole(cfg.Cluster.DeployerRoleArn, "pulumi")}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// The engine's preview of each committed stack registers exactly the
// resources the offline preview does: same URNs, types and parents.
func TestEnginePreviewAgreesWithTheOfflinePreview(t *testing.T) {
	for _, name := range []string{"prod", "workshop"} {
		t.Run(name, func(t *testing.T) {
			s := newStack(t, name)
			steps, _, err := s.PreviewSteps(context.Background())
			require.NoError(t, err)

			p, err := preview.FindProject(repoRoot(t))
			require.NoError(t, err)
			offline, err := preview.Run(p, name, "", preview.At(testNow))
			require.NoError(t, err)

			var want, got []string
			for _, r := range offline.Resources {
				want = append(want, r.URN)
				st, ok := steps[r.URN]
				if !assert.True(t, ok, "the engine did not plan %s", r.URN) {
					continue
				}
				assert.Equal(t, r.Type, st.Type, r.URN)
				assert.Equal(t, r.Parent, st.Parent, r.URN)
				assert.Equal(t, "create", st.Op, r.URN)
			}
			for urn, st := range steps {
				// The engine adds the stack and the default providers of
				// packages used without an explicit one (pulumi-eks).
				if st.Type == "pulumi:pulumi:Stack" || isDefaultProvider(urn) {
					continue
				}
				got = append(got, urn)
			}
			sort.Strings(want)
			sort.Strings(got)
			assert.Equal(t, want, got)
		})
	}
}

func isDefaultProvider(urn string) bool {
	return strings.Contains(urn, "::pulumi:providers:") && strings.Contains(urn[strings.LastIndex(urn, "::"):], "::default")
}
