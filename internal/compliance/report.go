// Package compliance reports a stack against the security standard it
// claims: for each control, the policies that enforce it judged on the
// offline preview and, with live reads, what AWS Config and Security Hub
// say about the deployed account.
package compliance

import (
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/controls"
	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/policy/rules"
)

// Verdict is a policy's or a control's result on the offline preview.
type Verdict string

const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
	// NotApplicable: the stack has no resource the policies judge.
	NotApplicable Verdict = "not-applicable"
	// Unchecked: no policy enforces the control before deployment; only
	// its Config rule watches it.
	Unchecked Verdict = "unchecked"
)

// Report is a stack's compliance with one standard.
type Report struct {
	Stack     string          `json:"stack"`
	Standard  string          `json:"standard"`
	Regions   []string        `json:"regions"`
	Resources int             `json:"resources"`
	Controls  []ControlResult `json:"controls"`
}

// ControlResult is one control's verdict.
type ControlResult struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// FSBP is false for a control AWS moved out of the standard that the
	// platform still claims.
	FSBP       bool           `json:"fsbp"`
	Policies   []PolicyResult `json:"policies"`
	ConfigRule string         `json:"configRule"`
	Verdict    Verdict        `json:"verdict"`
	Failing    []Failure      `json:"failing"`
	// Live is nil unless the account was read (--live).
	Live *Live `json:"live"`

	group  string
	global bool // the rule watches account-wide resources
}

// PolicyResult is one enforcing policy's verdict.
type PolicyResult struct {
	Name    string  `json:"name"`
	Verdict Verdict `json:"verdict"`
}

// Failure is one violation that fails a control.
type Failure struct {
	Policy  string `json:"policy"`
	URN     string `json:"urn"`
	Message string `json:"message"`
}

// Build judges the preview's resources with the pack and maps the result
// onto the controls.
func Build(res *preview.Result, standard string, cs []controls.Control) *Report {
	rep := &Report{Stack: res.Stack, Standard: standard, Resources: len(res.Resources), Controls: []ControlResult{}}
	if res.Config != nil {
		for _, r := range res.Config.Regions {
			rep.Regions = append(rep.Regions, r.Name)
		}
	}
	byPolicy := map[string][]rules.Violation{}
	for _, v := range gate.Evaluate(res.Resources, nil).Violations {
		byPolicy[v.Policy] = append(byPolicy[v.Policy], v)
	}
	for _, c := range cs {
		cr := ControlResult{ID: c.ID, Title: c.Title, FSBP: c.FSBP, ConfigRule: c.ConfigRule, Policies: []PolicyResult{}, Failing: []Failure{},
			group: group(c.ID), global: c.Global}
		for _, name := range c.Policies {
			p := rules.Lookup(name)
			if p == nil {
				// A claim no policy enforces must not pass.
				cr.Failing = append(cr.Failing, Failure{Policy: name, Message: "the policy is not in the pack " + rules.PackName + ", so nothing enforces the control."})
			}
			for _, x := range byPolicy[name] {
				cr.Failing = append(cr.Failing, Failure{Policy: name, URN: x.URN, Message: x.Message})
			}
			cr.Policies = append(cr.Policies, PolicyResult{Name: name, Verdict: policyVerdict(p, res.Resources, byPolicy[name])})
		}
		cr.Verdict = controlVerdict(cr.Policies)
		rep.Controls = append(rep.Controls, cr)
	}
	return rep
}

func policyVerdict(p *rules.Policy, rs []*preview.Resource, violations []rules.Violation) Verdict {
	switch {
	case p == nil || len(violations) > 0:
		return Fail
	case applicable(p, rs):
		return Pass
	}
	return NotApplicable
}

// controlVerdict: one failing policy fails the control; it passes when at
// least one policy judged something and none failed.
func controlVerdict(ps []PolicyResult) Verdict {
	if len(ps) == 0 {
		return Unchecked
	}
	out := NotApplicable
	for _, p := range ps {
		switch p.Verdict {
		case Fail:
			return Fail
		case Pass:
			out = Pass
		}
	}
	return out
}

// Count is how many controls have each verdict.
func (r *Report) Count() map[Verdict]int {
	out := map[Verdict]int{}
	for _, c := range r.Controls {
		out[c.Verdict]++
	}
	return out
}

// Failed reports whether a claimed control fails on the preview.
func (r *Report) Failed() bool { return r.Count()[Fail] > 0 }
