package observability

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/helmchart"
	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
)

// Pinned charts and names. Bump deliberately, after reading release notes.
const (
	FluentBitChart        = "aws-for-fluent-bit"
	FluentBitChartVersion = "0.1.35"
	FluentBitRepo         = "https://aws.github.io/eks-charts"
	// FluentBitImage is chart 0.1.35's one container image (values
	// image.repository and image.tag, rendered "repository:tag" by
	// templates/daemonset.yaml; the tag has no appVersion default).
	FluentBitImage     = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2.20240516"
	fluentBitNamespace = "kube-system"
	fluentBitSA        = "aws-for-fluent-bit"
	insightsAddon      = "amazon-cloudwatch-observability"
	insightsNamespace  = "amazon-cloudwatch"
	insightsSA         = "cloudwatch-agent"
	// AuditMessage is the msg of the JSON log line Coder's slog audit
	// backend writes for every audit entry.
	AuditMessage = "audit_log"
)

// logGroup creates a KMS-encrypted log group with the region's retention.
func (m *Monitoring) logGroup(ctx *pulumi.Context, name string, groupName pulumi.StringInput) (*cloudwatch.LogGroup, error) {
	return cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            groupName,
		KmsKeyId:        m.args.LogsKeyArn,
		RetentionInDays: pulumi.Int(m.args.LogRetentionDays),
		Tags:            m.tags(name),
	}, pulumi.Parent(m), pulumi.Protect(true))
}

// createLogging sends every container's logs to CloudWatch through Fluent
// Bit, and Coder's audit entries to their own log group.
func (m *Monitoring) createLogging(ctx *pulumi.Context) error {
	a := m.args
	prefix := fmt.Sprintf("/coder/%s/%s", a.Stack, a.Region)
	containers, err := m.logGroup(ctx, m.name+"-containers", pulumi.String(prefix+"/containers"))
	if err != nil {
		return err
	}
	audit, err := m.logGroup(ctx, m.name+"-audit", pulumi.String(prefix+"/audit"))
	if err != nil {
		return err
	}
	m.ContainerLogs, m.AuditLogs = containers.Name, audit.Name
	streams := func(g *cloudwatch.LogGroup) pulumi.StringOutput { return pulumi.Sprintf("%s:*", g.Arn) }
	role, err := irsa.NewRole(ctx, m.name+"-fluent-bit", irsa.RoleArgs{
		OIDC: a.OIDC, ServiceAccount: policydoc.ServiceAccount{Namespace: fluentBitNamespace, Name: fluentBitSA},
		Description: "Fluent Bit: write to the container and audit log groups only",
		Policy: policydoc.Document{{Sid: "WriteOwnLogGroups",
			Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			Resources: pulumi.StringArray{containers.Arn, streams(containers), audit.Arn, streams(audit)}}},
	}, m)
	if err != nil {
		return err
	}
	img, err := helmchart.Image(a.FluentBitImage, helmchart.RepoTag)
	if err != nil {
		return err
	}
	values := pulumi.Map{
		"serviceAccount": pulumi.Map{"create": pulumi.Bool(true), "name": pulumi.String(fluentBitSA),
			"annotations": pulumi.Map{irsa.AnnotationKey: role.Arn}},
		// The C plugin; the groups exist already, encrypted and retained.
		"cloudWatchLogs": pulumi.Map{
			"enabled": pulumi.Bool(true), "region": pulumi.String(a.Region), "match": pulumi.String("kube.*"),
			"logGroupName": containers.Name, "logStreamPrefix": pulumi.String("pod-"),
			"autoCreateGroup": pulumi.Bool(false),
		},
		"cloudWatch":    pulumi.Map{"enabled": pulumi.Bool(false)},
		"firehose":      pulumi.Map{"enabled": pulumi.Bool(false)},
		"kinesis":       pulumi.Map{"enabled": pulumi.Bool(false)},
		"elasticsearch": pulumi.Map{"enabled": pulumi.Bool(false)},
		// The audit rule reads the merged fields (mergeLogKey); pinned here
		// rather than left to the chart's defaults.
		"filter":            pulumi.Map{"mergeLog": pulumi.String("On"), "mergeLogKey": pulumi.String(mergeLogKey)},
		"additionalFilters": pulumi.String(auditFilter),
		"additionalOutputs": pulumi.Sprintf(auditOutput, a.Region, audit.Name),
		// A DaemonSet on every node group, whatever its taint.
		"tolerations": pulumi.Array{pulumi.Map{"operator": pulumi.String("Exists")}},
		"resources": pulumi.Map{
			"requests": pulumi.Map{"cpu": pulumi.String("50m"), "memory": pulumi.String("100Mi")},
			"limits":   pulumi.Map{"memory": pulumi.String("250Mi")},
		},
	}
	if img != nil {
		values["image"] = img
	}
	_, err = helmchart.Install(ctx, m.name+"-fluent-bit", helmchart.Chart{
		Release: FluentBitChart, Chart: FluentBitChart, Version: FluentBitChartVersion,
		Repo: FluentBitRepo, Namespace: fluentBitNamespace,
	}, values, pulumi.Parent(m), pulumi.Provider(a.KubeProvider))
	return err
}

// mergeLogKey is where the chart's kubernetes filter (Merge_Log On, which
// runs before additionalFilters) puts the fields of a JSON log line; the
// audit rule reads msg from there.
const mergeLogKey = "data"

// auditFilter moves coderd's audit entries (JSON logs, msg "audit_log")
// to their own tag, out of the container stream. Fluent Bit 1.9 splits a
// Rule into KEY REGEX TAG KEEP on spaces, and a token that starts with a
// double quote ends at the next one (src/flb_slist.c, token_retrieve), so
// the rule holds no quotes: it matches the merged msg field exactly.
const auditFilter = `[FILTER]
    Name    rewrite_tag
    Match   kube.var.log.containers.coder-*_coder_coder-*
    Rule    $` + mergeLogKey + `['msg'] ^` + AuditMessage + `$ coder.audit false
`

// auditOutput writes the audit tag to the audit log group (region, group).
const auditOutput = `[OUTPUT]
    Name              cloudwatch_logs
    Match             coder.audit
    region            %s
    log_group_name    %s
    log_stream_prefix audit-
    auto_create_group false
`

// createInsights installs Container Insights, whose node and pod metrics the
// node alarms and dashboard read. Container logs stay with Fluent Bit; the
// performance log group is created here so it is encrypted and retained.
func (m *Monitoring) createInsights(ctx *pulumi.Context) error {
	a := m.args
	if !a.ContainerInsights {
		return nil
	}
	perf, err := m.logGroup(ctx, m.name+"-insights", pulumi.Sprintf("/aws/containerinsights/%s/performance", a.ClusterName))
	if err != nil {
		return err
	}
	role, err := irsa.NewRole(ctx, m.name+"-insights", irsa.RoleArgs{
		OIDC: a.OIDC, ServiceAccount: policydoc.ServiceAccount{Namespace: insightsNamespace, Name: insightsSA},
		Description:       "CloudWatch agent of Container Insights",
		ManagedPolicyArns: []string{"arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"},
	}, m)
	if err != nil {
		return err
	}
	args := &awseks.AddonArgs{
		ClusterName: a.ClusterName, AddonName: pulumi.String(insightsAddon),
		ServiceAccountRoleArn:    role.Arn,
		ConfigurationValues:      pulumi.String(insightsConfig()),
		ResolveConflictsOnCreate: pulumi.String("OVERWRITE"), ResolveConflictsOnUpdate: pulumi.String("OVERWRITE"),
	}
	if a.AddonVersion != "" {
		args.AddonVersion = pulumi.String(a.AddonVersion)
	}
	_, err = awseks.NewAddon(ctx, m.name+"-insights", args, pulumi.Parent(m), pulumi.DependsOn([]pulumi.Resource{perf}))
	return err
}

// insightsConfig is the add-on's configuration: no second log pipeline, and
// the agent on every node group.
func insightsConfig() string {
	b, _ := json.Marshal(map[string]any{
		"containerLogs": map[string]any{"enabled": false},
		"tolerations":   []any{map[string]any{"operator": "Exists"}},
	})
	return string(b)
}
