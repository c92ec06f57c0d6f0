package analyzer

import (
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/platformeng/coder-platform/policy/rules"
)

// judge is one policy with its effective enforcement and configuration
// under one Configure call.
type judge struct {
	rule *rules.Policy
	// cfg is the effective configuration. It is shared by every call and
	// must not be changed: the rules only read their Config.
	cfg rules.Config

	severity    pulumirpc.PolicySeverity
	enforcement pulumirpc.EnforcementLevel
}

// judges is the pack as configured: immutable once built, replaced as a
// whole by Configure.
type judges struct {
	byName map[string]*judge
	// byType lists, for every type some policy names, the enabled resource
	// policies that judge it, in pack order; anyType those for every other
	// type (the policies that judge all types).
	byType  map[string][]*judge
	anyType []*judge
	// stack lists the enabled stack policies in pack order.
	stack []*judge
}

// newJudges resolves every policy's enforcement and configuration under
// the overrides once, and which policies judge which resource type.
func (s *Server) newJudges(overrides map[string]rules.PolicyConfig) *judges {
	j := &judges{byName: make(map[string]*judge, len(s.order)), byType: map[string][]*judge{}}
	var resource []*judge
	for _, p := range s.order {
		lv, cfg := p.Effective(overrides)
		x := &judge{rule: p, cfg: cfg, severity: severity(p.Severity), enforcement: pulumirpc.EnforcementLevel(level(lv))}
		j.byName[p.Name] = x
		if lv == rules.Disabled {
			continue
		}
		switch {
		case p.CheckStack != nil:
			j.stack = append(j.stack, x)
		case p.Check != nil:
			resource = append(resource, x)
		}
	}
	for _, x := range resource {
		for _, t := range x.rule.Types {
			j.byType[t] = nil
		}
	}
	for t := range j.byType {
		j.byType[t] = applying(resource, t)
	}
	j.anyType = applying(resource, "")
	return j
}

// applying is the policies of ps that judge type t ("": a type no policy
// names), in order.
func applying(ps []*judge, t string) []*judge {
	var out []*judge
	for _, x := range ps {
		if len(x.rule.Types) == 0 || (t != "" && x.rule.Applies(t)) {
			out = append(out, x)
		}
	}
	return out
}

// forType is the enabled resource policies that judge resources of type t.
func (j *judges) forType(t string) []*judge {
	if ps, ok := j.byType[t]; ok {
		return ps
	}
	return j.anyType
}

// diagnostic is one violation of the policy, as the policyx pack reported
// it.
func (s *Server) diagnostic(x *judge, urn, problem string) *pulumirpc.AnalyzeDiagnostic {
	return &pulumirpc.AnalyzeDiagnostic{
		PolicyName: x.rule.Name, PolicyPackName: s.packName, PolicyPackVersion: s.packVersion,
		Description: x.rule.Description, Message: x.rule.Message(problem), Urn: urn, Severity: x.severity,
		EnforcementLevel: x.enforcement,
	}
}
