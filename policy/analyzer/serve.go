package analyzer

import (
	"fmt"
	"io"
	"runtime"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// windowSize is the HTTP/2 flow-control window the pack gives the engine,
// per call and for the connection: 16 MiB, the most gRPC's estimate would
// grow it to.
const windowSize = 1 << 24

// Main serves the pack as the Pulumi engine expects of an analyzer plugin:
// listen on a free port, print it, serve until the engine hangs up.
func Main(stdout io.Writer) error {
	srv, err := NewServer()
	if err != nil {
		return err
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Options: []grpc.ServerOption{
			// Properties go from the wire straight to PropertyMaps, and
			// AnalyzeStack reuses those the Analyze calls decoded.
			grpc.ForceServerCodecV2(srv.codec()),
			// Calls run on long-lived workers whose stacks have already
			// grown to what decoding and the policies need, rather than on
			// a fresh goroutine each.
			grpc.NumStreamWorkers(uint32(runtime.GOMAXPROCS(0))),
			// A window the engine's requests (AnalyzeStack's is a few
			// hundred kilobytes to megabytes) never fill, set rather than
			// estimated: estimating it costs a ping and its answer per
			// request received, a write and a read on each side.
			grpc.InitialWindowSize(windowSize),
			grpc.InitialConnWindowSize(windowSize),
		},
		Init: func(g *grpc.Server) error {
			pulumirpc.RegisterAnalyzerServer(g, srv)
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("policy pack: %w", err)
	}
	fmt.Fprintf(stdout, "%d\n", handle.Port)
	return <-handle.Done
}
