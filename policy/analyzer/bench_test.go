package analyzer

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
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
// The requests are encoded once, before the clock starts, and sent as
// those bytes (clientEncoded). In a preview the engine encodes them, in
// its own process; here the client shares the process and the two cores
// with the pack, and encoding the requests (their properties' Structs
// above all) costs about a third of the CPU time of the whole preview, so
// the figure is what the pack's process costs plus the transport. Each
// request is encoded as the engine encodes it, with protobuf's default
// options (a Struct's entries in map order), and the Analyze and
// AnalyzeStack requests separately: a resource's properties reach
// AnalyzeStack in other bytes than they reached Analyze, as they would
// from the engine. BenchmarkAnalyzeOverGRPCClientEncoding is the same
// preview with the client encoding every request as it sends it, as this
// benchmark did before: the pack's cost seen from a client on the same two
// cores, encoding included.
//
//	go test -run '^$' -bench BenchmarkAnalyzeOverGRPC -benchtime=20x ./policy/analyzer
func BenchmarkAnalyzeOverGRPC(b *testing.B) {
	analyzeOverGRPC(b, true)
}

// BenchmarkAnalyzeOverGRPCClientEncoding is BenchmarkAnalyzeOverGRPC with
// the client encoding every request in the timed loop.
func BenchmarkAnalyzeOverGRPCClientEncoding(b *testing.B) {
	analyzeOverGRPC(b, false)
}

func analyzeOverGRPC(b *testing.B, preEncoded bool) {
	f := rootPreview(b, "prod")
	c := dial(b)
	configure(b, c, f.stack)
	ctx := context.Background()
	var opts []grpc.CallOption
	if preEncoded {
		opts = append(opts, grpc.ForceCodecV2(clientEncoded(b, f)))
	}

	var analyze, stack time.Duration
	for b.Loop() {
		start := time.Now()
		for _, req := range f.requests {
			if _, err := c.Analyze(ctx, req, opts...); err != nil {
				b.Fatal(err)
			}
		}
		mid := time.Now()
		if _, err := c.AnalyzeStack(ctx, f.stackReq, opts...); err != nil {
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

// encodedCodec is the client's codec when the requests are encoded in
// advance: a request it holds the encoding of is sent as those bytes,
// anything else (the responses) goes through protobuf as usual.
type encodedCodec struct {
	encoding.CodecV2
	encoded map[proto.Message][]byte
}

// clientEncoded encodes the preview's requests as the engine would (see
// BenchmarkAnalyzeOverGRPC), each on its own.
func clientEncoded(tb testing.TB, f previewFixture) encodedCodec {
	tb.Helper()
	c := encodedCodec{CodecV2: encoding.GetCodecV2(protocodec.Name), encoded: map[proto.Message][]byte{}}
	msgs := []proto.Message{f.stackReq}
	for _, r := range f.requests {
		msgs = append(msgs, r)
	}
	for _, m := range msgs {
		b, err := proto.Marshal(m)
		require.NoError(tb, err)
		c.encoded[m] = b
	}
	return c
}

func (c encodedCodec) Marshal(v any) (mem.BufferSlice, error) {
	if m, ok := v.(proto.Message); ok {
		if b, ok := c.encoded[m]; ok {
			return mem.BufferSlice{mem.SliceBuffer(b)}, nil
		}
	}
	return c.CodecV2.Marshal(v)
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
