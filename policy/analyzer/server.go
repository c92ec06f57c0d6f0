package analyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/platformeng/coder-platform/policy/rules"
)

// Server implements the Analyzer protocol for the pack.
type Server struct {
	pulumirpc.UnimplementedAnalyzerServer

	pack  policyx.PolicyPack
	rules map[string]*rules.Policy

	mu     sync.RWMutex
	config map[string]rules.PolicyConfig
	tags   map[string]string
}

// NewServer builds the pack once, so metadata is served before any stack
// is configured.
func NewServer() (*Server, error) {
	s := &Server{rules: map[string]*rules.Policy{}, config: map[string]rules.PolicyConfig{}}
	for _, p := range rules.Pack() {
		s.rules[p.Name] = p
	}
	pack, err := NewPack(s.policyConfig)
	if err != nil {
		return nil, err
	}
	s.pack = pack
	return s, nil
}

// effective is a policy's enforcement and configuration now.
func (s *Server) effective(name string) (rules.Enforcement, rules.Config) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rules[name].Effective(s.config)
}

func (s *Server) policyConfig(name string) rules.Config {
	_, c := s.effective(name)
	return c
}

// Handshake accepts the engine; the pack needs nothing from it.
func (s *Server) Handshake(context.Context, *pulumirpc.AnalyzerHandshakeRequest) (*pulumirpc.AnalyzerHandshakeResponse, error) {
	return &pulumirpc.AnalyzerHandshakeResponse{}, nil
}

// GetPluginInfo answers before any configuration (pulumi policy publish).
func (s *Server) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: s.pack.Version().String()}, nil
}

// GetAnalyzerInfo describes every policy with its severity, default
// enforcement, config schema and initial config.
func (s *Server) GetAnalyzerInfo(context.Context, *pbempty.Empty) (*pulumirpc.AnalyzerInfo, error) {
	info := &pulumirpc.AnalyzerInfo{
		Name: s.pack.Name(), DisplayName: "Coder platform on AWS", Version: s.pack.Version().String(),
		Description:    "TLS, encryption at rest, the security baseline and Coder's settings for the coder-platform stacks.",
		SupportsConfig: true, InitialConfig: map[string]*pulumirpc.PolicyConfig{}, Provider: "aws",
	}
	for _, p := range s.pack.Policies() {
		r := s.rules[p.Name()]
		pi := &pulumirpc.PolicyInfo{
			Name: p.Name(), Description: p.Description(), EnforcementLevel: pulumirpc.EnforcementLevel(p.EnforcementLevel()),
			Severity: severity(r.Severity), RemediationSteps: r.Remediation, Message: r.Remediation,
			PolicyType: pulumirpc.PolicyType_POLICY_TYPE_RESOURCE,
		}
		if r.CheckStack != nil {
			pi.PolicyType = pulumirpc.PolicyType_POLICY_TYPE_STACK
		}
		initial := &pulumirpc.PolicyConfig{EnforcementLevel: pi.EnforcementLevel}
		if schema := p.ConfigSchema(); schema != nil {
			props, err := toStruct(schema.Properties)
			if err != nil {
				return nil, fmt.Errorf("policy %s schema: %w", p.Name(), err)
			}
			pi.ConfigSchema = &pulumirpc.PolicyConfigSchema{Properties: props, Required: schema.Required}
			if initial.Properties, err = toStruct(r.Defaults()); err != nil {
				return nil, fmt.Errorf("policy %s defaults: %w", p.Name(), err)
			}
		}
		info.Policies = append(info.Policies, pi)
		info.InitialConfig[p.Name()] = initial
	}
	return info, nil
}

// toStruct converts plain Go values to a protobuf Struct through JSON.
func toStruct[T any](m map[string]T) (*structpb.Struct, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var plain map[string]any
	if err := json.Unmarshal(b, &plain); err != nil {
		return nil, err
	}
	return structpb.NewStruct(plain)
}

// ConfigureStack records the stack's tags; the pack needs no program context.
func (s *Server) ConfigureStack(_ context.Context, req *pulumirpc.AnalyzerStackConfigureRequest) (*pulumirpc.AnalyzerStackConfigureResponse, error) {
	s.mu.Lock()
	s.tags = req.GetTags()
	s.mu.Unlock()
	return &pulumirpc.AnalyzerStackConfigureResponse{}, nil
}

// Configure takes the enforcement levels and thresholds the engine resolved
// from --policy-config and the pack defaults.
func (s *Server) Configure(_ context.Context, req *pulumirpc.ConfigureAnalyzerRequest) (*pbempty.Empty, error) {
	conf := map[string]rules.PolicyConfig{}
	for name, pc := range req.GetPolicyConfig() {
		if s.rules[name] == nil {
			return nil, fmt.Errorf("config names policy %q, which is not in pack %s", name, rules.PackName)
		}
		c := rules.PolicyConfig{Enforcement: fromLevel(policyx.EnforcementLevel(pc.GetEnforcementLevel())), Properties: rules.Config{}}
		for k, v := range pc.GetProperties().AsMap() {
			c.Properties[k] = v
		}
		conf[name] = c
	}
	s.mu.Lock()
	s.config = conf
	s.mu.Unlock()
	return &pbempty.Empty{}, nil
}

var unmarshal = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true, KeepOutputValues: true}

// Analyze judges one resource's inputs with every resource policy.
func (s *Server) Analyze(ctx context.Context, req *pulumirpc.AnalyzeRequest) (*pulumirpc.AnalyzeResponse, error) {
	res, err := analyzerResource(req.GetType(), req.GetUrn(), req.GetName(), req.GetProperties(), req.GetOptions(), req.GetProvider())
	if err != nil {
		return nil, err
	}
	var ds []*pulumirpc.AnalyzeDiagnostic
	for _, p := range s.pack.Policies() {
		rp, ok := p.(policyx.ResourceValidationPolicy)
		if !ok {
			continue
		}
		level, cfg := s.effective(p.Name())
		if level == rules.Disabled {
			continue
		}
		m := &manager{server: s, policy: p.Name(), level: level, defaultURN: req.GetUrn()}
		if err := rp.Validate(ctx, policyx.ResourceValidationArgs{Manager: m, Resource: res, Config: cfg, DryRun: true, StackTags: s.tags}); err != nil {
			return nil, fmt.Errorf("policy %s on %s: %w", p.Name(), req.GetUrn(), err)
		}
		ds = append(ds, m.diagnostics...)
	}
	return &pulumirpc.AnalyzeResponse{Diagnostics: ds}, nil
}

// AnalyzeStack judges the whole stack with every stack policy.
func (s *Server) AnalyzeStack(ctx context.Context, req *pulumirpc.AnalyzeStackRequest) (*pulumirpc.AnalyzeResponse, error) {
	var resources []policyx.AnalyzerResource
	for _, r := range req.GetResources() {
		a, err := analyzerResource(r.GetType(), r.GetUrn(), r.GetName(), r.GetProperties(), r.GetOptions(), r.GetProvider())
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
	for _, p := range s.pack.Policies() {
		sp, ok := p.(policyx.StackValidationPolicy)
		if !ok {
			continue
		}
		level, _ := s.effective(p.Name())
		if level == rules.Disabled {
			continue
		}
		m := &manager{server: s, policy: p.Name(), level: level}
		if err := sp.Validate(ctx, policyx.StackValidationArgs{Manager: m, Resources: resources}); err != nil {
			return nil, fmt.Errorf("policy %s: %w", p.Name(), err)
		}
		ds = append(ds, m.diagnostics...)
	}
	return &pulumirpc.AnalyzeResponse{Diagnostics: ds}, nil
}

// Cancel has nothing to stop: every call is short and synchronous.
func (s *Server) Cancel(context.Context, *pbempty.Empty) (*pbempty.Empty, error) {
	return &pbempty.Empty{}, nil
}

// analyzerResource decodes a resource of a request, keeping unknowns and
// secrets as such so that policies can tell them apart.
func analyzerResource(typ, urn, name string, props *structpb.Struct, opts *pulumirpc.AnalyzerResourceOptions,
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

// manager collects one policy's violations as diagnostics.
type manager struct {
	server      *Server
	policy      string
	level       rules.Enforcement
	defaultURN  string
	diagnostics []*pulumirpc.AnalyzeDiagnostic
}

func (m *manager) ReportViolation(message, urn string) {
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

func severity(s rules.Severity) pulumirpc.PolicySeverity {
	switch s {
	case rules.Low:
		return pulumirpc.PolicySeverity_POLICY_SEVERITY_LOW
	case rules.Medium:
		return pulumirpc.PolicySeverity_POLICY_SEVERITY_MEDIUM
	case rules.High:
		return pulumirpc.PolicySeverity_POLICY_SEVERITY_HIGH
	case rules.Critical:
		return pulumirpc.PolicySeverity_POLICY_SEVERITY_CRITICAL
	}
	return pulumirpc.PolicySeverity_POLICY_SEVERITY_UNSPECIFIED
}
