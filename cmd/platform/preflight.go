package main

import (
	"context"
	"fmt"
	"io"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/platformeng/coder-platform/internal/preflight"
	"github.com/platformeng/coder-platform/stacks"
)

// runPreflight compares the stack's quota needs with the account the
// caller's AWS credentials reach, region by region: exit 1 on a shortfall
// or when the account cannot be read, 2 on bad input.
func runPreflight(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("preflight", stderr)
	stack := fs.String("stack", "", "stack whose needs are checked: prod or workshop")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one")
	request := fs.Bool("request", false, "file a quota increase request for each shortfall (unless an open one asks for enough)")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *stack == "" {
		return exitUsage, usageError{"--stack is required (prod or workshop)"}
	}
	_, file, cfg, err := loadStack(*stack, *configFile)
	if err != nil {
		return exitUsage, err
	}
	ctx := context.Background()
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return exitFailure, fmt.Errorf("AWS credentials: %w", err)
	}
	needs := stacks.QuotaNeeds(cfg)
	fmt.Fprintf(stdout, "Service quota pre-flight of stack %q (%s): %d needs in %d region(s)\n\n", *stack, file, len(needs), len(cfg.Regions))
	acct := preflight.NewAccount(awsCfg, stacks.QuotaOwner(cfg))
	rep, err := preflight.Check(ctx, acct, needs)
	if err != nil {
		return exitFailure, err
	}
	rep.WriteText(stdout)
	if len(rep.Shortfalls()) > 0 {
		if *request {
			fmt.Fprintln(stdout, "\nRequests:")
			if err := acct.RequestIncreases(ctx, rep, stdout); err != nil {
				return exitFailure, err
			}
		}
		return exitFailure, nil
	}
	return exitOK, nil
}
