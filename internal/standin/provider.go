// Package standin is a resource provider that stands in for the cloud in
// the engine tests: the real Pulumi engine drives it through the provider
// protocol (check, diff, create, read, update, delete, construct, invoke)
// exactly as it drives pulumi-aws, and it answers with the outputs the
// offline preview's mocks compute (internal/mocks), so the two paths
// cannot disagree about what AWS returns. One binary serves every package
// the program uses, named pulumi-resource-<package>.
package standin

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/platformeng/coder-platform/internal/mocks"
)

// Environment knobs the engine tests set on the provider processes.
const (
	// EnvCaller is the principal getCallerIdentity answers with.
	EnvCaller = "STANDIN_CALLER_ARN"
	// EnvDrift makes Read report a changed property: "TYPE:PROP=VALUE",
	// for example "aws:kms/key:Key:description=changed by hand".
	EnvDrift = "STANDIN_DRIFT"
	// EnvSecretLookupError makes every Secrets Manager versions lookup
	// fail with this message, as the real provider reports an AWS error.
	EnvSecretLookupError = "STANDIN_SECRET_LOOKUP_ERROR"
)

// Account is the account the stand-in cloud answers with.
const Account = "123456789012"

// Provider serves one package.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	pkg, version string

	mu     sync.Mutex
	region string
}

// New returns the stand-in for pkg at version.
func New(pkg, version string) *Provider { return &Provider{pkg: pkg, version: version} }

var marshal = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true, KeepOutputValues: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, marshal)
}

func pack(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshal)
}

func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":%q,"version":%q}`, p.pkg, p.version)}, nil
}

func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *Provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return p.Diff(context.Background(), req)
}

func (p *Provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	// Args (read below) supersedes the deprecated Variables; engines that
	// predate Args send only Variables, so it stays the fallback.
	region := req.GetVariables()[p.pkg+":config:region"] //nolint:staticcheck // SA1019: fallback for engines without Args
	if args, err := unmarshal(req.GetArgs()); err == nil {
		if v, ok := args["region"]; ok && v.IsString() {
			region = v.StringValue()
		}
	}
	p.mu.Lock()
	p.region = region
	p.mu.Unlock()
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true, AcceptOutputs: true}, nil
}

func (p *Provider) regionOf() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.region == "" {
		return "us-east-1"
	}
	return p.region
}

func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	args, err := unmarshal(req.GetArgs())
	if err != nil {
		return nil, err
	}
	out, err := mocks.Call(pulumi.MockCallArgs{Token: req.GetTok(), Args: args}, Account, os.Getenv(EnvCaller), false,
		os.Getenv(EnvSecretLookupError))
	if err != nil {
		return &pulumirpc.InvokeResponse{Failures: []*pulumirpc.CheckFailure{{Reason: err.Error()}}}, nil
	}
	ret, err := pack(out)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// replaceOnChange are the inputs whose change makes the real provider
// replace the resource, for the properties this program can change.
var replaceOnChange = map[string][]string{
	"aws:rds/cluster:Cluster":                 {"clusterIdentifier", "engine", "kmsKeyId", "storageEncrypted", "databaseName", "masterUsername"},
	"aws:rds/clusterInstance:ClusterInstance": {"identifier", "engine", "clusterIdentifier"},
	"aws:ec2/subnet:Subnet":                   {"cidrBlock", "availabilityZone", "vpcId"},
	"aws:ec2/vpc:Vpc":                         {"cidrBlock"},
	"aws:kms/key:Key":                         {"keySpec", "customerMasterKeySpec"},
	"aws:s3/bucketV2:BucketV2":                {"bucket", "bucketPrefix"},
	"aws:iam/role:Role":                       {"name", "namePrefix"},
	"aws:eks/nodeGroup:NodeGroup":             {"nodeGroupName", "subnetIds", "clusterName"},
	"aws:lb/targetGroup:TargetGroup":          {"name", "port", "protocol", "targetType", "vpcId"},
	"aws:cloudwatch/logGroup:LogGroup":        {"name"},
	"aws:secretsmanager/secret:Secret":        {"name"},
}

func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 {
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ignore := map[string]bool{}
	for _, k := range req.GetIgnoreChanges() {
		ignore[k] = true
	}
	var changed, replaces []string
	for _, k := range keys(olds, news) {
		if ignore[k] {
			continue
		}
		o, n := olds[resource.PropertyKey(k)], news[resource.PropertyKey(k)]
		if o.DeepEquals(n) {
			continue
		}
		changed = append(changed, k)
		for _, r := range replaceOnChange[typeOf(req.GetUrn())] {
			if r == k {
				replaces = append(replaces, k)
			}
		}
	}
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, Diffs: changed, Replaces: replaces}
	if len(changed) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return resp, nil
}

func keys(ms ...resource.PropertyMap) []string {
	set := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			set[string(k)] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func typeOf(urn string) string { return string(resource.URN(urn).Type()) }

func nameOf(urn string) string { return resource.URN(urn).Name() }

// state is what the cloud holds for a custom resource: its inputs and the
// outputs the mocks compute, ready to send.
func (p *Provider) state(urn string, inputs *structpb.Struct) (string, *structpb.Struct, error) {
	in, err := unmarshal(inputs)
	if err != nil {
		return "", nil, err
	}
	id, state := mocks.State(&mocks.Resource{URN: urn, Type: typeOf(urn), Name: nameOf(urn), Custom: true, Inputs: in}, p.regionOf(), Account)
	props, err := pack(state)
	return id, props, err
}

func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	id, props, err := p.state(req.GetUrn(), req.GetProperties())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	_, props, err := p.state(req.GetUrn(), req.GetNews())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// Read returns the state as stored, or with the drift knob's change.
func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	state, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetInputs())
	if err != nil {
		return nil, err
	}
	if typ, prop, value, ok := drift(); ok && typ == typeOf(req.GetUrn()) {
		state[resource.PropertyKey(prop)] = resource.NewStringProperty(value)
		inputs[resource.PropertyKey(prop)] = resource.NewStringProperty(value)
	}
	ps, err := pack(state)
	if err != nil {
		return nil, err
	}
	is, err := pack(inputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: ps, Inputs: is}, nil
}

// drift parses EnvDrift: the type is everything before the last colon
// that precedes "=".
func drift() (typ, prop, value string, ok bool) {
	spec := os.Getenv(EnvDrift)
	lhs, value, found := strings.Cut(spec, "=")
	i := strings.LastIndex(lhs, ":")
	if !found || i < 0 {
		return "", "", "", false
	}
	return lhs[:i], lhs[i+1:], value, true
}

func (p *Provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Construct registers a remote component (pulumi-eks' Cluster) with the
// engine as pulumi-eks would, without its children, and answers with the
// outputs the program reads.
func (p *Provider) Construct(ctx context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	conn, err := grpc.NewClient(req.GetMonitorEndpoint(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("construct %s: %w", req.GetName(), err)
	}
	defer conn.Close()
	monitor := pulumirpc.NewResourceMonitorClient(conn)
	inputs, err := unmarshal(req.GetInputs())
	if err != nil {
		return nil, err
	}
	reg, err := monitor.RegisterResource(ctx, &pulumirpc.RegisterResourceRequest{
		Type: req.GetType(), Name: req.GetName(), Parent: req.GetParent(), Custom: false, Object: req.GetInputs(),
		Protect: req.Protect, Dependencies: req.GetDependencies(), Providers: req.GetProviders(),
		Aliases: req.GetAliases(), AcceptSecrets: true, AcceptResources: true,
	})
	if err != nil {
		return nil, fmt.Errorf("construct %s: %w", req.GetName(), err)
	}
	region := regionOfProvider(req.GetProviders()["aws"])
	_, state := mocks.State(&mocks.Resource{URN: reg.GetUrn(), Type: req.GetType(), Name: req.GetName(), Inputs: inputs}, region, Account)
	out, err := pack(state)
	if err != nil {
		return nil, err
	}
	if _, err := monitor.RegisterResourceOutputs(ctx, &pulumirpc.RegisterResourceOutputsRequest{Urn: reg.GetUrn(), Outputs: out}); err != nil {
		return nil, fmt.Errorf("construct %s: %w", req.GetName(), err)
	}
	return &pulumirpc.ConstructResponse{Urn: reg.GetUrn(), State: out}, nil
}

// regionOfProvider reads the region out of an AWS provider reference
// ("<urn>::<id>"): the stacks name each region's provider "aws-<region>".
func regionOfProvider(ref string) string {
	i := strings.LastIndex(ref, "::")
	if i < 0 {
		return "us-east-1"
	}
	name := strings.TrimPrefix(resource.URN(ref[:i]).Name(), "aws-")
	if name == "" {
		return "us-east-1"
	}
	return name
}
