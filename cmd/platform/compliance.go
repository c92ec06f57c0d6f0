package main

import (
	"context"
	"fmt"
	"io"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/platformeng/coder-platform/internal/compliance"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

// runCompliance reports a stack against the standard it claims, from its
// offline preview, and with --live from the account's AWS Config and
// Security Hub: exit 1 when a claimed control fails offline, 2 on bad
// input. Live results are reported, not gated on: the account may lag the
// code under review.
func runCompliance(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("compliance", stderr)
	stack := fs.String("stack", "", "stack to report: prod or workshop")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one")
	asJSON := fs.Bool("json", false, "print one JSON object: stack, standard, controls[] (id, title, policies, configRule, verdict, failing, live)")
	live := fs.Bool("live", false, "also read AWS Config rule compliance and Security Hub findings in each region of the stack (needs AWS credentials)")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *stack == "" {
		return exitUsage, usageError{"--stack is required (prod or workshop)"}
	}
	proj, file, err := projectStackFile("", *stack, *configFile)
	if err != nil {
		return exitUsage, err
	}
	res, err := preview.Run(proj, *stack, file)
	if config.IsValidationError(err) {
		return exitUsage, err
	}
	if err != nil {
		return exitFailure, fmt.Errorf("previewing %s: %w", file, err)
	}
	standard, controls, err := compliance.Claimed(res.Config)
	if err != nil {
		return exitUsage, usageError{fmt.Sprintf("stack %q: %v", *stack, err)}
	}
	rep := compliance.Build(res, standard, controls)
	if *live {
		ctx := context.Background()
		cfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return exitFailure, fmt.Errorf("loading AWS credentials for --live: %w", err)
		}
		if err := rep.ReadLive(ctx, cfg, compliance.SourcesOf(res)); err != nil {
			return exitFailure, fmt.Errorf("reading live compliance: %w", err)
		}
	}
	if *asJSON {
		if err := rep.WriteJSON(stdout); err != nil {
			return exitFailure, err
		}
	} else {
		rep.WriteMarkdown(stdout)
	}
	if rep.Failed() {
		return exitFailure, fmt.Errorf("%d claimed control(s) fail on the offline preview", rep.Count()[compliance.Fail])
	}
	return exitOK, nil
}
