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
	from := fs.String("from", "", `the Coder version the stack runs now, or "none" (default: the coderd release in the stack's state)`)
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
	var s auto.Stack
	open := func() error {
		if s.Name() != "" {
			return nil
		}
		var err error
		if s, err = auto.UpsertStackLocalSource(ctx, *stack, proj.Dir); err != nil {
			return fmt.Errorf("stack %s: %w", *stack, err)
		}
		return nil
	}
	deployed := *from
	switch deployed {
	case "none":
		deployed = ""
	case "":
		// The state says what runs: a first deploy, or one whose coderd is
		// still held back for its secrets, has no coderd release yet.
		if err := open(); err != nil {
			return exitFailure, err
		}
		dep, err := s.Export(ctx)
		if err != nil {
			return exitFailure, fmt.Errorf("reading the state of %s (or pass --from VERSION|none): %w", *stack, err)
		}
		if deployed, err = deploy.DeployedVersion(dep.Deployment, cfg.ControlPlane().Name); err != nil {
			return exitFailure, fmt.Errorf("reading the state of %s: %w", *stack, err)
		}
		fmt.Fprintf(stdout, "The state holds coderd %s; the stack declares %s.\n", orNone(deployed), cfg.Coder.Version)
	}
	stages := deploy.Plan(&cfg.Stack, deployed)
	deploy.WriteStages(stdout, stages)
	if *dryRun {
		return exitOK, nil
	}
	if err := open(); err != nil {
		return exitFailure, err
	}
	runner := deploy.Runner{Engine: deploy.AutoEngine{Stack: s, Out: stdout}, Coderd: coderd, Out: stdout, Wait: *wait, Poll: 15 * time.Second}
	if err := runner.Run(ctx, stages); err != nil {
		return exitFailure, err
	}
	return exitOK, nil
}

func orNone(v string) string {
	if v == "" {
		return "none (not deployed yet)"
	}
	return v
}
