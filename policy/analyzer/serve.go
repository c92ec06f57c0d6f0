package analyzer

import (
	"fmt"
	"io"
	"runtime"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// Main serves the pack as the Pulumi engine expects of an analyzer plugin:
// listen on a free port, print it, serve until the engine hangs up.
func Main(stdout io.Writer) error {
	srv, err := NewServer()
	if err != nil {
		return err
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Options: []grpc.ServerOption{
			// Properties go from the wire straight to PropertyMaps.
			grpc.ForceServerCodecV2(newCodec(&srv.predecoded)),
			// Calls run on long-lived workers whose stacks have already
			// grown to what decoding and the policies need, rather than on
			// a fresh goroutine each.
			grpc.NumStreamWorkers(uint32(runtime.GOMAXPROCS(0))),
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
