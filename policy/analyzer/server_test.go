package analyzer

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/platformeng/coder-platform/policy/rules"
)

// dial starts the pack exactly as the engine does (Main prints the port it
// listens on) and connects to it over TCP.
func dial(t testing.TB) pulumirpc.AnalyzerClient {
	t.Helper()
	r, w := io.Pipe()
	go func() { _ = Main(w) }()
	port, err := bufio.NewReader(r).ReadString('\n')
	require.NoError(t, err)
	conn, err := grpc.NewClient("127.0.0.1:"+strings.TrimSpace(port), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return pulumirpc.NewAnalyzerClient(conn)
}

// props marshals inputs as the engine sends them: unknowns and secrets kept.
func props(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	require.NoError(t, err)
	return s
}

const (
	logGroupType = "aws:cloudwatch/logGroup:LogGroup"
	vpcType      = "aws:ec2/vpc:Vpc"
	flowLogType  = "aws:ec2/flowLog:FlowLog"
	urnPrefix    = "urn:pulumi:prod::coder-platform::"
)

func logGroup(t *testing.T, retention resource.PropertyValue) *pulumirpc.AnalyzeRequest {
	return &pulumirpc.AnalyzeRequest{
		Type: logGroupType, Urn: urnPrefix + logGroupType + "::coderd", Name: "coderd",
		Properties: props(t, resource.PropertyMap{"retentionInDays": retention, "kmsKeyId": resource.NewStringProperty("arn:aws:kms:us-east-2:1:key/k")}),
		Options:    &pulumirpc.AnalyzerResourceOptions{Protect: true},
	}
}

func byPolicy(ds []*pulumirpc.AnalyzeDiagnostic, name string) []*pulumirpc.AnalyzeDiagnostic {
	var out []*pulumirpc.AnalyzeDiagnostic
	for _, d := range ds {
		if d.GetPolicyName() == name {
			out = append(out, d)
		}
	}
	return out
}

func TestAnalyzerInfoBeforeConfiguration(t *testing.T) {
	c := dial(t)
	ctx := context.Background()

	plugin, err := c.GetPluginInfo(ctx, &pbempty.Empty{})
	require.NoError(t, err)
	assert.Equal(t, rules.PackVersion, plugin.GetVersion())

	info, err := c.GetAnalyzerInfo(ctx, &pbempty.Empty{})
	require.NoError(t, err)
	assert.Equal(t, rules.PackName, info.GetName())
	assert.True(t, info.GetSupportsConfig())
	require.Len(t, info.GetPolicies(), len(rules.Pack()))
	for _, p := range info.GetPolicies() {
		r := rules.Lookup(p.GetName())
		require.NotNil(t, r, p.GetName())
		assert.Equal(t, severity(r.Severity), p.GetSeverity(), p.GetName())
		assert.NotEmpty(t, p.GetRemediationSteps(), p.GetName())
		wantType := pulumirpc.PolicyType_POLICY_TYPE_RESOURCE
		if r.CheckStack != nil {
			wantType = pulumirpc.PolicyType_POLICY_TYPE_STACK
		}
		assert.Equal(t, wantType, p.GetPolicyType(), p.GetName())
	}
	lr := info.GetInitialConfig()["log-retention"]
	require.NotNil(t, lr)
	assert.Equal(t, pulumirpc.EnforcementLevel_MANDATORY, lr.GetEnforcementLevel())
	assert.Equal(t, float64(90), lr.GetProperties().AsMap()["minDays"])
}

func TestAnalyzeOverTheWire(t *testing.T) {
	c := dial(t)
	ctx := context.Background()

	got, err := c.Analyze(ctx, logGroup(t, resource.NewNumberProperty(30)))
	require.NoError(t, err)
	ds := byPolicy(got.GetDiagnostics(), "log-retention")
	require.Len(t, ds, 1)
	d := ds[0]
	assert.Equal(t, urnPrefix+logGroupType+"::coderd", d.GetUrn())
	assert.Equal(t, pulumirpc.EnforcementLevel_MANDATORY, d.GetEnforcementLevel())
	assert.Equal(t, pulumirpc.PolicySeverity_POLICY_SEVERITY_MEDIUM, d.GetSeverity())
	assert.Equal(t, rules.PackName, d.GetPolicyPackName())
	assert.True(t, strings.HasPrefix(d.GetMessage(), "retentionInDays is 30, below 90. Fix: "), d.GetMessage())

	t.Run("unknown during preview is no violation", func(t *testing.T) {
		got, err := c.Analyze(ctx, logGroup(t, resource.MakeComputed(resource.NewStringProperty(""))))
		require.NoError(t, err)
		assert.Empty(t, byPolicy(got.GetDiagnostics(), "log-retention"))
	})

	t.Run("configured threshold and enforcement", func(t *testing.T) {
		cfg, err := structpb.NewStruct(map[string]any{"minDays": 60})
		require.NoError(t, err)
		_, err = c.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{
			"log-retention": {EnforcementLevel: pulumirpc.EnforcementLevel_ADVISORY, Properties: cfg},
		}})
		require.NoError(t, err)
		got, err := c.Analyze(ctx, logGroup(t, resource.NewNumberProperty(30)))
		require.NoError(t, err)
		ds := byPolicy(got.GetDiagnostics(), "log-retention")
		require.Len(t, ds, 1)
		assert.Equal(t, pulumirpc.EnforcementLevel_ADVISORY, ds[0].GetEnforcementLevel())
		assert.Contains(t, ds[0].GetMessage(), "below 60.")

		_, err = c.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{
			"log-retention": {EnforcementLevel: pulumirpc.EnforcementLevel_DISABLED},
		}})
		require.NoError(t, err)
		got, err = c.Analyze(ctx, logGroup(t, resource.NewNumberProperty(1)))
		require.NoError(t, err)
		assert.Empty(t, byPolicy(got.GetDiagnostics(), "log-retention"))
	})

	t.Run("config for a policy not in the pack", func(t *testing.T) {
		_, err := c.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{
			"no-such-policy": {EnforcementLevel: pulumirpc.EnforcementLevel_MANDATORY},
		}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `config names policy "no-such-policy"`)
	})
}

func TestAnalyzeStackOverTheWire(t *testing.T) {
	c := dial(t)
	ctx := context.Background()
	vpc := &pulumirpc.AnalyzerResource{Type: vpcType, Urn: urnPrefix + vpcType + "::vpc", Name: "vpc",
		Properties: props(t, resource.PropertyMap{"cidrBlock": resource.NewStringProperty("10.0.0.0/16")})}
	flow := &pulumirpc.AnalyzerResource{Type: flowLogType, Urn: urnPrefix + flowLogType + "::flow", Name: "flow",
		Properties: props(t, resource.PropertyMap{
			"vpcId":       resource.MakeComputed(resource.NewStringProperty("")),
			"trafficType": resource.NewStringProperty("ALL"),
		}),
		PropertyDependencies: map[string]*pulumirpc.AnalyzerPropertyDependencies{"vpcId": {Urns: []string{vpc.Urn}}},
	}
	// A master password set in code arrives as a secret.
	db := &pulumirpc.AnalyzerResource{Type: "aws:rds/cluster:Cluster", Urn: urnPrefix + "aws:rds/cluster:Cluster::db", Name: "db",
		Properties: props(t, resource.PropertyMap{"masterPassword": resource.MakeSecret(resource.NewStringProperty("hunter2"))})}

	got, err := c.AnalyzeStack(ctx, &pulumirpc.AnalyzeStackRequest{Resources: []*pulumirpc.AnalyzerResource{vpc}})
	require.NoError(t, err)
	ds := byPolicy(got.GetDiagnostics(), "vpc-flow-logs")
	require.Len(t, ds, 1)
	assert.Equal(t, vpc.Urn, ds[0].GetUrn())
	assert.True(t, strings.HasPrefix(ds[0].GetMessage(), "the VPC has no flow log. Fix: "))

	got, err = c.AnalyzeStack(ctx, &pulumirpc.AnalyzeStackRequest{Resources: []*pulumirpc.AnalyzerResource{vpc, flow, db}})
	require.NoError(t, err)
	assert.Empty(t, byPolicy(got.GetDiagnostics(), "vpc-flow-logs"))
	rot := byPolicy(got.GetDiagnostics(), "secrets-rotation")
	require.Len(t, rot, 1)
	assert.Equal(t, db.Urn, rot[0].GetUrn())
	assert.NotContains(t, rot[0].GetMessage(), "hunter2")
}
