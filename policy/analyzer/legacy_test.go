package analyzer

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/platformeng/coder-platform/policy/rules"
)

// legacy is the server's former Analyze and AnalyzeStack, every policy run
// through the policyx pack (NewPack) on a policyx.AnalyzerResource: the
// reference the direct path must match diagnostic for diagnostic.
type legacy struct {
	s         *Server
	overrides map[string]rules.PolicyConfig
}

func newLegacy(s *Server, overrides map[string]rules.PolicyConfig) *legacy {
	l := &legacy{s: s, overrides: overrides}
	// The pack's policies read their configuration through the server.
	s.judges.Store(s.newJudges(overrides))
	return l
}

func (l *legacy) effective(name string) (rules.Enforcement, rules.Config) {
	return l.s.rules[name].Effective(l.overrides)
}

func (l *legacy) Analyze(ctx context.Context, req *pulumirpc.AnalyzeRequest) (*pulumirpc.AnalyzeResponse, error) {
	res, err := legacyResource(req.GetType(), req.GetUrn(), req.GetName(), req.GetProperties(), req.GetOptions(), req.GetProvider())
	if err != nil {
		return nil, err
	}
	var ds []*pulumirpc.AnalyzeDiagnostic
	for _, p := range l.s.pack.Policies() {
		rp, ok := p.(policyx.ResourceValidationPolicy)
		if !ok {
			continue
		}
		level, cfg := l.effective(p.Name())
		if level == rules.Disabled {
			continue
		}
		m := &legacyManager{server: l.s, policy: p.Name(), level: level, defaultURN: req.GetUrn()}
		if err := rp.Validate(ctx, policyx.ResourceValidationArgs{Manager: m, Resource: res, Config: cfg, DryRun: true}); err != nil {
			return nil, fmt.Errorf("policy %s on %s: %w", p.Name(), req.GetUrn(), err)
		}
		ds = append(ds, m.diagnostics...)
	}
	return &pulumirpc.AnalyzeResponse{Diagnostics: ds}, nil
}

func (l *legacy) AnalyzeStack(ctx context.Context, req *pulumirpc.AnalyzeStackRequest) (*pulumirpc.AnalyzeResponse, error) {
	var resources []policyx.AnalyzerResource
	for _, r := range req.GetResources() {
		a, err := legacyResource(r.GetType(), r.GetUrn(), r.GetName(), r.GetProperties(), r.GetOptions(), r.GetProvider())
		if err != nil {
			return nil, err
		}
		a.Parent = r.GetParent()
		a.Dependencies = r.GetDependencies()
		a.PropertyDependencies = map[string][]string{}
		for k, d := range r.GetPropertyDependencies() {
			a.PropertyDependencies[k] = d.GetUrns()
		}
		resources = append(resources, a)
	}
	var ds []*pulumirpc.AnalyzeDiagnostic
	for _, p := range l.s.pack.Policies() {
		sp, ok := p.(policyx.StackValidationPolicy)
		if !ok {
			continue
		}
		level, _ := l.effective(p.Name())
		if level == rules.Disabled {
			continue
		}
		m := &legacyManager{server: l.s, policy: p.Name(), level: level}
		if err := sp.Validate(ctx, policyx.StackValidationArgs{Manager: m, Resources: resources}); err != nil {
			return nil, fmt.Errorf("policy %s: %w", p.Name(), err)
		}
		ds = append(ds, m.diagnostics...)
	}
	return &pulumirpc.AnalyzeResponse{Diagnostics: ds}, nil
}

func legacyResource(typ, urn, name string, props *structpb.Struct, opts *pulumirpc.AnalyzerResourceOptions,
	provider *pulumirpc.AnalyzerProviderResource,
) (policyx.AnalyzerResource, error) {
	pm, err := plugin.UnmarshalProperties(props, unmarshal)
	if err != nil {
		return policyx.AnalyzerResource{}, fmt.Errorf("%s: %w", urn, err)
	}
	a := policyx.AnalyzerResource{Type: typ, URN: urn, Name: name, Properties: resource.FromResourcePropertyMap(pm),
		Options: pulumi.ResourceOptions{Protect: opts.GetProtect()}, Parent: opts.GetParent()}
	if provider != nil {
		pp, err := plugin.UnmarshalProperties(provider.GetProperties(), unmarshal)
		if err != nil {
			return policyx.AnalyzerResource{}, fmt.Errorf("%s provider: %w", urn, err)
		}
		a.Provider = policyx.AnalyzerProviderResource{Type: provider.GetType(), URN: provider.GetUrn(), Name: provider.GetName(),
			Properties: resource.FromResourcePropertyMap(pp)}
	}
	return a, nil
}

type legacyManager struct {
	server      *Server
	policy      string
	level       rules.Enforcement
	defaultURN  string
	diagnostics []*pulumirpc.AnalyzeDiagnostic
}

func (m *legacyManager) ReportViolation(message, urn string) {
	if urn == "" {
		urn = m.defaultURN
	}
	p := m.server.rules[m.policy]
	m.diagnostics = append(m.diagnostics, &pulumirpc.AnalyzeDiagnostic{
		PolicyName: m.policy, PolicyPackName: m.server.pack.Name(), PolicyPackVersion: m.server.pack.Version().String(),
		Description: p.Description, Message: message, Urn: urn, Severity: severity(p.Severity),
		EnforcementLevel: pulumirpc.EnforcementLevel(level(m.level)),
	})
}
