package report

import (
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/policy/rules"
)

// Verdict is the pack's verdict on one policy: its violations, or a pass.
type Verdict struct {
	Policy, Description, Severity, Enforcement, Remediation string
	Violations                                              []Finding
}

// Finding is one violation: the resource and the message without the fix
// (shown once per policy).
type Finding struct{ URN, Message string }

// Verdicts is the pack's verdict on the stack.
type Verdicts struct {
	Pack                string
	Policies, Resources int
	Total, Mandatory    int
	Failed              []Verdict
	Passed              []Verdict
}

func verdicts(rep gate.Report) Verdicts {
	out := Verdicts{Pack: rules.PackName + " " + rules.PackVersion, Policies: rep.Policies, Resources: rep.Resources,
		Total: len(rep.Violations), Mandatory: rep.Mandatory()}
	byPolicy := map[string][]rules.Violation{}
	for _, v := range rep.Violations {
		byPolicy[v.Policy] = append(byPolicy[v.Policy], v)
	}
	for _, p := range rules.Pack() {
		vd := Verdict{Policy: p.Name, Description: p.Description, Severity: p.Severity.String(),
			Enforcement: string(p.Enforcement), Remediation: p.Remediation}
		vs := byPolicy[p.Name]
		delete(byPolicy, p.Name)
		if len(vs) == 0 {
			out.Passed = append(out.Passed, vd)
			continue
		}
		out.Failed = append(out.Failed, withFindings(vd, vs))
	}
	// A violation of a policy the pack no longer has still shows.
	for name, vs := range byPolicy {
		out.Failed = append(out.Failed, withFindings(Verdict{Policy: name}, vs))
	}
	sort.SliceStable(out.Failed, func(i, j int) bool {
		mi, mj := out.Failed[i].Enforcement == string(rules.Mandatory), out.Failed[j].Enforcement == string(rules.Mandatory)
		if mi != mj {
			return mi
		}
		return out.Failed[i].Policy < out.Failed[j].Policy
	})
	return out
}

// withFindings fills the violations; the enforcement and severity are the
// ones they were judged with (overrides included).
func withFindings(vd Verdict, vs []rules.Violation) Verdict {
	vd.Enforcement, vd.Severity = string(vs[0].Enforcement), vs[0].Severity
	fix := " Fix: " + vd.Remediation
	for _, v := range vs {
		msg := v.Message
		if vd.Remediation != "" {
			msg = strings.TrimSuffix(msg, fix)
		}
		vd.Violations = append(vd.Violations, Finding{URN: v.URN, Message: msg})
	}
	return vd
}
