package main

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
)

// SummaryMarker opens the pull request comment the workflow keeps updated
// (one comment, edited on every push).
const SummaryMarker = "<!-- coder-platform-preview-summary -->"

// runPolicySummary is `platform policy summary FILE...`: one Markdown table
// of what each preview file (offline or `pulumi preview --json`) changes and
// the pack's verdict on it. Exit 1 when any file has a mandatory violation.
func runPolicySummary(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("policy summary", stderr)
	policyConfig := fs.String("policy-config", "", "policy config file, as for policy check")
	if err := fs.Parse(args); err != nil {
		return exitUsage, usageError{err.Error()}
	}
	if fs.NArg() == 0 {
		return exitUsage, usageError{"usage: platform policy summary [--policy-config FILE] FILE..."}
	}
	overrides, err := readPolicyConfig(*policyConfig)
	if err != nil {
		return exitUsage, err
	}
	fmt.Fprintln(stdout, SummaryMarker)
	fmt.Fprintln(stdout, "### Preview and policy")
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "| preview | create | update | replace | delete | unchanged | mandatory | advisory |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|")
	blocked := 0
	var details []string
	for _, file := range fs.Args() {
		doc, err := preview.ReadDocument(file)
		if err != nil {
			return exitUsage, usageError{fmt.Sprintf("reading %s: %v", file, err)}
		}
		// `pulumi preview --json` leaves unchanged resources out of its
		// steps unless --show-sames; its changeSummary counts them.
		ops := map[string]int{}
		for _, s := range doc.Steps {
			ops[s.Op]++
		}
		for op, n := range doc.ChangeSummary {
			ops[op] = max(ops[op], n)
		}
		report := gate.Evaluate(preview.ResourcesFromDocument(doc), overrides)
		mandatory := report.Mandatory()
		advisory := len(report.Violations) - mandatory
		if mandatory > 0 {
			blocked++
		}
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		fmt.Fprintf(stdout, "| `%s` | %d | %d | %d | %d | %d | %s | %d |\n", name, ops["create"], ops["update"],
			ops["replace"]+ops["create-replacement"], ops["delete"], ops["same"], verdict(mandatory), advisory)
		for _, v := range report.Violations {
			details = append(details, fmt.Sprintf("- `%s` %s (%s): %s", name, v.Policy, v.Enforcement, v.Message))
		}
	}
	sort.Strings(details)
	if len(details) > 0 {
		fmt.Fprintf(stdout, "\n<details><summary>%d policy finding(s)</summary>\n\n%s\n</details>\n", len(details), strings.Join(details, "\n"))
	}
	if blocked > 0 {
		fmt.Fprintf(stdout, "\n**%d preview(s) have mandatory violations: nothing may be deployed.**\n", blocked)
		return exitFailure, nil
	}
	return exitOK, nil
}

func verdict(mandatory int) string {
	if mandatory == 0 {
		return "0 ✅"
	}
	return fmt.Sprintf("**%d** ❌", mandatory)
}
