// The Pulumi program that `pulumi up -s prod|workshop` runs. It loads and
// validates the stack config, then hands it to stacks/, which assembles the
// components for every region. `go run ./cmd/platform preview` runs the same
// stacks.Program under the mock monitor.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

func main() {
	program := stacks.Program(stacks.Options{})
	err := pulumi.RunErr(program)
	switch {
	case err == nil:
		return
	case errors.Is(err, pulumi.ErrPlugins):
		// Plugin discovery: let pulumi.Run print the required plugins.
		pulumi.Run(program)
	case config.IsValidationError(err):
		// Invalid config: reported before any resource was registered.
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
