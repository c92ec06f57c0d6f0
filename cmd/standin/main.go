// Command standin is the engine tests' stand-in for every resource provider
// the program uses. Installed as pulumi-resource-<package> (aws, eks,
// kubernetes, cloudflare, tls, random), it serves that package; the Pulumi
// CLI finds it on PATH. See internal/standin.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/platformeng/coder-platform/internal/standin"
)

func main() {
	pkg := strings.TrimPrefix(filepath.Base(os.Args[0]), "pulumi-resource-")
	version := os.Getenv("STANDIN_VERSION_" + strings.ToUpper(pkg))
	if version == "" {
		version = "0.0.1"
	}
	if err := provider.Main(pkg, func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return standin.New(pkg, version), nil
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
