package observability

import (
	_ "embed"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/internal/standards"
)

// The key-age function's metric.
const (
	KeyAgeNamespace = "Coder/Platform"
	KeyAgeMetric    = "ProvisionerKeyDaysToRotation"
	keyAgeSchedule  = "rate(6 hours)"
)

//go:embed keyage.py
var keyAgeSource string

// createKeyAge runs a small function every 6 hours that publishes the days
// each provisioner key has left before its rotation is due. Coder's keys do
// not expire by themselves; the rotation period is the platform's.
func (m *Monitoring) createKeyAge(ctx *pulumi.Context) error {
	a := m.args
	if a.KeySecretPrefix == "" {
		return nil
	}
	fn := m.name + "-key-age"
	logs, err := m.logGroup(ctx, fn, pulumi.String("/aws/lambda/"+fn))
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, fn, &iam.RoleArgs{
		Description: pulumi.String("provisioner key age check"),
		AssumeRolePolicy: policydoc.Document{{Principal: policydoc.Service("lambda.amazonaws.com"),
			Actions: []string{"sts:AssumeRole"}}}.JSON(),
		Tags: m.tags(fn),
	}, pulumi.Parent(m))
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(ctx, fn, &iam.RolePolicyArgs{Role: role.Name, Policy: policydoc.Document{
		// ListSecrets cannot be scoped to resources; it returns metadata only.
		{Sid: "ListSecretMetadata", Actions: []string{"secretsmanager:ListSecrets"}},
		{Sid: "PublishKeyAge", Actions: []string{"cloudwatch:PutMetricData"},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"cloudwatch:namespace": pulumi.String(KeyAgeNamespace)}}},
		{Sid: "WriteOwnLogs", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s:*", logs.Arn)}},
	}.JSON()}, pulumi.Parent(role)); err != nil {
		return err
	}
	f, err := lambda.NewFunction(ctx, fn, &lambda.FunctionArgs{
		Name:        pulumi.String(fn),
		Description: pulumi.String("Publishes the days provisioner keys have before rotation"),
		Runtime:     pulumi.String("python3.12"),
		Handler:     pulumi.String("index.handler"),
		Code:        pulumi.NewAssetArchive(map[string]any{"index.py": pulumi.NewStringAsset(keyAgeSource)}),
		Role:        role.Arn,
		Timeout:     pulumi.Int(60),
		MemorySize:  pulumi.Int(128),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			"KEY_SECRET_PREFIX": pulumi.String(a.KeySecretPrefix),
			"ROTATION_DAYS":     pulumi.String(fmt.Sprint(standards.ManualRotationDays)),
			"STACK":             pulumi.String(a.Stack), "REGION": pulumi.String(a.Region),
		}},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{LogFormat: pulumi.String("JSON"), LogGroup: logs.Name},
		Tags:          m.tags(fn),
	}, pulumi.Parent(m))
	if err != nil {
		return err
	}
	rule, err := cloudwatch.NewEventRule(ctx, fn, &cloudwatch.EventRuleArgs{
		Description: pulumi.String("every 6 hours: provisioner key age"), ScheduleExpression: pulumi.String(keyAgeSchedule),
		Tags: m.tags(fn),
	}, pulumi.Parent(m))
	if err != nil {
		return err
	}
	if _, err := lambda.NewPermission(ctx, fn, &lambda.PermissionArgs{
		Action: pulumi.String("lambda:InvokeFunction"), Function: f.Name, Principal: pulumi.String("events.amazonaws.com"),
		SourceArn: rule.Arn,
	}, pulumi.Parent(f)); err != nil {
		return err
	}
	_, err = cloudwatch.NewEventTarget(ctx, fn, &cloudwatch.EventTargetArgs{Rule: rule.Name, Arn: f.Arn}, pulumi.Parent(rule))
	return err
}
