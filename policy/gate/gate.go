// Package gate runs the policy pack in-process over a preview, ours or a
// `pulumi preview --json` file, and renders the result CI gates on.
package gate

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/rules"
)

// Resources converts preview resources to what the policies see, resolving
// each resource's provider reference ("urn::id") to the provider's inputs.
func Resources(rs []*preview.Resource) []*rules.Resource {
	byURN := map[string]*rules.Resource{}
	out := make([]*rules.Resource, 0, len(rs))
	for _, r := range rs {
		x := &rules.Resource{URN: r.URN, Type: r.Type, Name: r.Name, Props: r.Inputs, Protect: r.Protect,
			Parent: r.Parent, PropertyDependencies: r.PropertyDependencies}
		byURN[r.URN] = x
		out = append(out, x)
	}
	for i, r := range rs {
		if r.Provider == "" {
			continue
		}
		urn := r.Provider
		if j := strings.LastIndex(urn, "::"); j > 0 {
			urn = urn[:j]
		}
		out[i].Provider = byURN[urn]
	}
	return out
}

// Report is the pack's verdict on one stack.
type Report struct {
	Violations []rules.Violation
	Policies   int
	Resources  int
}

// Evaluate judges resources with the pack and the overrides.
func Evaluate(rs []*preview.Resource, overrides map[string]rules.PolicyConfig) Report {
	pack := rules.Pack()
	return Report{Violations: rules.Evaluate(pack, Resources(rs), overrides), Policies: len(pack), Resources: len(rs)}
}

// Mandatory counts the violations that block a deployment.
func (r Report) Mandatory() int {
	n := 0
	for _, v := range r.Violations {
		if v.Enforcement == rules.Mandatory {
			n++
		}
	}
	return n
}

// WriteText prints the violations grouped by policy.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Policy pack %s %s: %d policies over %d resources\n", rules.PackName, rules.PackVersion, r.Policies, r.Resources)
	if len(r.Violations) == 0 {
		fmt.Fprintln(w, "  no violations")
		return
	}
	groups := map[string][]rules.Violation{}
	var names []string
	for _, v := range r.Violations {
		if _, ok := groups[v.Policy]; !ok {
			names = append(names, v.Policy)
		}
		groups[v.Policy] = append(groups[v.Policy], v)
	}
	sort.Strings(names)
	for _, n := range names {
		vs := groups[n]
		fmt.Fprintf(w, "  %s (%s, %s): %d violation(s)\n", n, vs[0].Enforcement, vs[0].Severity, len(vs))
		fix := ""
		if p := rules.Lookup(n); p != nil && p.Remediation != "" {
			fix = " Fix: " + p.Remediation
		}
		for _, v := range vs {
			fmt.Fprintf(w, "    %s\n      %s\n", v.URN, strings.TrimSuffix(v.Message, fix))
		}
		if fix != "" {
			fmt.Fprintf(w, "    fix:%s\n", strings.TrimPrefix(fix, " Fix:"))
		}
	}
	fmt.Fprintf(w, "  %d violation(s), %d mandatory\n", len(r.Violations), r.Mandatory())
}

// Attach adds the violations to a preview document, as policyViolations.
func (r Report) Attach(doc *preview.Document) {
	doc.PolicyViolations = doc.PolicyViolations[:0]
	for _, v := range r.Violations {
		doc.PolicyViolations = append(doc.PolicyViolations, v)
	}
}

// ReadConfig reads a policy config file in the format of
// `pulumi preview --policy-pack-config`: {"<policy>": {"enforcementLevel": "...",
// "<param>": value}, "all": "advisory"}.
func ReadConfig(path string) (map[string]rules.PolicyConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]rules.PolicyConfig{}
	if all, ok := raw["all"]; ok {
		s, _ := all.(string)
		level, err := rules.ParseEnforcement(s)
		if err != nil {
			return nil, fmt.Errorf("%s: all: %w", path, err)
		}
		for _, p := range rules.Pack() {
			out[p.Name] = rules.PolicyConfig{Enforcement: level}
		}
	}
	for name, v := range raw {
		if name == "all" {
			continue
		}
		if rules.Lookup(name) == nil {
			return nil, fmt.Errorf("%s: %q is not a policy of %s", path, name, rules.PackName)
		}
		pc := out[name]
		switch x := v.(type) {
		case string:
			level, err := rules.ParseEnforcement(x)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, name, err)
			}
			pc.Enforcement = level
		case map[string]any:
			pc.Properties = rules.Config{}
			for k, pv := range x {
				if k == "enforcementLevel" {
					s, _ := pv.(string)
					level, err := rules.ParseEnforcement(s)
					if err != nil {
						return nil, fmt.Errorf("%s: %s: %w", path, name, err)
					}
					pc.Enforcement = level
					continue
				}
				pc.Properties[k] = pv
			}
		default:
			return nil, fmt.Errorf("%s: %s: must be an enforcement level or an object", path, name)
		}
		out[name] = pc
	}
	return out, nil
}
