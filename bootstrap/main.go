// The bootstrap project's program: `pulumi up` in this directory, once per
// AWS account with local state, creates the state bucket and secrets key the
// main project's stacks use (README, "First deployment").
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/bootstrap/program"
	"github.com/platformeng/coder-platform/stacks/config"
)

func main() {
	run := program.Program(program.Options{})
	err := pulumi.RunErr(run)
	switch {
	case err == nil:
	case errors.Is(err, pulumi.ErrPlugins):
		pulumi.Run(run)
	case config.IsValidationError(err):
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
