package observability

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// The credential functions' metrics (credentials.py), which their alarms
// in thresholds.Table watch.
const (
	CredentialNamespace = thresholds.CredentialNamespace
	CredentialMetric    = thresholds.CredentialMetric
	LicenseMetric       = thresholds.LicenseMetric
	credentialSchedule  = "rate(6 hours)"
)

//go:embed credentials.py
var credentialsSource string

// Credentials are the secrets whose age the region watches and the tokens
// it rotates.
type Credentials struct {
	// Prefix selects the region's secrets (coder/<stack>/<region>/).
	Prefix string
	// Watched are the credentials with an alarm of their own.
	Watched []Credential
	// External are secrets the stack reads but another team holds (no tags
	// of ours), watched by name with the period Days.
	External []ExternalCredential
	// License is the licence secret's name ("" = unlicensed), LicenseArn
	// its ARN.
	License    string
	LicenseArn pulumi.StringInput
	// CoderURL is where the rotation function reaches coderd.
	CoderURL string
	// SecretsKeyArn encrypts the secrets.
	SecretsKeyArn pulumi.StringInput
}

// ExternalCredential is another team's secret the stack reads.
type ExternalCredential struct {
	Secret, Purpose, Runbook string
	Days                     int
	WarnDays                 float64
}

// Credential is one secret, as its alarm and its rotation need it.
type Credential struct {
	// Secret is its Secrets Manager name, Arn its ARN.
	Secret string
	Arn    pulumi.StringInput
	// Purpose names the alarm; Runbook is its runbook section.
	Purpose, Runbook string
	// WarnDays before renewal is due, the alarm fires.
	WarnDays float64
	// RotateEveryDays > 0 rotates it with the rotation function.
	RotateEveryDays int
}

// createCredentials runs the credential age function every 6 hours and,
// when tokens rotate, the rotation function with a schedule per token.
func (m *Monitoring) createCredentials(ctx *pulumi.Context) error {
	cr := m.args.Credentials
	if cr == nil {
		return nil
	}
	decrypt := func(actions ...string) policydoc.Statement {
		return policydoc.Statement{Sid: "UseSecretsKeyThroughSecretsManager", Actions: actions,
			Resources: pulumi.StringArray{cr.SecretsKeyArn},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"kms:ViaService": pulumi.Sprintf("secretsmanager.%s.amazonaws.com", m.args.Region)}}}
	}
	age := policydoc.Document{
		// ListSecrets cannot be scoped to resources; it returns metadata only.
		{Sid: "ListSecretMetadata", Actions: []string{"secretsmanager:ListSecrets"}},
		{Sid: "PublishCredentialAges", Actions: []string{"cloudwatch:PutMetricData"},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"cloudwatch:namespace": pulumi.String(CredentialNamespace)}}},
	}
	env := pulumi.StringMap{"SECRET_PREFIX": pulumi.String(cr.Prefix), "STACK": pulumi.String(m.args.Stack), "REGION": pulumi.String(m.args.Region)}
	if cr.License != "" {
		// The licence's expiry is a claim of the JWT: the function reads it.
		age = append(age, policydoc.Statement{Sid: "ReadLicense", Actions: []string{"secretsmanager:GetSecretValue"},
			Resources: pulumi.StringArray{cr.LicenseArn}}, decrypt("kms:Decrypt"))
		env["LICENSE_SECRET"] = pulumi.String(cr.License)
	}
	if len(cr.External) > 0 {
		days := map[string]int{}
		arns := pulumi.StringArray{}
		for _, e := range cr.External {
			days[e.Secret] = e.Days
			// Secrets Manager appends six random characters to a name.
			arns = append(arns, pulumi.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-??????", m.args.Region, m.args.AccountID, e.Secret))
		}
		b, err := json.Marshal(days)
		if err != nil {
			return err
		}
		env["EXTERNAL_SECRETS"] = pulumi.String(string(b))
		age = append(age, policydoc.Statement{Sid: "DescribeExternalSecrets", Actions: []string{"secretsmanager:DescribeSecret"}, Resources: arns})
	}
	fn, err := m.credentialFunction(ctx, "credential-age", "age_handler", "Publishes the days each credential has before renewal and the licence before expiry", age, env)
	if err != nil {
		return err
	}
	rule, err := cloudwatch.NewEventRule(ctx, m.name+"-credential-age", &cloudwatch.EventRuleArgs{
		Description: pulumi.String("every 6 hours: credential ages and the licence expiry"), ScheduleExpression: pulumi.String(credentialSchedule),
		Tags: m.tags(m.name + "-credential-age"),
	}, pulumi.Parent(m))
	if err != nil {
		return err
	}
	if _, err := lambda.NewPermission(ctx, m.name+"-credential-age", &lambda.PermissionArgs{
		Action: pulumi.String("lambda:InvokeFunction"), Function: fn.Name, Principal: pulumi.String("events.amazonaws.com"),
		SourceArn: rule.Arn,
	}, pulumi.Parent(fn)); err != nil {
		return err
	}
	if _, err := cloudwatch.NewEventTarget(ctx, m.name+"-credential-age", &cloudwatch.EventTargetArgs{Rule: rule.Name, Arn: fn.Arn}, pulumi.Parent(rule)); err != nil {
		return err
	}
	return m.createRotation(ctx, decrypt)
}

// createRotation gives every rotated token a Secrets Manager rotation
// schedule with the rotation function, which mints the successor through
// coderd's API (credentials.py rotate_handler).
func (m *Monitoring) createRotation(ctx *pulumi.Context, decrypt func(...string) policydoc.Statement) error {
	cr := m.args.Credentials
	arns := pulumi.StringArray{}
	for _, c := range cr.Watched {
		if c.RotateEveryDays > 0 {
			arns = append(arns, c.Arn)
		}
	}
	if len(arns) == 0 {
		return nil
	}
	doc := policydoc.Document{
		{Sid: "RotateTokens", Actions: []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
			"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"}, Resources: arns},
		decrypt("kms:Decrypt", "kms:GenerateDataKey"),
	}
	fn, err := m.credentialFunction(ctx, "token-rotation", "rotate_handler", "Rotates coderd API tokens: each mints its successor",
		doc, pulumi.StringMap{"CODER_URL": pulumi.String(cr.CoderURL)})
	if err != nil {
		return err
	}
	perm, err := lambda.NewPermission(ctx, m.name+"-token-rotation", &lambda.PermissionArgs{
		Action: pulumi.String("lambda:InvokeFunction"), Function: fn.Name, Principal: pulumi.String("secretsmanager.amazonaws.com"),
		SourceAccount: m.args.AccountID,
	}, pulumi.Parent(fn))
	if err != nil {
		return err
	}
	for _, c := range cr.Watched {
		if c.RotateEveryDays == 0 {
			continue
		}
		if _, err := secretsmanager.NewSecretRotation(ctx, m.name+"-rotate-"+c.Purpose, &secretsmanager.SecretRotationArgs{
			SecretId:          c.Arn,
			RotationLambdaArn: fn.Arn,
			RotationRules: &secretsmanager.SecretRotationRotationRulesArgs{
				ScheduleExpression: pulumi.String(rateDays(c.RotateEveryDays)),
			},
			// The operator just put it; the first rotation follows the schedule.
			RotateImmediately: pulumi.Bool(false),
		}, pulumi.Parent(fn), pulumi.DependsOn([]pulumi.Resource{perm})); err != nil {
			return err
		}
	}
	return nil
}

// credentialFunction is one handler of credentials.py with its own role
// and log group.
func (m *Monitoring) credentialFunction(ctx *pulumi.Context, suffix, handler, description string, doc policydoc.Document, env pulumi.StringMap) (*lambda.Function, error) {
	fn := m.name + "-" + suffix
	logs, err := m.logGroup(ctx, fn, pulumi.String("/aws/lambda/"+fn))
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(ctx, fn, &iam.RoleArgs{
		Description: pulumi.String(description),
		AssumeRolePolicy: policydoc.Document{{Principal: policydoc.Service("lambda.amazonaws.com"),
			Actions: []string{"sts:AssumeRole"}}}.JSON(),
		Tags: m.tags(fn),
	}, pulumi.Parent(m))
	if err != nil {
		return nil, err
	}
	doc = append(doc, policydoc.Statement{Sid: "WriteOwnLogs", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resources: pulumi.StringArray{pulumi.Sprintf("%s:*", logs.Arn)}})
	policy, err := iam.NewRolePolicy(ctx, fn, &iam.RolePolicyArgs{Role: role.Name, Policy: doc.JSON()}, pulumi.Parent(role))
	if err != nil {
		return nil, err
	}
	return lambda.NewFunction(ctx, fn, &lambda.FunctionArgs{
		Name:          pulumi.String(fn),
		Description:   pulumi.String(description),
		Runtime:       pulumi.String("python3.12"),
		Handler:       pulumi.String("index." + handler),
		Code:          pulumi.NewAssetArchive(map[string]any{"index.py": pulumi.NewStringAsset(credentialsSource)}),
		Role:          role.Arn,
		Timeout:       pulumi.Int(60),
		MemorySize:    pulumi.Int(128),
		Environment:   &lambda.FunctionEnvironmentArgs{Variables: env},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{LogFormat: pulumi.String("JSON"), LogGroup: logs.Name},
		Tags:          m.tags(fn),
	}, pulumi.Parent(m), pulumi.DependsOn([]pulumi.Resource{policy}))
}

// watched are the credentials with an alarm each: the region's own, then
// the external ones (thresholds.Credentials).
func (cr *Credentials) watched() []Credential {
	out := append([]Credential(nil), cr.Watched...)
	for _, e := range cr.External {
		out = append(out, Credential{Secret: e.Secret, Purpose: e.Purpose, Runbook: e.Runbook, WarnDays: e.WarnDays})
	}
	return out
}

// rateDays is a schedule expression every n days; the unit is singular
// for one, as the rate syntax requires.
func rateDays(n int) string {
	if n == 1 {
		return "rate(1 day)"
	}
	return fmt.Sprintf("rate(%d days)", n)
}
