package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/platformeng/coder-platform/internal/diagram"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/internal/report"
	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/stacks/config"
)

// runReport is `platform report`: the offline preview of a stack as one
// static HTML page, DIR/index.html, for a reviewer's browser. It reports;
// it does not gate, so policy violations exit 0 (`platform preview` gates).
func runReport(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("report", stderr)
	stack := fs.String("stack", "", "stack to report: prod or workshop (reads Pulumi.<stack>.yaml)")
	out := fs.String("out", "", "directory to write index.html to (created when missing)")
	basePath := fs.String("base", "", "a previous preview JSON file (platform preview --json or pulumi preview --json): also show the changes against it")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one, as pulumi --config-file does")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *stack == "" || *out == "" {
		return exitUsage, usageError{"--stack and --out are required"}
	}
	proj, file, err := projectStackFile("", *stack, *configFile)
	if err != nil {
		return exitUsage, err
	}
	var base *report.Base
	if *basePath != "" {
		// Read before the preview runs: a wrong file is a usage error, found fast.
		if base, err = readBase(*basePath, *stack); err != nil {
			return exitUsage, err
		}
	}
	res, err := preview.Run(proj, *stack, file)
	if config.IsValidationError(err) {
		return exitUsage, err
	}
	if err != nil {
		return exitFailure, err
	}
	figures, err := reportFigures(context.Background(), res)
	if err != nil {
		return exitFailure, fmt.Errorf("drawing the diagrams of %s: %w", *stack, err)
	}
	verdict := gate.Evaluate(res.Resources, nil)
	page, err := report.Render(report.Input{Result: res, Policy: verdict, Figures: figures, Base: base})
	if err != nil {
		return exitFailure, err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return exitFailure, fmt.Errorf("creating %s: %w", *out, err)
	}
	index := filepath.Join(*out, "index.html")
	if err := os.WriteFile(index, page, 0o644); err != nil {
		return exitFailure, fmt.Errorf("writing %s: %w", index, err)
	}
	fmt.Fprintf(stdout, "Wrote %s (%d KB: %d resources, %d diagrams, %d policy violations, %d mandatory)\n",
		index, len(page)/1024, len(res.Resources), len(figures), len(verdict.Violations), verdict.Mandatory())
	return exitOK, nil
}

// readBase reads a previous preview of the same stack.
func readBase(path, stack string) (*report.Base, error) {
	doc, err := preview.ReadDocument(path)
	if err != nil {
		return nil, usageError{fmt.Sprintf("reading --base %s: %v", path, err)}
	}
	// `pulumi preview --json` lists unchanged resources only with
	// --show-sames; without them every one of those would show as added.
	sames := 0
	for _, s := range doc.Steps {
		if s.Op == "same" {
			sames++
		}
	}
	if n := doc.ChangeSummary["same"] - sames; n > 0 {
		return nil, usageError{fmt.Sprintf("--base %s leaves out %d unchanged resources: write it with `pulumi preview --json --show-sames` or `platform preview --json`", path, n)}
	}
	rs := preview.ResourcesFromDocument(doc)
	if len(rs) == 0 {
		return nil, usageError{fmt.Sprintf("--base %s holds no resources: not a preview file", path)}
	}
	// Another stack's preview would show every resource as replaced.
	if got := resource.URN(rs[0].URN).Stack(); string(got) != stack {
		return nil, usageError{fmt.Sprintf("--base %s is a preview of stack %q, not %q", path, got, stack)}
	}
	return &report.Base{Name: filepath.Base(path), Resources: rs}, nil
}

// reportFigures draws every view of internal/diagram as SVG for the page.
func reportFigures(ctx context.Context, res *preview.Result) ([]report.Figure, error) {
	var out []report.Figure
	for _, v := range diagram.Views {
		svg, err := diagram.Render(ctx, res, v, diagram.SVG)
		if err != nil {
			return nil, fmt.Errorf("%s view: %w", v, err)
		}
		// The diagram carries its own title; the caption names the view.
		out = append(out, report.Figure{View: string(v), SVG: svg})
	}
	return out, nil
}
