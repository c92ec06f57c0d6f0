package analyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/platformeng/coder-platform/policy/rules"
)

// Server implements the Analyzer protocol for the pack.
//
// The policyx pack supplies the metadata (GetPluginInfo, GetAnalyzerInfo);
// Analyze and AnalyzeStack call the rules directly with what the policyx
// policies would have given them, from a judges snapshot that Configure
// builds once and swaps atomically.
type Server struct {
	pulumirpc.UnimplementedAnalyzerServer

	pack  policyx.PolicyPack
	rules map[string]*rules.Policy
	// order is the pack's policies in the order policyx reports them.
	order                 []*rules.Policy
	packName, packVersion string

	judges atomic.Pointer[judges]
	// predecoded holds the properties the codec decoded for a request
	// until its handler takes them.
	predecoded sync.Map
	// session is what the current preview's Analyze calls decoded, for its
	// AnalyzeStack call (session.go).
	session atomic.Pointer[session]
}

// NewServer builds the pack once, so metadata is served before any stack
// is configured.
func NewServer() (*Server, error) {
	s := &Server{rules: map[string]*rules.Policy{}}
	for _, p := range rules.Pack() {
		s.rules[p.Name] = p
	}
	pack, err := NewPack(s.policyConfig)
	if err != nil {
		return nil, err
	}
	s.pack = pack
	s.packName, s.packVersion = pack.Name(), pack.Version().String()
	for _, p := range pack.Policies() {
		s.order = append(s.order, s.rules[p.Name()])
	}
	s.judges.Store(s.newJudges(map[string]rules.PolicyConfig{}))
	s.session.Store(newSession())
	return s, nil
}

// codec is the server's gRPC codec, sharing its predecoded properties and
// its session.
func (s *Server) codec() *codec {
	c := newCodec(&s.predecoded)
	c.session = &s.session
	return c
}

// policyConfig is a policy's effective configuration now, a copy the caller
// may change (the policyx pack's policies merge their args into it).
func (s *Server) policyConfig(name string) rules.Config {
	return maps.Clone(s.judges.Load().byName[name].cfg)
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

// ConfigureStack accepts the stack; the pack needs no program context (no
// policy reads the stack's tags).
func (s *Server) ConfigureStack(context.Context, *pulumirpc.AnalyzerStackConfigureRequest) (*pulumirpc.AnalyzerStackConfigureResponse, error) {
	return &pulumirpc.AnalyzerStackConfigureResponse{}, nil
}

// Configure takes the enforcement levels and thresholds the engine resolved
// from --policy-config and the pack defaults, and resolves every policy's
// effective configuration once for the calls that follow.
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
	s.judges.Store(s.newJudges(conf))
	// A new preview begins: nothing decoded before it is reused.
	s.session.Store(newSession())
	return &pbempty.Empty{}, nil
}

// Analyze judges one resource's inputs with every resource policy that
// applies to its type.
func (s *Server) Analyze(_ context.Context, req *pulumirpc.AnalyzeRequest) (*pulumirpc.AnalyzeResponse, error) {
	var d decoded
	if v, ok := s.predecoded.LoadAndDelete(req); ok {
		d = v.(decoded)
	}
	js := s.judges.Load()
	// Decoding comes first even when no policy judges the type: a request
	// that does not decode is an error, as it always was.
	r, err := decodeResource(req.GetType(), req.GetUrn(), req.GetName(), d, req.GetProperties(), req.GetOptions(), req.GetProvider())
	if err != nil {
		return nil, err
	}
	var ds []*pulumirpc.AnalyzeDiagnostic
	for _, x := range js.forType(req.GetType()) {
		for _, m := range x.rule.Check(r, x.cfg) {
			ds = append(ds, s.diagnostic(x, req.GetUrn(), m))
		}
	}
	return &pulumirpc.AnalyzeResponse{Diagnostics: ds}, nil
}

// AnalyzeStack judges the whole stack with every stack policy.
func (s *Server) AnalyzeStack(_ context.Context, req *pulumirpc.AnalyzeStackRequest) (*pulumirpc.AnalyzeResponse, error) {
	var ds []decoded
	if v, ok := s.predecoded.LoadAndDelete(req); ok {
		ds = v.([]decoded)
	}
	js := s.judges.Load()
	rs := make([]*rules.Resource, 0, len(req.GetResources()))
	for i, a := range req.GetResources() {
		var d decoded
		if ds != nil {
			d = ds[i]
		}
		r, err := decodeResource(a.GetType(), a.GetUrn(), a.GetName(), d, a.GetProperties(), a.GetOptions(), a.GetProvider())
		if err != nil {
			return nil, err
		}
		r.Parent = a.GetParent()
		r.PropertyDependencies = make(map[string][]string, len(a.GetPropertyDependencies()))
		for k, d := range a.GetPropertyDependencies() {
			r.PropertyDependencies[k] = d.GetUrns()
		}
		rs = append(rs, r)
	}
	var diags []*pulumirpc.AnalyzeDiagnostic
	for _, x := range js.stack {
		// The stack policies only read the resources, so they share them.
		for _, f := range x.rule.CheckStack(rs, x.cfg) {
			diags = append(diags, s.diagnostic(x, f.URN, f.Message))
		}
	}
	return &pulumirpc.AnalyzeResponse{Diagnostics: diags}, nil
}

// Remediate is not offered: the pack only validates. The codec decoded the
// request's properties all the same, and they go.
func (s *Server) Remediate(ctx context.Context, req *pulumirpc.AnalyzeRequest) (*pulumirpc.RemediateResponse, error) {
	s.predecoded.Delete(req)
	return s.UnimplementedAnalyzerServer.Remediate(ctx, req)
}

// Cancel has nothing to stop: every call is short and synchronous.
func (s *Server) Cancel(context.Context, *pbempty.Empty) (*pbempty.Empty, error) {
	return &pbempty.Empty{}, nil
}

// decodeResource is what a policy sees of a resource of a request, as
// fromAnalyzer made it of the policyx resource: unknowns and secrets kept as
// such so that policies can tell them apart. What d holds, the codec
// already decoded (and took out of the request).
func decodeResource(typ, urn, name string, d decoded, props *structpb.Struct, opts *pulumirpc.AnalyzerResourceOptions,
	provider *pulumirpc.AnalyzerProviderResource,
) (*rules.Resource, error) {
	pm := d.props
	if pm == nil {
		var err error
		if pm, err = decodeProperties(props); err != nil {
			return nil, fmt.Errorf("%s: %w", urn, err)
		}
	}
	r := &rules.Resource{URN: urn, Type: typ, Name: name, Props: pm, Protect: opts.GetProtect(), Parent: opts.GetParent()}
	if provider != nil {
		pp := d.provider
		if pp == nil {
			var err error
			if pp, err = decodeProperties(provider.GetProperties()); err != nil {
				return nil, fmt.Errorf("%s provider: %w", urn, err)
			}
		}
		if provider.GetType() != "" {
			r.Provider = &rules.Resource{URN: provider.GetUrn(), Type: provider.GetType(), Name: provider.GetName(), Props: pp}
		}
	}
	return r, nil
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
