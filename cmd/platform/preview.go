package main

import (
	"fmt"
	"io"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/stacks/config"
)

func runPreview(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("preview", stderr)
	stack := fs.String("stack", "", "stack to preview: prod or workshop (reads Pulumi.<stack>.yaml)")
	project := fs.String("project", "", "preview the Pulumi project in this directory instead of the main one, e.g. bootstrap (the state backend)")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one, as pulumi --config-file does")
	jsonOut := fs.String("json", "", "also write the result in the shape of `pulumi preview --json` to this file")
	firstRun := fs.Bool("first-run", false, "preview the first `pulumi up`: operator-filled secrets exist but hold no value yet")
	policyConfig := fs.String("policy-config", "", "policy config file (the format of pulumi --policy-pack-config): enforcement levels and thresholds")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *stack == "" {
		return exitUsage, usageError{"--stack is required (prod or workshop)"}
	}
	proj, file, err := projectStackFile(*project, *stack, *configFile)
	if err != nil {
		return exitUsage, err
	}
	overrides, err := readPolicyConfig(*policyConfig)
	if err != nil {
		return exitUsage, err
	}
	var opts []preview.Option
	if *firstRun {
		opts = append(opts, preview.FirstRun())
	}
	res, err := preview.Run(proj, *stack, file, opts...)
	if config.IsValidationError(err) {
		return exitUsage, err
	}
	if err != nil {
		if res != nil {
			res.WriteText(stdout)
		}
		return exitFailure, err
	}
	res.WriteText(stdout)
	report := gate.Evaluate(res.Resources, overrides)
	report.WriteText(stdout)
	if *jsonOut != "" {
		doc := res.JSON()
		report.Attach(doc)
		if err := preview.WriteJSON(*jsonOut, doc); err != nil {
			return exitFailure, fmt.Errorf("writing %s: %w", *jsonOut, err)
		}
		fmt.Fprintf(stdout, "Wrote %s (%d steps, %d policy violations)\n", *jsonOut, len(doc.Steps), len(doc.PolicyViolations))
	}
	return gateExit(report)
}
