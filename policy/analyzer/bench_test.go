package analyzer

import (
	"context"
	"testing"
	"time"

	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/platformeng/coder-platform/policy/rules"
)

// BenchmarkAnalyzeOverGRPC judges preview-prod.json through the Analyzer
// protocol the way `pulumi preview --policy-pack policy` does: the plugin
// started by Main on a TCP port, configured with the pack's initial config,
// one Analyze call per resource and one AnalyzeStack call with all of them.
// µs/resource is the wall time of the whole preview divided by its
// resources; analyze-µs/resource and stack-µs/resource split it between the
// Analyze calls and the AnalyzeStack call.
//
//	go test -run '^$' -bench . -benchtime=20x ./policy/analyzer
func BenchmarkAnalyzeOverGRPC(b *testing.B) {
	f := rootPreview(b, "prod")
	c := dial(b)
	configure(b, c, f.stack)
	ctx := context.Background()

	var analyze, stack time.Duration
	for b.Loop() {
		start := time.Now()
		for _, req := range f.requests {
			if _, err := c.Analyze(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		mid := time.Now()
		if _, err := c.AnalyzeStack(ctx, f.stackReq); err != nil {
			b.Fatal(err)
		}
		analyze, stack = analyze+mid.Sub(start), stack+time.Since(mid)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(b.N*len(f.requests)) }
	b.ReportMetric(per(b.Elapsed()), "µs/resource")
	b.ReportMetric(per(analyze), "analyze-µs/resource")
	b.ReportMetric(per(stack), "stack-µs/resource")
	b.ReportMetric(float64(len(f.requests)), "resources")
}

// BenchmarkGRPCRoundTrip is the floor under BenchmarkAnalyzeOverGRPC: one
// empty call (GetPluginInfo) per resource of preview-prod.json, on the same
// kind of connection.
func BenchmarkGRPCRoundTrip(b *testing.B) {
	n := len(rootPreview(b, "prod").requests)
	c := dial(b)
	ctx := context.Background()
	// The connection is made on the first call.
	if _, err := c.GetPluginInfo(ctx, &pbempty.Empty{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for range n {
			if _, err := c.GetPluginInfo(ctx, &pbempty.Empty{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N*n), "µs/resource")
}

// BenchmarkEvaluateInProcess is what `platform policy check` spends on
// preview-prod.json: every policy over the resources, no protocol.
func BenchmarkEvaluateInProcess(b *testing.B) {
	f := rootPreview(b, "prod")
	pack := rules.Pack()
	for b.Loop() {
		rules.Evaluate(pack, f.resources, nil)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N*len(f.resources)), "µs/resource")
}
