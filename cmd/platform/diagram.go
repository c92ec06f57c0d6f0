package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/platformeng/coder-platform/internal/diagram"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

// runDiagram draws a stack from the same offline preview `preview` runs
// (the program under the mock monitor), so that a diagram cannot disagree
// with the code: the component tree, the traffic paths or the security
// relations, as SVG, D2 source or a Mermaid flowchart.
func runDiagram(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("diagram", stderr)
	stack := fs.String("stack", "", "stack to draw: prod or workshop (reads Pulumi.<stack>.yaml)")
	view := fs.String("view", string(diagram.Components), "what to draw: components, traffic or security")
	format := fs.String("format", "", "svg, d2 or mermaid (default: from --out's extension .svg, .d2 or .mmd; else svg)")
	out := fs.String("out", "", "write the diagram to this file instead of standard output")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one, as pulumi --config-file does")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *stack == "" {
		return exitUsage, usageError{"--stack is required (prod or workshop)"}
	}
	v, err := diagram.ParseView(*view)
	if err != nil {
		return exitUsage, usageError{"--view: " + err.Error()}
	}
	f, err := diagramFormat(*format, *out)
	if err != nil {
		return exitUsage, usageError{"--format: " + err.Error()}
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
	data, err := diagram.Render(context.Background(), res, v, f)
	if err != nil {
		return exitFailure, fmt.Errorf("drawing the %s view of %q: %w", v, *stack, err)
	}
	if *out == "" {
		_, err := stdout.Write(data)
		return exitOK, err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return exitFailure, fmt.Errorf("writing %s: %w", *out, err)
	}
	fmt.Fprintf(stdout, "Wrote %s (%s view of %s, %s, %d bytes)\n", *out, v, *stack, f, len(data))
	return exitOK, nil
}

// diagramFormat is --format, or the format --out's extension names.
func diagramFormat(format, out string) (diagram.Format, error) {
	if format != "" {
		return diagram.ParseFormat(format)
	}
	switch filepath.Ext(out) {
	case ".d2":
		return diagram.D2Source, nil
	case ".mmd", ".mermaid":
		return diagram.MermaidFC, nil
	}
	return diagram.SVG, nil
}
