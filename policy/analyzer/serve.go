package analyzer

import (
	"fmt"
	"io"

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
