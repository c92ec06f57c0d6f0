// Package report writes the offline preview of a stack as one static HTML
// page: diagrams, resource tree, network and capacity plans, Helm values,
// alarms, the policy pack's verdicts and, against a previous preview, what
// changes. The page loads nothing: styles and figures are inline, and it
// has no script.
package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/sizing"
)

// Input is what a page shows.
type Input struct {
	Result  *preview.Result
	Policy  gate.Report
	Figures []Figure
	// Base, when set, adds the changes against that previous preview.
	Base *Base
}

// Sections are the ids of the page's sections, in order. With a base,
// Changes comes first.
var Sections = []string{"diagrams", "resources", "network", "capacity", "helm", "alarms", "policy", "diagnostics"}

// Changes is the id of the section of changes against a base.
const Changes = "changes"

// page is the template's data.
type page struct {
	Project, Stack string
	CSS            template.CSS
	Resources      int
	Types          []TypeCount
	Figures        []inlineFigure
	Tree           *Node
	Networks       []Network
	Capacity       []sizing.Row
	Gaps           int
	Releases       []Release
	Alarms         []Alarm
	Rules          []Rule
	Policy         Verdicts
	Diagnostics    []diagnostic
	Diff           *Diff
}

type diagnostic struct{ Severity, Subject, Message string }

//go:embed page.html.tmpl
var pageTemplate string

//go:embed style.css
var style string

var tmpl = template.Must(template.New("page").Parse(pageTemplate))

// Render returns the page.
func Render(in Input) ([]byte, error) {
	p, err := build(in)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		return nil, fmt.Errorf("rendering the report of stack %s: %w", in.Result.Stack, err)
	}
	return buf.Bytes(), nil
}

func build(in Input) (*page, error) {
	r := in.Result
	p := &page{Project: r.Project, Stack: r.Stack, CSS: template.CSS(style), Resources: len(r.Resources),
		Types: sortedCounts(r.ByType(), true), Tree: buildTree(r), Networks: networks(r.Config),
		Policy: verdicts(in.Policy)}
	for _, f := range in.Figures {
		x, err := inline(f)
		if err != nil {
			return nil, err
		}
		p.Figures = append(p.Figures, x)
	}
	if r.Config != nil && r.Config.Capacity() != nil {
		p.Capacity = r.Config.Capacity().Rows
		for _, row := range p.Capacity {
			if row.Gap != "" {
				p.Gaps++
			}
		}
	}
	var err error
	if p.Releases, err = releases(r); err != nil {
		return nil, err
	}
	p.Alarms = alarms(r)
	if p.Rules, err = promRules(r); err != nil {
		return nil, err
	}
	for _, d := range r.Diagnostics {
		p.Diagnostics = append(p.Diagnostics, diagnostic{Severity: string(d.Severity), Subject: d.Subject, Message: d.Message})
	}
	if in.Base != nil {
		if p.Diff, err = diff(in.Base, r.Resources); err != nil {
			return nil, fmt.Errorf("changes against %s: %w", in.Base.Name, err)
		}
	}
	return p, nil
}
