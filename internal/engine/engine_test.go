package engine_test

import (
	"context"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
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

// protectedTypes are what the design keeps from `pulumi destroy`: every data
// store, backup vault, KMS key and log group (docs/architecture.md).
var protectedTypes = map[string]bool{
	"aws:kms/key:Key": true, "aws:rds/cluster:Cluster": true, "aws:rds/clusterInstance:ClusterInstance": true,
	"aws:backup/vault:Vault": true, "aws:cloudwatch/logGroup:LogGroup": true, "aws:s3/bucketV2:BucketV2": true,
	"aws:amp/workspace:Workspace": true, "aws:secretsmanager/secret:Secret": true, "aws:route53/zone:Zone": true,
}

// mustProtect is whether the design protects r: a protected type, or the
// NLB's static addresses, which DNS records and partners' allow-lists pin.
func mustProtect(r *preview.Resource) bool {
	return protectedTypes[r.Type] || r.Type == "aws:ec2/eip:Eip" && strings.Contains(r.Parent, "coder:edge:LoadBalancer::")
}

// Each stack through the real engine: up; a second up changes nothing (the
// program is deterministic); refresh finds no drift, and finds the drift the
// stand-in reports; destroy stops at exactly the protected resources.
func TestEngineLifecycle(t *testing.T) {
	for _, name := range []string{"prod", "workshop"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := newStack(t, name)
			changes, err := s.UpSummary(ctx)
			require.NoError(t, err)
			assert.Positive(t, changes["create"], "%v", changes)

			res, err := s.Up(ctx, optup.ExpectNoChanges())
			require.NoError(t, err, "the second up must change nothing: %s", res.StdOut)
			assert.Equal(t, 0, (*res.Summary.ResourceChanges)["update"]+(*res.Summary.ResourceChanges)["create"]+
				(*res.Summary.ResourceChanges)["delete"]+(*res.Summary.ResourceChanges)["replace"], "%v", *res.Summary.ResourceChanges)

			_, err = s.Refresh(ctx, optrefresh.ExpectNoChanges())
			require.NoError(t, err, "refresh finds no drift")

			s.SetEnv(standin.EnvDrift, "aws:kms/key:Key:description=changed by hand")
			pr, err := s.PreviewRefresh(ctx, optrefresh.ExpectNoChanges())
			require.Error(t, err, "drift must fail refresh --expect-no-changes")
			assert.Contains(t, err.Error()+pr.StdOut, "aws:kms:Key")
			s.SetEnv(standin.EnvDrift, "")

			p, err := preview.FindProject(repoRoot(t))
			require.NoError(t, err)
			offline, err := preview.Run(p, name, "", preview.At(testNow))
			require.NoError(t, err)
			protected, err := s.Protected(ctx)
			require.NoError(t, err)
			// The engine protects a protected resource's children too.
			byURN := map[string]*preview.Resource{}
			for _, r := range offline.Resources {
				byURN[r.URN] = r
			}
			coveredBy := func(urn string) bool {
				for r := byURN[urn]; r != nil; r = byURN[r.Parent] {
					if mustProtect(r) {
						return true
					}
				}
				return false
			}
			isProtected := map[string]bool{}
			for _, urn := range protected {
				isProtected[urn] = true
				assert.True(t, coveredBy(urn), "%s is protected but is no data store, vault, key or log group, nor under one", urn)
			}
			for _, r := range offline.Resources {
				if mustProtect(r) {
					assert.True(t, isProtected[r.URN], "%s must be protected", r.URN)
				}
			}

			_, err = s.Destroy(ctx)
			require.Error(t, err, "destroy stops at protected resources")
			assert.Contains(t, err.Error(), "protected")
		})
	}
}
