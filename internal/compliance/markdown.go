package compliance

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteMarkdown prints the report as one table per control group, then
// every failing resource and every live finding, so a reviewer sees why.
func (r *Report) WriteMarkdown(w io.Writer) {
	n := r.Count()
	fmt.Fprintf(w, "# Compliance of stack %s: %s\n\n", r.Stack, r.Standard)
	fmt.Fprintf(w, "%d control(s) over %d resource(s) of the offline preview: %d pass, %d fail, %d not applicable, %d unchecked.\n",
		len(r.Controls), r.Resources, n[Pass], n[Fail], n[NotApplicable], n[Unchecked])
	live := r.live()
	if live {
		fmt.Fprintf(w, "Live: AWS Config and Security Hub in %s.\n", strings.Join(r.Regions, ", "))
	}
	for _, g := range r.groups() {
		fmt.Fprintf(w, "\n## %s\n\n", g)
		header := "| control | title | policies | Config rule | verdict |"
		rule := "|---|---|---|---|---|"
		if live {
			header += " Config (live) | findings (live) |"
			rule += "---|---|"
		}
		fmt.Fprintln(w, header)
		fmt.Fprintln(w, rule)
		for _, c := range r.Controls {
			if c.group == g {
				fmt.Fprintln(w, c.row(live))
			}
		}
	}
	r.writeDetails(w)
}

func (c ControlResult) row(live bool) string {
	var ps []string
	for _, p := range c.Policies {
		ps = append(ps, fmt.Sprintf("`%s` (%s)", p.Name, p.Verdict))
	}
	rule := "–"
	if c.ConfigRule != "" {
		rule = "`" + c.ConfigRule + "`"
	}
	title := cell(c.Title)
	if !c.FSBP {
		title += " (outside FSBP, still claimed)"
	}
	row := fmt.Sprintf("| %s | %s | %s | %s | **%s** |", c.ID, title, orDash(strings.Join(ps, "<br>")), rule, c.Verdict)
	if live && c.Live != nil {
		row += fmt.Sprintf(" %s | %d |", orDash(c.Live.configCell()), len(c.Live.Findings))
	}
	return row
}

// writeDetails lists what fails: the preview's violations, then the
// account's active findings.
func (r *Report) writeDetails(w io.Writer) {
	for _, c := range r.Controls {
		if len(c.Failing) == 0 && (c.Live == nil || len(c.Live.Findings) == 0) {
			continue
		}
		fmt.Fprintf(w, "\n### %s %s\n\n", c.ID, c.Title)
		for _, f := range c.Failing {
			fmt.Fprintf(w, "- `%s` %s: %s\n", f.Policy, f.URN, f.Message)
		}
		if c.Live != nil {
			for _, f := range c.Live.Findings {
				fmt.Fprintf(w, "- Security Hub %s %s (%s): %s\n", f.Region, f.Resource, f.Severity, f.Title)
			}
		}
	}
}

// groups are the control groups in the order the controls first name them.
func (r *Report) groups() []string {
	var out []string
	for _, c := range r.Controls {
		if !slices.Contains(out, c.group) {
			out = append(out, c.group)
		}
	}
	return out
}

func (r *Report) live() bool {
	return slices.ContainsFunc(r.Controls, func(c ControlResult) bool { return c.Live != nil })
}

// WriteJSON prints the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing the compliance report: %w", err)
	}
	return nil
}

// cell keeps a value from breaking a Markdown table row.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
