package analyzer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/platformeng/coder-platform/policy/rules"
)

var (
	previewsOnce sync.Once
	previews     []previewFixture
)

// allPreviews is every resource of preview-prod.json and
// preview-workshop.json: written afresh from the committed stacks, and the
// files at the repository root too when an earlier run left them there.
func allPreviews(t *testing.T) []previewFixture {
	t.Helper()
	previewsOnce.Do(func() {
		for _, stack := range []string{"prod", "workshop"} {
			f := freshPreview(t, stack)
			f.name = "fresh preview-" + stack + ".json"
			previews = append(previews, f)
			path := filepath.Join("..", "..", "preview-"+stack+".json")
			if _, err := os.Stat(path); err == nil {
				f := loadPreview(t, path, stack)
				f.name = path
				previews = append(previews, f)
			}
		}
	})
	require.NotEmpty(t, previews)
	return previews
}

// onTheWire is the diagnostics as they travel: byte-identical responses
// encode to the same bytes.
func onTheWire(ds []*pulumirpc.AnalyzeDiagnostic) string {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(&pulumirpc.AnalyzeResponse{Diagnostics: ds})
	if err != nil {
		return "unencodable: " + err.Error()
	}
	return string(b)
}

func requireSameDiagnostics(t *testing.T, want, got []*pulumirpc.AnalyzeDiagnostic, what string) {
	t.Helper()
	if onTheWire(want) != onTheWire(got) {
		t.Fatalf("%s: diagnostics differ\nwant:\n%s\ngot:\n%s", what,
			prototext.Format(&pulumirpc.AnalyzeResponse{Diagnostics: want}),
			prototext.Format(&pulumirpc.AnalyzeResponse{Diagnostics: got}))
	}
}

// inProcess is what the rules say of the preview in-process, as
// `platform policy check` judges it, in the shape of the Analyzer's
// diagnostics: per resource, and for the stack.
func inProcess(f previewFixture, overrides map[string]rules.PolicyConfig) (perResource [][]*pulumirpc.AnalyzeDiagnostic, stack []*pulumirpc.AnalyzeDiagnostic) {
	diag := func(p *rules.Policy, lv rules.Enforcement, urn, problem string) *pulumirpc.AnalyzeDiagnostic {
		return &pulumirpc.AnalyzeDiagnostic{
			PolicyName: p.Name, PolicyPackName: rules.PackName, PolicyPackVersion: rules.PackVersion,
			Description: p.Description, Message: p.Message(problem), Urn: urn, Severity: severity(p.Severity),
			EnforcementLevel: pulumirpc.EnforcementLevel(level(lv)),
		}
	}
	perResource = make([][]*pulumirpc.AnalyzeDiagnostic, len(f.resources))
	for _, p := range rules.Pack() {
		lv, cfg := p.Effective(overrides)
		if lv == rules.Disabled {
			continue
		}
		if p.CheckStack != nil {
			for _, v := range p.CheckStack(f.resources, cfg) {
				stack = append(stack, diag(p, lv, v.URN, v.Message))
			}
			continue
		}
		for i, r := range f.resources {
			if p.Applies(r.Type) {
				for _, m := range p.Check(r, cfg) {
					perResource[i] = append(perResource[i], diag(p, lv, r.URN, m))
				}
			}
		}
	}
	return perResource, stack
}

// strict makes most resources violate something: thresholds no resource
// meets, a tag none has, levels changed.
var strict = map[string]rules.PolicyConfig{
	"log-retention":         {Enforcement: rules.Advisory, Properties: rules.Config{"minDays": float64(3650)}},
	"required-tags":         {Properties: rules.Config{"tags": []any{"owner", "data-classification"}}},
	"coder-token-lifetimes": {Properties: rules.Config{"maxSessionHours": float64(1), "maxTokenDays": float64(1), "maxAdminTokenDays": float64(1)}},
	"template-autostop":     {Properties: rules.Config{"maxTtlHours": float64(1)}},
	"lb-tls-listener":       {Properties: rules.Config{"allowedPolicies": []any{"none"}}},
	"vpc-flow-logs":         {Enforcement: rules.Advisory},
	"iam-no-wildcard":       {Enforcement: rules.Disabled},
}

// asConfigure is overrides as the engine sends them to Configure.
func asConfigure(t *testing.T, overrides map[string]rules.PolicyConfig) *pulumirpc.ConfigureAnalyzerRequest {
	req := &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{}}
	for _, p := range rules.Pack() {
		lv, cfg := p.Effective(overrides)
		props, err := structpb.NewStruct(cfg)
		require.NoError(t, err)
		req.PolicyConfig[p.Name] = &pulumirpc.PolicyConfig{EnforcementLevel: pulumirpc.EnforcementLevel(level(lv)), Properties: props}
	}
	return req
}

// Over the wire, configured as the engine configures it, the pack reports
// for every resource of both previews exactly what the rules report
// in-process: under the pack's initial config and under strict overrides.
func TestAnalyzeOverTheWireMatchesInProcess(t *testing.T) {
	c := dial(t)
	ctx := context.Background()
	for _, f := range allPreviews(t) {
		for _, name := range []string{"initial config", "strict"} {
			t.Run(f.name+"/"+name, func(t *testing.T) {
				configure(t, c, f.stack)
				var overrides map[string]rules.PolicyConfig
				if name == "strict" {
					overrides = strict
					_, err := c.Configure(ctx, asConfigure(t, strict))
					require.NoError(t, err)
				}
				want, wantStack := inProcess(f, overrides)
				violations := 0
				for i, req := range f.requests {
					got, err := c.Analyze(ctx, req)
					require.NoError(t, err)
					requireSameDiagnostics(t, want[i], got.GetDiagnostics(), req.GetUrn())
					violations += len(got.GetDiagnostics())
				}
				got, err := c.AnalyzeStack(ctx, f.stackReq)
				require.NoError(t, err)
				requireSameDiagnostics(t, wantStack, got.GetDiagnostics(), "AnalyzeStack")
				t.Logf("%d resources, %d resource and %d stack violations", len(f.requests), violations, len(wantStack))
			})
		}
	}
}

// without is the preview less every resource of the given types.
func without(f previewFixture, types ...string) previewFixture {
	drop := map[string]bool{}
	for _, t := range types {
		drop[t] = true
	}
	out := previewFixture{name: f.name + " less " + fmt.Sprint(types), stack: f.stack, stackReq: &pulumirpc.AnalyzeStackRequest{}}
	for i, r := range f.resources {
		if !drop[r.Type] {
			out.resources = append(out.resources, r)
			out.requests = append(out.requests, f.requests[i])
			out.stackReq.Resources = append(out.stackReq.Resources, f.stackReq.Resources[i])
		}
	}
	return out
}

// With its flow logs, backup selections and secret rotations gone, the
// stack violates the stack policies; over the wire they say what they say
// in-process.
func TestAnalyzeStackOverTheWireMatchesInProcess(t *testing.T) {
	c := dial(t)
	ctx := context.Background()
	for _, f := range allPreviews(t) {
		f := without(f, "aws:ec2/flowLog:FlowLog", "aws:backup/selection:Selection", "aws:secretsmanager/secretRotation:SecretRotation")
		t.Run(f.name, func(t *testing.T) {
			configure(t, c, f.stack)
			_, want := inProcess(f, nil)
			require.NotEmpty(t, want)
			got, err := c.AnalyzeStack(ctx, f.stackReq)
			require.NoError(t, err)
			requireSameDiagnostics(t, want, got.GetDiagnostics(), "AnalyzeStack")
			t.Logf("%d stack violations", len(want))
		})
	}
}

// Calls in parallel, as the engine makes them for resources registered in
// parallel, get the same answers: the judges and the codec's predecoded
// properties are shared by every call.
func TestAnalyzeInParallelOverTheWire(t *testing.T) {
	c := dial(t)
	ctx := context.Background()
	f := allPreviews(t)[0]
	configure(t, c, f.stack)
	want, _ := inProcess(f, nil)
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(f.requests); i += 2 {
				got, err := c.Analyze(ctx, f.requests[i])
				if err != nil {
					errs <- err.Error()
					return
				}
				if onTheWire(want[i]) != onTheWire(got.GetDiagnostics()) {
					errs <- f.requests[i].GetUrn()
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// The direct path reports exactly what the policyx pack reported, for every
// resource of both previews, under the defaults and under overrides that
// change levels and thresholds.
func TestDirectPathMatchesPolicyxPack(t *testing.T) {
	ctx := context.Background()
	configs := map[string]map[string]rules.PolicyConfig{
		"defaults": nil,
		"overrides": {
			"log-retention":         {Enforcement: rules.Advisory, Properties: rules.Config{"minDays": float64(365)}},
			"required-tags":         {Enforcement: rules.Disabled},
			"iam-no-wildcard":       {Enforcement: rules.Advisory},
			"vpc-flow-logs":         {Enforcement: rules.Disabled},
			"lb-tls-listener":       {Properties: rules.Config{}},
			"coder-token-lifetimes": {Properties: rules.Config{"maxSessionHours": float64(1), "maxTokenDays": 1}},
		},
		"strict":       strict,
		"all disabled": allAt(rules.Disabled),
	}
	for _, f := range allPreviews(t) {
		pruned := without(f, "aws:ec2/flowLog:FlowLog", "aws:backup/selection:Selection", "aws:secretsmanager/secretRotation:SecretRotation")
		for name, overrides := range configs {
			t.Run(f.name+"/"+name, func(t *testing.T) {
				s, err := NewServer()
				require.NoError(t, err)
				old := newLegacy(s, overrides)
				for _, req := range f.requests {
					want, err := old.Analyze(ctx, req)
					require.NoError(t, err)
					got, err := s.Analyze(ctx, req)
					require.NoError(t, err)
					requireSameDiagnostics(t, want.GetDiagnostics(), got.GetDiagnostics(), req.GetUrn())
				}
				for _, stack := range []*pulumirpc.AnalyzeStackRequest{f.stackReq, pruned.stackReq} {
					want, err := old.AnalyzeStack(ctx, stack)
					require.NoError(t, err)
					got, err := s.AnalyzeStack(ctx, stack)
					require.NoError(t, err)
					requireSameDiagnostics(t, want.GetDiagnostics(), got.GetDiagnostics(), "AnalyzeStack")
				}
			})
		}
	}
}

func allAt(lv rules.Enforcement) map[string]rules.PolicyConfig {
	out := map[string]rules.PolicyConfig{}
	for _, p := range rules.Pack() {
		out[p.Name] = rules.PolicyConfig{Enforcement: lv}
	}
	return out
}
