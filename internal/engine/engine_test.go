package engine_test

import (
	"context"
	"encoding/json"
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
	return newStackWith(t, name, engine.Options{})
}

// newStackWith creates a committed stack whose quota pre-flight reads a
// local fake account with room for everything, unless o brings its own.
func newStackWith(t *testing.T, name string, o engine.Options) *engine.Stack {
	t.Helper()
	if o.AWS == nil {
		cfg := engine.FakeAccount(t).Config()
		o.AWS = &cfg
	}
	s, err := engine.NewCommittedStack(context.Background(), repoRoot(t), name, testNow, o)
	require.NoError(t, err, "the engine tests need the pinned Pulumi CLI (tools/pulumi) and the stand-in providers")
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

			// Every resource's inputs in the engine's state are the offline
			// preview's, secrets aside (both hold "[secret]").
			p, err := preview.FindProject(repoRoot(t))
			require.NoError(t, err)
			offline, err := preview.Run(p, name, "", preview.At(testNow))
			require.NoError(t, err)
			dep, err := s.Export(ctx)
			require.NoError(t, err)
			inState := stateInputs(t, dep.Deployment)
			for _, r := range offline.Resources {
				got, ok := inState[r.URN]
				if !assert.True(t, ok, "%s is not in the state", r.URN) {
					continue
				}
				want := normalize(preview.Plain(r.Inputs)).(map[string]any)
				if strings.HasPrefix(r.Type, "pulumi:providers:") {
					// The engine adds the plugin version and its own bookkeeping.
					delete(got, "version")
					delete(got, "__internal")
				}
				assert.Equal(t, want, got, "%s: inputs", r.URN)
			}

			res, err := s.Up(ctx, optup.ExpectNoChanges())
			require.NoError(t, err, "the second up must change nothing: %s", res.StdOut)
			assert.Equal(t, 0, (*res.Summary.ResourceChanges)["update"]+(*res.Summary.ResourceChanges)["create"]+
				(*res.Summary.ResourceChanges)["delete"]+(*res.Summary.ResourceChanges)["replace"], "%v", *res.Summary.ResourceChanges)

			_, err = s.Refresh(ctx, optrefresh.ExpectNoChanges())
			require.NoError(t, err, "refresh finds no drift")

			// platform drift's engine: none now, then what the stand-in
			// reports as changed by hand, grouped by component.
			drifted, err := engine.Drift(ctx, s.Stack)
			require.NoError(t, err)
			assert.Empty(t, drifted)
			s.SetEnv(standin.EnvDrift, "aws:kms/key:Key:description=changed by hand")
			pr, err := s.PreviewRefresh(ctx, optrefresh.ExpectNoChanges())
			require.Error(t, err, "drift must fail refresh --expect-no-changes")
			assert.Contains(t, err.Error()+pr.StdOut, "aws:kms:Key")
			drifted, err = engine.Drift(ctx, s.Stack)
			require.NoError(t, err)
			require.NotEmpty(t, drifted)
			for _, d := range drifted {
				assert.Equal(t, "aws:kms/key:Key", d.Type, d.URN)
				assert.Equal(t, []string{"description"}, d.Properties, d.URN)
				assert.Contains(t, d.Component, "coder:security:Keys::", d.URN)
			}
			var out strings.Builder
			engine.WriteDrift(&out, drifted)
			assert.Contains(t, out.String(), "coder:security:Keys")
			assert.Contains(t, out.String(), "aws:kms/key:Key")
			s.SetEnv(standin.EnvDrift, "")

			if name == "prod" { // the lookup is the same code in every stack
				secretLookupFailureDeletesNothing(t, s)
			}

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

func resourceCount(t *testing.T, deployment []byte) int {
	t.Helper()
	var d struct {
		Resources []json.RawMessage `json:"resources"`
	}
	require.NoError(t, json.Unmarshal(deployment, &d))
	return len(d.Resources)
}

// A config value of the wrong type is refused by the CLI against
// Pulumi.yaml's schema and by the program's own validation, both naming
// the key.
func TestEngineConfigTypeErrorsAgree(t *testing.T) {
	repo := repoRoot(t)
	p, err := preview.FindProject(repo)
	require.NoError(t, err)
	data, err := os.ReadFile(p.StackFile("prod"))
	require.NoError(t, err)
	bad := strings.Replace(string(data), "  coder-platform:workload:\n", "  coder-platform:workload: \"3000 users\"\n  coder-platform:workload-was:\n", 1)
	require.NotEqual(t, string(data), bad)

	s, err := engine.NewStack(context.Background(), tools(t), repo, p.Name, "prod", stacks.Program(stacks.Options{Now: testNow}),
		engine.Options{StackFile: []byte(bad)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	_, _, err = s.PreviewSteps(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "workload", "the CLI names the key")

	sf, err := config.ParseStackFile([]byte(bad), p.Name)
	require.NoError(t, err)
	_, err = config.LoadAt(p.Name, "prod", sf.Source(), testNow)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "workload", "our validation names the key")
}

// stateInputs reads every resource's inputs out of an exported deployment,
// as plain values with secrets as "[secret]".
func stateInputs(t *testing.T, deployment []byte) map[string]map[string]any {
	t.Helper()
	var d struct {
		Resources []struct {
			URN    string         `json:"urn"`
			Inputs map[string]any `json:"inputs"`
		} `json:"resources"`
	}
	require.NoError(t, json.Unmarshal(deployment, &d))
	out := map[string]map[string]any{}
	for _, r := range d.Resources {
		out[r.URN] = normalize(preview.Plain(preview.FromPlain(normalize(r.Inputs).(map[string]any)))).(map[string]any)
	}
	return out
}

// Signatures of serialized assets and archives in engine state.
const (
	sigKey     = "4dabf18193072939515e22adb298388d"
	sigAsset   = "c44067f5952c0a294b673a41bacd8c17"
	sigArchive = "0def7320c3a5731c473e5ecbe6d01bc7"
	sigRef     = "5cf8f73096256a8f31e491e813e4eb8e"
)

// normalize replaces assets and archives by a marker on both sides (the
// engine hashes and serializes them, the mocks leave them unread), and a
// resource reference by its URN.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if sig, ok := x[sigKey]; ok && (sig == sigArchive || sig == sigAsset) {
			return "[archive]"
		}
		if sig, ok := x[sigKey]; ok && sig == sigRef {
			return x["urn"] // a resource reference, as the offline preview writes it
		}
		if _, ok := x["archive"]; ok && len(x) == 2 {
			if _, hashed := x["hash"]; hashed {
				return "[archive]"
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}

// A failed secret lookup fails the update and deletes nothing, however many
// workloads the lookup gates (issue 14, defect 10).
func secretLookupFailureDeletesNothing(t *testing.T, s *engine.Stack) {
	ctx := context.Background()
	before, err := s.Export(ctx)
	require.NoError(t, err)
	s.SetEnv(standin.EnvSecretLookupError, "operation error Secrets Manager: ListSecretVersionIds, https response error StatusCode: 400, RequestID: 1, ThrottlingException: Rate exceeded")
	defer s.SetEnv(standin.EnvSecretLookupError, "")
	up, err := s.Up(ctx)
	require.Error(t, err, "the update must fail")
	assert.Contains(t, err.Error()+up.StdOut, "cannot tell whether it holds a value")
	after, err := s.Export(ctx)
	require.NoError(t, err)
	assert.Equal(t, resourceCount(t, before.Deployment), resourceCount(t, after.Deployment), "nothing was deleted")
}

func TestMain(m *testing.M) {
	code := m.Run()
	engine.Cleanup()
	os.Exit(code)
}
