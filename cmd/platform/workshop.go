package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/platformeng/coder-platform/internal/coderapi"
	"github.com/platformeng/coder-platform/internal/preflight"
	"github.com/platformeng/coder-platform/internal/readiness"
	"github.com/platformeng/coder-platform/stacks"
)

// runWorkshop is `platform workshop check`: the readiness checklist of a
// live platform before an event. Exit 0 ready, 1 not, 2 bad input.
func runWorkshop(args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 || args[0] != "check" {
		return exitUsage, usageError{"usage: platform workshop check --stack workshop [--at TIME]"}
	}
	fs := newFlags("workshop check", stderr)
	stack := fs.String("stack", "", "stack to check (its scaling.event is the workshop)")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one")
	at := fs.String("at", "", "check as of this time (RFC 3339; default now): certificates and the event's scaling actions are judged at it")
	tokenEnv := fs.String("token-env", "CODER_SESSION_TOKEN", "environment variable holding a coderd owner's session token")
	within := fs.Duration("within", 0, "check only when the event starts within this long of --at, or is under way (a scheduled run); otherwise exit 0")
	if err := parseFlags(fs, args[1:]); err != nil {
		return exitUsage, err
	}
	if *stack == "" {
		return exitUsage, usageError{"--stack is required"}
	}
	when := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return exitUsage, usageError{fmt.Sprintf("--at %q: must be an RFC 3339 time such as 2026-12-09T08:00:00Z", *at)}
		}
		when = t
	}
	_, _, cfg, err := loadStackAt(*stack, *configFile, when)
	if err != nil {
		return exitUsage, err
	}
	if cfg.Scaling.Event == nil {
		if *within > 0 {
			// A scheduled run between events: nothing to check.
			fmt.Fprintf(stdout, "Stack %s declares no workshop (scaling.event): nothing to check.\n", *stack)
			return exitOK, nil
		}
		return exitUsage, usageError{fmt.Sprintf("stack %s declares no workshop (scaling.event)", *stack)}
	}
	ev := cfg.Event()
	if *within > 0 && (ev.Start.Sub(when) > *within || when.After(ev.End)) {
		fmt.Fprintf(stdout, "The event (%s to %s) is not within %s of %s: nothing to check.\n",
			ev.Start.Format(time.RFC3339), ev.End.Format(time.RFC3339), *within, when.Format(time.RFC3339))
		return exitOK, nil
	}
	token := os.Getenv(*tokenEnv)
	if token == "" {
		return exitUsage, usageError{fmt.Sprintf("%s is empty: set it to a coderd owner's session token (coder tokens create)", *tokenEnv)}
	}
	ctx := context.Background()
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return exitFailure, fmt.Errorf("AWS credentials: %w", err)
	}
	rep := readiness.Check(ctx, readiness.Inputs{
		Config: cfg, At: when,
		Coderd:  readiness.Coderd{Client: coderapi.Client{URL: cfg.Coder.AccessURL, Token: token}},
		AWS:     readiness.AWS{Config: awsCfg},
		Account: preflight.NewAccount(awsCfg, stacks.QuotaOwner(cfg)),
	})
	fmt.Fprintf(stdout, "Workshop readiness of stack %q (event %s to %s)\n\n", *stack,
		ev.Start.Format(time.RFC3339), ev.End.Format(time.RFC3339))
	rep.WriteText(stdout)
	if !rep.Ready() {
		return exitFailure, nil
	}
	return exitOK, nil
}
