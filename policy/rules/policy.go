// Package rules holds the platform's policies as plain Go functions over a
// resource's type and property map. The same functions judge the offline
// preview, a `pulumi preview --json` file (platform policy check) and, served
// by policy/analyzer, a real `pulumi preview --policy-pack policy`.
//
// An unknown value (computed during preview, or a secret whose value is not
// in the file) is never a violation: a policy judges only what it can see.
package rules

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Severity ranks a violation, as the Analyzer protocol does.
type Severity int

const (
	Low Severity = iota + 1
	Medium
	High
	Critical
)

func (s Severity) String() string {
	return [...]string{"unspecified", "low", "medium", "high", "critical"}[s]
}

// Enforcement is what a violation does to a deployment.
type Enforcement string

const (
	Advisory  Enforcement = "advisory"  // reported, does not block
	Mandatory Enforcement = "mandatory" // blocks the preview or update
	Disabled  Enforcement = "disabled"  // not run
)

// ParseEnforcement reads an enforcement level from policy config.
func ParseEnforcement(s string) (Enforcement, error) {
	switch e := Enforcement(s); e {
	case Advisory, Mandatory, Disabled:
		return e, nil
	}
	return "", fmt.Errorf("enforcement level %q: must be advisory, mandatory or disabled", s)
}

// Resource is one resource as a policy sees it: registered inputs, not
// provider outputs.
type Resource struct {
	URN, Type, Name string
	Props           resource.PropertyMap
	Protect         bool
	Parent          string
	// Provider is the resource's provider with its inputs, when known.
	Provider *Resource
	// PropertyDependencies name, per input, the resources it was computed
	// from; stack policies follow references through them, since IDs and
	// ARNs are unknown until apply.
	PropertyDependencies map[string][]string
}

// Param is one configurable threshold of a policy.
type Param struct {
	Name        string
	Type        string // JSON schema type: integer, string, array (of strings)
	Default     any
	Description string
}

// Config is a policy's effective configuration: defaults overlaid with the
// values the stack or the user gave.
type Config map[string]any

// Int reads an integer parameter.
func (c Config) Int(name string) int {
	switch v := c[name].(type) {
	case int:
		return v
	case float64:
		return int(v)
	}
	return 0
}

// Strings reads a list-of-strings parameter.
func (c Config) Strings(name string) []string {
	switch v := c[name].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Finding is one violation a stack policy found.
type Finding struct {
	URN     string
	Message string
}

// Policy is one rule of the pack.
type Policy struct {
	Name        string
	Description string
	Severity    Severity
	Enforcement Enforcement
	// Remediation is appended to every message as the fix to apply.
	Remediation string
	Params      []Param
	// Types limits a resource policy to these type tokens (nil: all).
	Types []string
	// Check judges one resource; each message is one violation.
	Check func(r *Resource, c Config) []string
	// CheckStack judges the whole stack.
	CheckStack func(rs []*Resource, c Config) []Finding
}

// Applies reports whether a resource policy judges resources of type t.
func (p *Policy) Applies(t string) bool {
	if p.Check == nil {
		return false
	}
	if len(p.Types) == 0 {
		return true
	}
	for _, x := range p.Types {
		if x == t {
			return true
		}
	}
	return false
}

// Defaults is the policy's configuration with nothing overridden.
func (p *Policy) Defaults() Config {
	c := Config{}
	for _, prm := range p.Params {
		c[prm.Name] = prm.Default
	}
	return c
}

// Schema is the JSON schema of the policy's parameters.
func (p *Policy) Schema() map[string]map[string]any {
	if len(p.Params) == 0 {
		return nil
	}
	out := map[string]map[string]any{}
	for _, prm := range p.Params {
		s := map[string]any{"type": prm.Type, "description": prm.Description, "default": prm.Default}
		if prm.Type == "array" {
			s["items"] = map[string]any{"type": "string"}
		}
		out[prm.Name] = s
	}
	return out
}

// message is the text of a violation: what is wrong, then how to fix it.
func (p *Policy) message(problem string) string {
	if p.Remediation == "" {
		return problem
	}
	return problem + " Fix: " + p.Remediation
}

// Violation is one policy result.
type Violation struct {
	Policy      string      `json:"policyName"`
	Enforcement Enforcement `json:"enforcementLevel"`
	Severity    string      `json:"severity"`
	URN         string      `json:"urn"`
	Message     string      `json:"message"`
}

// PolicyConfig is the user's setting for one policy.
type PolicyConfig struct {
	Enforcement Enforcement
	Properties  Config
}

// Evaluate runs every policy over the resources in-process, with the
// given overrides (by policy name), and returns the violations sorted by
// policy and URN.
func Evaluate(pack []*Policy, rs []*Resource, overrides map[string]PolicyConfig) []Violation {
	var out []Violation
	for _, p := range pack {
		level, cfg := p.Effective(overrides)
		if level == Disabled {
			continue
		}
		add := func(urn, msg string) {
			out = append(out, Violation{Policy: p.Name, Enforcement: level, Severity: p.Severity.String(), URN: urn, Message: p.message(msg)})
		}
		for _, r := range rs {
			if p.Applies(r.Type) {
				for _, m := range p.Check(r, cfg) {
					add(r.URN, m)
				}
			}
		}
		if p.CheckStack != nil {
			for _, f := range p.CheckStack(rs, cfg) {
				add(f.URN, f.Message)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Policy != out[j].Policy {
			return out[i].Policy < out[j].Policy
		}
		return out[i].URN < out[j].URN
	})
	return out
}

// Effective is a policy's enforcement and configuration after overrides.
func (p *Policy) Effective(overrides map[string]PolicyConfig) (Enforcement, Config) {
	level, cfg := p.Enforcement, p.Defaults()
	if o, ok := overrides[p.Name]; ok {
		if o.Enforcement != "" {
			level = o.Enforcement
		}
		for k, v := range o.Properties {
			cfg[k] = v
		}
	}
	return level, cfg
}

// Message is the full text of a violation of p, as Evaluate builds it; the
// analyzer uses it too.
func (p *Policy) Message(problem string) string { return p.message(problem) }
