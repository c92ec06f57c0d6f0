package main

import (
	"context"
	"fmt"
	"io"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/platformeng/coder-platform/internal/engine"
	"github.com/platformeng/coder-platform/stacks"
)

// runDrift refreshes a deployed stack in preview mode, against its real
// backend and the caller's cloud credentials, and reports what changed
// outside Pulumi: exit 1 on drift, 0 on none, 2 on usage or config errors.
func runDrift(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("drift", stderr)
	stack := fs.String("stack", "", "the deployed stack to check: prod or workshop")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *stack == "" {
		return exitUsage, usageError{"--stack is required"}
	}
	proj, _, cfg, err := loadStack(*stack, "")
	if err != nil {
		return exitUsage, err
	}
	ctx := context.Background()
	// The `pulumi` on PATH, logged in to the stack's backend as for `pulumi up`.
	s, err := auto.SelectStackInlineSource(ctx, *stack, proj.Name, stacks.Program(stacks.Options{Config: cfg}), auto.WorkDir(proj.Dir))
	if err != nil {
		return exitFailure, fmt.Errorf("selecting stack %s: %w", *stack, err)
	}
	drifted, err := engine.Drift(ctx, s)
	if err != nil {
		return exitFailure, err
	}
	engine.WriteDrift(stdout, drifted)
	if len(drifted) > 0 {
		return exitFailure, nil
	}
	return exitOK, nil
}
