package observability

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/observability/thresholds"
	"github.com/platformeng/coder-platform/components/tokens"
)

// Subscription is one SNS subscription of the alarm topic.
type Subscription struct{ Protocol, Endpoint string }

// DatabaseRefs identify the region's Aurora cluster.
type DatabaseRefs struct {
	ClusterIdentifier pulumi.StringInput
	MaxACU            float64
}

// LoadBalancerRefs identify the region's public NLB and its target group.
type LoadBalancerRefs struct {
	ArnSuffix, TargetGroupArnSuffix pulumi.StringInput
}

// MonitoringArgs configures the logs, alarms, dashboard and audit trail of
// one region.
type MonitoringArgs struct {
	Stack, Region string
	AccountID     pulumi.StringInput
	ClusterName   pulumi.StringOutput
	OIDC          irsa.OIDC
	KubeProvider  pulumi.ProviderResource
	// Keys: logs encrypts log groups, sns the topic, s3 the trail bucket.
	LogsKeyArn, SNSKeyArn, S3KeyArn pulumi.StringInput

	LogRetentionDays  int
	ContainerInsights bool
	// AddonVersion pins amazon-cloudwatch-observability ("" = EKS default).
	AddonVersion  string
	Notifications []Subscription
	RunbookURL    string
	Thresholds    Thresholds
	// FluentBitImage is FluentBitImage as the region pulls it ("": the
	// chart's default).
	FluentBitImage string
	// RestartNamespaces are the namespaces whose container restarts alarm.
	RestartNamespaces []string

	// Prometheus is the region's AMP workspace; CoderRules adds the alerts on
	// coderd's metrics (the control plane only).
	Prometheus   *Prometheus
	CoderRules   bool
	Database     *DatabaseRefs
	LoadBalancer *LoadBalancerRefs
	// Credentials are watched and rotated (nil = none).
	Credentials *Credentials
	// Day2 alarms on failed Day-2 configuration runs (the control plane).
	Day2 bool
	// Trail creates the stack's multi-region CloudTrail here.
	Trail              bool
	TrailRetentionDays int
	// CostAlerts lets AWS Budgets and Cost Anomaly Detection publish to the
	// topic (the control plane's, where the stack's cost alerts go).
	CostAlerts bool
	// SecurityFindings lets the region's EventBridge rules publish to the
	// topic: GuardDuty findings (components/guard).
	SecurityFindings bool
}

// Monitoring is one region's observability.
type Monitoring struct {
	pulumi.ResourceState

	TopicArn      pulumi.StringOutput `pulumi:"topicArn"`
	ContainerLogs pulumi.StringOutput `pulumi:"containerLogGroup"`
	AuditLogs     pulumi.StringOutput `pulumi:"auditLogGroup"`
	Dashboard     pulumi.StringOutput `pulumi:"dashboard"`

	args      *MonitoringArgs
	name      string
	alarmArns pulumi.StringArray
}

// NewMonitoring creates the region's logging, alarms, dashboard and, when
// asked, the stack's CloudTrail.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	// A zero threshold means its default (thresholds.Table), for callers
	// that set only some; the caller's args are not changed.
	filled := *args
	thresholds.Fill(&filled.Thresholds)
	args = &filled
	m := &Monitoring{args: args, name: name}
	if err := ctx.RegisterComponentResourceV2(tokens.Monitoring, name, pulumi.Map{
		"region": pulumi.String(args.Region), "logRetentionDays": pulumi.Int(args.LogRetentionDays),
		"containerInsights": pulumi.Bool(args.ContainerInsights), "coderRules": pulumi.Bool(args.CoderRules),
		"trail": pulumi.Bool(args.Trail),
	}, m, opts...); err != nil {
		return nil, err
	}
	for _, step := range []func(*pulumi.Context) error{
		m.createTopic, m.createLogging, m.createDay2Filter, m.createInsights, m.createAlarms, m.createRules, m.createCredentials,
		m.createDashboard, m.createTrail,
	} {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("monitoring %s: %w", name, err)
		}
	}
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{
		"topicArn": m.TopicArn, "containerLogGroup": m.ContainerLogs, "auditLogGroup": m.AuditLogs, "dashboard": m.Dashboard,
	}); err != nil {
		return nil, err
	}
	return m, nil
}

// runbook is the link an alarm's description carries.
func (m *Monitoring) runbook(section string) string {
	return m.args.RunbookURL + "#alarm-" + section
}

func (m *Monitoring) tags(name string) pulumi.StringMap {
	return pulumi.StringMap{"Name": pulumi.String(name)}
}
