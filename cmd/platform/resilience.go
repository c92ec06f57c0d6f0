package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/internal/resilience"
	"github.com/platformeng/coder-platform/stacks/config"
)

// runResilience is `platform resilience`: what keeps serving when the
// stack loses an availability zone or a region, from the same offline
// preview `preview` runs, and how long recovery takes against the
// declared RTO and RPO (docs/disaster-recovery.md). Exit 1 when a tier of
// resilience.critical stops or the RTO or RPO is missed.
func runResilience(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("resilience", stderr)
	stack := fs.String("stack", "", "stack to analyse: prod or workshop (reads Pulumi.<stack>.yaml)")
	lose := fs.String("lose", "", "the failure: az:<zone> (such as az:us-east-1a) or region:<region> (such as region:us-west-2)")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one, as pulumi --config-file does")
	asJSON := fs.Bool("json", false, "print one JSON object: tiers, recovery, rpo, failed")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *stack == "" || *lose == "" {
		return exitUsage, usageError{"--stack and --lose are required (for example --stack prod --lose az:us-east-1a)"}
	}
	failure, err := resilience.ParseFailure(*lose)
	if err != nil {
		return exitUsage, usageError{err.Error()}
	}
	proj, _, sf, err := readProjectStackFile("", *stack, *configFile)
	if err != nil {
		return exitUsage, err
	}
	res, err := preview.RunStackFile(proj.Name, *stack, sf)
	if config.IsValidationError(err) {
		return exitUsage, err
	}
	if err != nil {
		return exitFailure, fmt.Errorf("previewing stack %q: %w", *stack, err)
	}
	rep, err := resilience.Analyze(res, failure)
	var bad *resilience.InputError
	if errors.As(err, &bad) {
		return exitUsage, usageError{bad.Error()}
	}
	if err != nil {
		return exitFailure, err
	}
	if *asJSON {
		if err := rep.WriteJSON(stdout); err != nil {
			return exitFailure, err
		}
	} else {
		rep.WriteText(stdout)
	}
	if rep.Failed() {
		return exitFailure, nil
	}
	return exitOK, nil
}
