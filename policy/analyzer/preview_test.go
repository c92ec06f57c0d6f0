package analyzer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/require"
	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/policy/rules"
)

// previewFixture is a preview file (the shape of `pulumi preview --json`) as
// the engine sends it to the pack: one AnalyzeRequest per resource, then one
// AnalyzeStackRequest.
type previewFixture struct {
	name, stack string
	// resources is what the policies see in-process (platform policy check).
	resources []*rules.Resource
	requests  []*pulumirpc.AnalyzeRequest
	stackReq  *pulumirpc.AnalyzeStackRequest
}

// rootPreview reads preview-<stack>.json at the repository root, which
// `go run ./cmd/platform preview --stack <stack> --json preview-<stack>.json`
// writes (.ci/run does, after go test). A missing file is a failure, not a
// skip.
func rootPreview(tb testing.TB, stack string) previewFixture {
	tb.Helper()
	path := filepath.Join("..", "..", "preview-"+stack+".json")
	if _, err := os.Stat(path); err != nil {
		tb.Fatalf("%v: write it with `go run ./cmd/platform preview --stack %s --json preview-%s.json` at the repository root", err, stack, stack)
	}
	return loadPreview(tb, path, stack)
}

// testNow is the clock the offline previews run at in tests, as in tests/:
// the committed workshop event is ahead of it, whatever the wall clock says.
var testNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// freshPreview runs the offline preview of a committed stack and writes
// preview-<stack>.json as `platform preview --stack <stack> --json` does,
// into a temporary directory, so tests need no file from an earlier run.
func freshPreview(tb testing.TB, stack string) previewFixture {
	tb.Helper()
	p, err := preview.FindProject(filepath.Join("..", ".."))
	require.NoError(tb, err)
	res, err := preview.Run(p, stack, "", preview.At(testNow))
	require.NoError(tb, err)
	path := filepath.Join(tb.TempDir(), "preview-"+stack+".json")
	require.NoError(tb, preview.WriteJSON(path, res.JSON()))
	return loadPreview(tb, path, stack)
}

// loadPreview reads a preview file with the reader `platform policy check`
// uses, and marshals every resource the way the engine does.
func loadPreview(tb testing.TB, path, stack string) previewFixture {
	tb.Helper()
	doc, err := preview.ReadDocument(path)
	require.NoError(tb, err, "reading %s", path)
	prs := preview.ResourcesFromDocument(doc)
	require.NotEmpty(tb, prs, "%s has no resources", path)
	rs := gate.Resources(prs)

	f := previewFixture{stack: stack, resources: rs, stackReq: &pulumirpc.AnalyzeStackRequest{}}
	for i, r := range rs {
		props := marshal(tb, r.Props)
		opts := &pulumirpc.AnalyzerResourceOptions{Protect: r.Protect, Parent: r.Parent,
			CustomTimeouts: &pulumirpc.AnalyzerResourceOptions_CustomTimeouts{}}
		var provider *pulumirpc.AnalyzerProviderResource
		if p := r.Provider; p != nil {
			provider = &pulumirpc.AnalyzerProviderResource{Urn: p.URN, Type: p.Type, Name: p.Name, Properties: marshal(tb, p.Props)}
		}
		f.requests = append(f.requests, &pulumirpc.AnalyzeRequest{
			Urn: r.URN, Type: r.Type, Name: r.Name, Properties: props, Options: opts, Provider: provider,
		})
		deps := map[string]*pulumirpc.AnalyzerPropertyDependencies{}
		for k, urns := range r.PropertyDependencies {
			if len(urns) > 0 {
				deps[k] = &pulumirpc.AnalyzerPropertyDependencies{Urns: urns}
			}
		}
		f.stackReq.Resources = append(f.stackReq.Resources, &pulumirpc.AnalyzerResource{
			Urn: r.URN, Type: r.Type, Name: r.Name, Properties: props, Options: opts, Provider: provider,
			Parent: r.Parent, Dependencies: prs[i].Dependencies, PropertyDependencies: deps,
		})
	}
	return f
}

// marshal encodes inputs as the engine does for an analyzer: unknowns and
// secrets kept.
func marshal(tb testing.TB, m resource.PropertyMap) *structpb.Struct {
	tb.Helper()
	s, err := plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	require.NoError(tb, err)
	return s
}

// configure does what the engine does before analyzing: it takes the pack's
// initial config from GetAnalyzerInfo, sends it back resolved with
// Configure, and configures the stack.
func configure(tb testing.TB, c pulumirpc.AnalyzerClient, stack string) {
	tb.Helper()
	ctx := context.Background()
	info, err := c.GetAnalyzerInfo(ctx, &pbempty.Empty{})
	require.NoError(tb, err)
	_, err = c.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: info.GetInitialConfig()})
	require.NoError(tb, err)
	_, err = c.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{
		Stack: stack, Project: "coder-platform", Organization: "platformeng", DryRun: true,
		Tags: map[string]string{"pulumi:project": "coder-platform", "pulumi:runtime": "go", "owner": "platform-engineering"},
	})
	require.NoError(tb, err)
}
