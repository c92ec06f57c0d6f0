package stacks

import (
	"errors"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/stacks/config"
)

// Main runs a project's program under the engine, as each project's main
// package does: plugin discovery as pulumi.Run does it, exit 2 on invalid
// config (nothing was registered), 1 on any other failure.
func Main(program pulumi.RunFunc) {
	err := pulumi.RunErr(program)
	switch {
	case err == nil:
	case errors.Is(err, pulumi.ErrPlugins):
		// Plugin discovery: let pulumi.Run print the required plugins.
		pulumi.Run(program)
	case config.IsValidationError(err):
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
