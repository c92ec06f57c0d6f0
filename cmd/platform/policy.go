package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/policy/rules"
)

// runPolicy is `platform policy check FILE`: judge a preview JSON file,
// from the offline preview or from a real `pulumi preview --json`.
func runPolicy(args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 1 && args[0] == "list" {
		writePolicyTable(stdout)
		return exitOK, nil
	}
	if len(args) > 0 && args[0] == "summary" {
		return runPolicySummary(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "check" {
		return exitUsage, usageError{"usage: platform policy check [--policy-config FILE] FILE | platform policy summary FILE... | platform policy list"}
	}
	fs := newFlags("policy check", stderr)
	policyConfig := fs.String("policy-config", "", "policy config file (the format of pulumi --policy-pack-config): enforcement levels and thresholds")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage, usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return exitUsage, usageError{"usage: platform policy check [--policy-config FILE] FILE"}
	}
	overrides, err := readPolicyConfig(*policyConfig)
	if err != nil {
		return exitUsage, err
	}
	doc, err := preview.ReadDocument(fs.Arg(0))
	if err != nil {
		return exitUsage, usageError{fmt.Sprintf("reading %s: %v", fs.Arg(0), err)}
	}
	report := gate.Evaluate(preview.ResourcesFromDocument(doc), overrides)
	report.WriteText(stdout)
	return gateExit(report)
}

// writePolicyTable prints the pack as the Markdown table docs/policy.md
// embeds.
func writePolicyTable(w io.Writer) {
	fmt.Fprintln(w, "| policy | kind | severity | enforcement | config (default) | rule |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, p := range rules.Pack() {
		kind := "resource"
		if p.CheckStack != nil {
			kind = "stack"
		}
		var params []string
		for _, prm := range p.Params {
			def := fmt.Sprint(prm.Default)
			if l, ok := prm.Default.([]string); ok {
				def = strings.Join(l, ", ")
				if len(l) > 5 {
					def = fmt.Sprintf("%d values, see below", len(l))
				}
			}
			params = append(params, fmt.Sprintf("`%s` (%s)", prm.Name, def))
		}
		cfg := strings.Join(params, ", ")
		if cfg == "" {
			cfg = "–"
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s |\n", p.Name, kind, p.Severity, p.Enforcement, cfg, p.Description)
	}
}

func readPolicyConfig(path string) (map[string]rules.PolicyConfig, error) {
	if path == "" {
		return nil, nil
	}
	cfg, err := gate.ReadConfig(path)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return cfg, nil
}

// gateExit fails on any mandatory violation.
func gateExit(r gate.Report) (int, error) {
	if n := r.Mandatory(); n > 0 {
		return exitFailure, fmt.Errorf("%d mandatory policy violation(s)", n)
	}
	return exitOK, nil
}
