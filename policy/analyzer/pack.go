// Package analyzer serves the policy pack over Pulumi's Analyzer protocol,
// so `pulumi preview --policy-pack policy` and `pulumi policy publish` run
// the very policies the offline preview runs.
//
// The policies are policyx policies (from the pinned SDK) built from
// policy/rules. The server is this package's own, on the SDK's pulumirpc
// types, because policyx v3.262.0's server answers GetPluginInfo and
// GetAnalyzerInfo only after ConfigureStack (so `pulumi policy publish`
// fails), ignores the pack's defaults when the engine sends no config, and
// sends neither severities nor initial config.
//
// The policyx pack describes the policies (GetAnalyzerInfo); Analyze and
// AnalyzeStack call the rules directly with what the policyx policies would
// have handed them, which is several times faster over the wire and gives
// the same diagnostics, byte for byte (equivalence_test.go).
package analyzer

import (
	"context"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/platformeng/coder-platform/policy/rules"
)

// configFunc returns a policy's effective configuration at call time.
type configFunc func(name string) rules.Config

// NewPack wraps the rules as a policyx policy pack; config reads each
// policy's current configuration.
func NewPack(config configFunc) (policyx.PolicyPack, error) {
	var policies []policyx.Policy
	for _, p := range rules.Pack() {
		schema := &policyx.ConfigSchema{Properties: p.Schema()}
		if len(p.Params) == 0 {
			schema = nil
		}
		if p.CheckStack != nil {
			policies = append(policies, policyx.NewStackValidationPolicy(p.Name, policyx.StackValidationPolicyArgs{
				Description: p.Description, EnforcementLevel: level(p.Enforcement), ConfigSchema: schema,
				ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
					rs := make([]*rules.Resource, 0, len(args.Resources))
					for _, r := range args.Resources {
						rs = append(rs, fromAnalyzer(r))
					}
					for _, f := range p.CheckStack(rs, config(p.Name)) {
						args.Manager.ReportViolation(p.Message(f.Message), f.URN)
					}
					return nil
				},
			}))
			continue
		}
		policies = append(policies, policyx.NewResourceValidationPolicy(p.Name, policyx.ResourceValidationPolicyArgs{
			Description: p.Description, EnforcementLevel: level(p.Enforcement), ConfigSchema: schema,
			ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
				r := fromAnalyzer(args.Resource)
				if !p.Applies(r.Type) {
					return nil
				}
				cfg := config(p.Name)
				for k, v := range args.Config {
					cfg[k] = v
				}
				for _, m := range p.Check(r, cfg) {
					args.Manager.ReportViolation(p.Message(m), "")
				}
				return nil
			},
		}))
	}
	return policyx.NewPolicyPack(rules.PackName, semver.MustParse(rules.PackVersion), policyx.EnforcementLevelMandatory, policies)
}

// fromAnalyzer is what a policy sees of an analyzed resource.
func fromAnalyzer(a policyx.AnalyzerResource) *rules.Resource {
	r := &rules.Resource{URN: a.URN, Type: a.Type, Name: a.Name, Props: resource.ToResourcePropertyMap(a.Properties),
		Protect: a.Options.Protect, Parent: a.Parent, PropertyDependencies: a.PropertyDependencies}
	if a.Provider.Type != "" {
		r.Provider = &rules.Resource{URN: a.Provider.URN, Type: a.Provider.Type, Name: a.Provider.Name,
			Props: resource.ToResourcePropertyMap(a.Provider.Properties)}
	}
	return r
}

func level(e rules.Enforcement) policyx.EnforcementLevel {
	switch e {
	case rules.Advisory:
		return policyx.EnforcementLevelAdvisory
	case rules.Disabled:
		return policyx.EnforcementLevelDisabled
	}
	return policyx.EnforcementLevelMandatory
}

func fromLevel(l policyx.EnforcementLevel) rules.Enforcement {
	switch l {
	case policyx.EnforcementLevelAdvisory:
		return rules.Advisory
	case policyx.EnforcementLevelDisabled:
		return rules.Disabled
	}
	return rules.Mandatory
}
