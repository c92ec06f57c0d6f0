package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/platformeng/coder-platform/internal/deploy"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
)

// runDeploy gates the stack with the offline preview and the policy pack,
// then updates it through Automation API in stages (internal/deploy).
func runDeploy(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("deploy", stderr)
	stack := fs.String("stack", "", "stack to deploy: prod or workshop")
	dryRun := fs.Bool("dry-run", false, "print the stages and stop")
	from := fs.String("from", "", `the Coder version the stack runs now, or "none" before the first deployment (default: read from coderd's /api/v2/buildinfo)`)
	wait := fs.Duration("wait", 20*time.Minute, "how long a stage waits for its regions to report the new version and be healthy")
	policyConfig := fs.String("policy-config", "", "policy config file, as for preview")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *stack == "" || *wait <= 0 {
		return exitUsage, usageError{"--stack is required (prod or workshop), and --wait must be positive"}
	}
	// The committed stack file only: it is what Automation API deploys, so
	// the gate and the stages judge the same config.
	proj, file, cfg, err := loadStack(*stack, "")
	if err != nil {
		return exitUsage, err
	}
	overrides, err := readPolicyConfig(*policyConfig)
	if err != nil {
		return exitUsage, err
	}
	res, err := preview.Run(proj, *stack, file)
	if err != nil {
		return exitFailure, err
	}
	report := gate.Evaluate(res.Resources, overrides)
	report.WriteText(stdout)
	if report.Mandatory() > 0 {
		return exitFailure, fmt.Errorf("%d mandatory policy violation(s): nothing was deployed", report.Mandatory())
	}
	ctx := context.Background()
	coderd := deploy.Coderd{}
	deployed := *from
	switch deployed {
	case "none":
		deployed = ""
	case "":
		probe, cancel := context.WithTimeout(ctx, 15*time.Second)
		deployed, err = coderd.Version(probe, cfg.Coder.AccessURL)
		cancel()
		if err != nil {
			// Never guess: a stack whose coderd is down mid-upgrade would
			// otherwise move its proxies with the control plane.
			return exitFailure, fmt.Errorf("coderd at %s did not answer (%v): pass --from VERSION (the version the stack runs) or --from none (not deployed yet)", cfg.Coder.AccessURL, err)
		}
		fmt.Fprintf(stdout, "coderd at %s runs %s; the stack declares %s.\n", cfg.Coder.AccessURL, deployed, cfg.Coder.Version)
	}
	stages := deploy.Plan(cfg, deployed)
	deploy.WriteStages(stdout, stages)
	if *dryRun {
		return exitOK, nil
	}
	s, err := auto.UpsertStackLocalSource(ctx, *stack, proj.Dir)
	if err != nil {
		return exitFailure, fmt.Errorf("stack %s: %w", *stack, err)
	}
	runner := deploy.Runner{Engine: deploy.AutoEngine{Stack: s, Out: stdout}, Coderd: coderd, Out: stdout, Wait: *wait, Poll: 15 * time.Second}
	if err := runner.Run(ctx, stages); err != nil {
		return exitFailure, err
	}
	return exitOK, nil
}
