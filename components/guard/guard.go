// Package guard is a region's security monitoring: GuardDuty with its
// findings sent to the region's alarm topic, AWS Config recording into a
// hardened bucket and evaluating the controls the platform claims
// (policy/controls), automated remediation of the safe ones, Security Hub
// and IAM Access Analyzer.
package guard

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/accessanalyzer"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cfg"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/guardduty"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/securityhub"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/bucket"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/policy/controls"
)

// Security Hub standards (Args.Standards).
const (
	StandardFSBP = "fsbp"
	StandardCIS  = "cis"
)

// standardArns are the standards' ARNs, per the Security Hub standards
// reference (DescribeStandards): FSBP v1.0.0 and CIS AWS Foundations
// Benchmark v3.0.0, both regional.
var standardArns = map[string]string{
	StandardFSBP: "arn:aws:securityhub:%s::standards/aws-foundational-security-best-practices/v/1.0.0",
	StandardCIS:  "arn:aws:securityhub:%s::standards/cis-aws-foundations-benchmark/v/3.0.0",
}

// StandardArn is the ARN of a standard in a region.
func StandardArn(standard, region string) string { return fmt.Sprintf(standardArns[standard], region) }

// configRoleArn is the AWS managed policy for an AWS Config recorder's own
// role ("AWS managed policies for AWS Config": AWS_ConfigRole).
const configRoleArn = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"

// Features are the GuardDuty protection plans turned on, by their
// DetectorFeatureConfiguration names (GuardDuty API Reference). EKS runtime
// monitoring lets GuardDuty manage its agent add-on (EKS_ADDON_MANAGEMENT);
// it and RUNTIME_MONITORING are mutually exclusive.
var Features = []string{"EKS_AUDIT_LOGS", "EKS_RUNTIME_MONITORING", "S3_DATA_EVENTS", "RDS_LOGIN_EVENTS", "EBS_MALWARE_PROTECTION"}

// Remediation bounds: a fix that fails is retried this often, this far apart.
const (
	MaxRemediationAttempts = 3
	RemediationRetrySecs   = 60
)

// Args configures one region's security monitoring.
type Args struct {
	Stack, Region string
	AccountID     pulumi.StringInput
	// Global records IAM and the other global resource types and evaluates
	// the rules over them: the control-plane region only, once per account.
	Global bool

	// GuardDuty creates the detector; findings of at least MinSeverity go
	// to TopicArn with a link to RunbookURL.
	GuardDuty                  bool
	FindingPublishingFrequency string
	MinSeverity                float64
	TopicArn                   pulumi.StringInput
	RunbookURL                 string

	// Config records into a bucket encrypted with BucketKeyArn (the
	// region's s3 key) and evaluates every control of policy/controls;
	// Remediation fixes the ones with a remediation.
	Config          bool
	BucketKeyArn    pulumi.StringInput
	RetentionDays   int
	Remediation     bool
	LogRetentionMin int

	// SecurityHub subscribes Standards.
	SecurityHub    bool
	Standards      []string
	AccessAnalyzer bool
}

// Guard is one region's security monitoring.
type Guard struct {
	pulumi.ResourceState

	DetectorID   pulumi.StringOutput `pulumi:"detectorId"`
	ConfigBucket pulumi.StringOutput `pulumi:"configBucket"`

	args *Args
	name string
}

// New creates the region's security monitoring.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Guard, error) {
	g := &Guard{args: args, name: name}
	if err := ctx.RegisterComponentResourceV2(tokens.Guard, name, pulumi.Map{
		"region": pulumi.String(args.Region), "guardDuty": pulumi.Bool(args.GuardDuty), "config": pulumi.Bool(args.Config),
		"global": pulumi.Bool(args.Global), "securityHub": pulumi.Bool(args.SecurityHub), "accessAnalyzer": pulumi.Bool(args.AccessAnalyzer),
	}, g, opts...); err != nil {
		return nil, err
	}
	g.DetectorID = pulumi.String("").ToStringOutput()
	g.ConfigBucket = pulumi.String("").ToStringOutput()
	for _, step := range []func(*pulumi.Context) error{g.createGuardDuty, g.createConfig, g.createSecurityHub, g.createAccessAnalyzer} {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("guard %s: %w", name, err)
		}
	}
	if err := ctx.RegisterResourceOutputs(g, pulumi.Map{"detectorId": g.DetectorID, "configBucket": g.ConfigBucket}); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *Guard) tags(name string) pulumi.StringMap {
	return pulumi.StringMap{"Name": pulumi.String(name)}
}

func (g *Guard) createGuardDuty(ctx *pulumi.Context) error {
	a := g.args
	if !a.GuardDuty {
		return nil
	}
	det, err := guardduty.NewDetector(ctx, g.name, &guardduty.DetectorArgs{
		Enable:                     pulumi.Bool(true),
		FindingPublishingFrequency: pulumi.String(a.FindingPublishingFrequency),
		Tags:                       g.tags(g.name),
	}, pulumi.Parent(g))
	if err != nil {
		return err
	}
	g.DetectorID = det.ID().ToStringOutput()
	for _, f := range Features {
		fa := &guardduty.DetectorFeatureArgs{DetectorId: det.ID(), Name: pulumi.String(f), Status: pulumi.String("ENABLED")}
		if f == "EKS_RUNTIME_MONITORING" {
			fa.AdditionalConfigurations = guardduty.DetectorFeatureAdditionalConfigurationArray{
				guardduty.DetectorFeatureAdditionalConfigurationArgs{Name: pulumi.String("EKS_ADDON_MANAGEMENT"), Status: pulumi.String("ENABLED")},
			}
		}
		if _, err := guardduty.NewDetectorFeature(ctx, fmt.Sprintf("%s-%s", g.name, f), fa, pulumi.Parent(det)); err != nil {
			return err
		}
	}
	rule, err := cloudwatch.NewEventRule(ctx, g.name+"-findings", &cloudwatch.EventRuleArgs{
		Name:         pulumi.String(g.name + "-guardduty-findings"),
		Description:  pulumi.Sprintf("GuardDuty findings of severity %g and above to the alarm topic", a.MinSeverity),
		EventPattern: pulumi.String(FindingsPattern(a.MinSeverity)),
		Tags:         g.tags(g.name + "-findings"),
	}, pulumi.Parent(det))
	if err != nil {
		return err
	}
	_, err = cloudwatch.NewEventTarget(ctx, g.name+"-findings", &cloudwatch.EventTargetArgs{
		Rule: rule.Name, Arn: a.TopicArn,
		InputTransformer: &cloudwatch.EventTargetInputTransformerArgs{
			InputPaths: pulumi.StringMap{
				"severity": pulumi.String("$.detail.severity"), "type": pulumi.String("$.detail.type"),
				"title": pulumi.String("$.detail.title"), "id": pulumi.String("$.detail.id"),
				"account": pulumi.String("$.account"), "region": pulumi.String("$.region"),
			},
			InputTemplate: pulumi.String(FindingTemplate(a.RunbookURL + "#alarm-guardduty-finding")),
		},
	}, pulumi.Parent(rule))
	return err
}

// FindingsPattern is the EventBridge pattern of GuardDuty findings of at
// least min severity ("Creating custom responses to GuardDuty findings with
// Amazon EventBridge": source aws.guardduty, detail-type GuardDuty Finding).
func FindingsPattern(min float64) string {
	b, _ := json.Marshal(map[string]any{
		"source":      []string{"aws.guardduty"},
		"detail-type": []string{"GuardDuty Finding"},
		"detail":      map[string]any{"severity": []any{map[string]any{"numeric": []any{">=", min}}}},
	})
	return string(b)
}

// FindingTemplate is the message the topic receives: the finding's fields
// (EventBridge substitutes them as JSON values) and the runbook.
func FindingTemplate(runbook string) string {
	rb, _ := json.Marshal(runbook)
	return `{"alarm": "guardduty-finding", "severity": <severity>, "type": <type>, "title": <title>, ` +
		`"account": <account>, "region": <region>, "findingId": <id>, "runbook": ` + string(rb) + `}`
}

func (g *Guard) createConfig(ctx *pulumi.Context) error {
	a := g.args
	if !a.Config {
		return nil
	}
	name := g.name + "-config"
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.Sprintf("AWS Config recorder of %s", a.Region),
		AssumeRolePolicy: policydoc.AssumedBy("config.amazonaws.com", a.AccountID),
		Tags:             g.tags(name),
	}, pulumi.Parent(g))
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicyAttachment(ctx, name, &iam.RolePolicyAttachmentArgs{
		Role: role.Name, PolicyArn: pulumi.String(configRoleArn),
	}, pulumi.Parent(role)); err != nil {
		return err
	}
	prefix := "config"
	b, err := bucket.New(ctx, name, bucket.Args{
		KmsKeyArn: a.BucketKeyArn, TransitionDays: 30, ExpireDays: a.RetentionDays,
		// "Permissions for the Amazon S3 bucket for the AWS Config delivery
		// channel" (AWS Config Developer Guide), for this account only.
		Statements: func(arn pulumi.StringOutput) policydoc.Document {
			own := pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": a.AccountID}}
			return policydoc.Document{
				{Sid: "ConfigAclCheck", Principal: policydoc.Service("config.amazonaws.com"),
					Actions: []string{"s3:GetBucketAcl", "s3:ListBucket"}, Resources: pulumi.StringArray{arn}, Condition: own},
				{Sid: "ConfigWrite", Principal: policydoc.Service("config.amazonaws.com"),
					Actions: []string{"s3:PutObject"}, Resources: pulumi.StringArray{pulumi.Sprintf("%s/%s/AWSLogs/%s/Config/*", arn, prefix, a.AccountID)},
					Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": a.AccountID, "s3:x-amz-acl": pulumi.String("bucket-owner-full-control")}}},
			}
		},
	}, g)
	if err != nil {
		return err
	}
	g.ConfigBucket = b.Bucket
	// The recorder's role writes the snapshots and history itself.
	if _, err := iam.NewRolePolicy(ctx, name+"-delivery", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: policydoc.Document{
			{Sid: "WriteConfigObjects", Actions: []string{"s3:PutObject", "s3:PutObjectAcl"},
				Resources: pulumi.StringArray{pulumi.Sprintf("%s/%s/AWSLogs/%s/Config/*", b.Arn, prefix, a.AccountID)}},
			{Sid: "CheckBucketAcl", Actions: []string{"s3:GetBucketAcl"}, Resources: pulumi.StringArray{b.Arn}},
			{Sid: "EncryptConfigObjects", Actions: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resources: pulumi.StringArray{a.BucketKeyArn}},
		}.JSON(),
	}, pulumi.Parent(role)); err != nil {
		return err
	}
	rec, err := cfg.NewRecorder(ctx, name, &cfg.RecorderArgs{
		Name:    pulumi.String(name),
		RoleArn: role.Arn,
		RecordingGroup: &cfg.RecorderRecordingGroupArgs{
			AllSupported: pulumi.Bool(true), IncludeGlobalResourceTypes: pulumi.Bool(a.Global),
		},
	}, pulumi.Parent(g))
	if err != nil {
		return err
	}
	ch, err := cfg.NewDeliveryChannel(ctx, name, &cfg.DeliveryChannelArgs{
		Name: pulumi.String(name), S3BucketName: b.Bucket, S3KeyPrefix: pulumi.String(prefix), S3KmsKeyArn: a.BucketKeyArn,
		SnapshotDeliveryProperties: &cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs{DeliveryFrequency: pulumi.String("TwentyFour_Hours")},
	}, pulumi.Parent(rec), pulumi.DependsOn([]pulumi.Resource{rec, b.Ready}))
	if err != nil {
		return err
	}
	status, err := cfg.NewRecorderStatus(ctx, name, &cfg.RecorderStatusArgs{
		Name: rec.Name, IsEnabled: pulumi.Bool(true),
	}, pulumi.Parent(rec), pulumi.DependsOn([]pulumi.Resource{ch}))
	if err != nil {
		return err
	}
	return g.createRules(ctx, status)
}

// Rules are the controls evaluated in a region: all of them where global
// resources are recorded, the rest elsewhere.
func Rules(global bool) []controls.Control {
	var out []controls.Control
	for _, c := range controls.All() {
		if c.Global && !global {
			continue
		}
		out = append(out, c)
	}
	return out
}

func (g *Guard) createRules(ctx *pulumi.Context, status pulumi.Resource) error {
	a := g.args
	var remediator *iam.Role
	var doc *ssm.Document
	for _, c := range Rules(a.Global) {
		rn := fmt.Sprintf("%s-%s", g.name, c.RuleName)
		ra := &cfg.RuleArgs{
			Name:        pulumi.String(rn),
			Description: pulumi.Sprintf("[%s] %s", c.ID, c.Title),
			Source:      cfg.RuleSourceArgs{Owner: pulumi.String("AWS"), SourceIdentifier: pulumi.String(c.ConfigRule)},
			Tags:        pulumi.StringMap{"Name": pulumi.String(rn), "coder:control": pulumi.String(c.ID)},
		}
		if len(c.Parameters) > 0 {
			b, _ := json.Marshal(c.Parameters)
			ra.InputParameters = pulumi.String(string(b))
		}
		rule, err := cfg.NewRule(ctx, rn, ra, pulumi.Parent(g), pulumi.DependsOn([]pulumi.Resource{status}))
		if err != nil {
			return err
		}
		rem := c.Remediation
		if rem == nil || !a.Remediation {
			continue
		}
		if remediator == nil {
			if remediator, err = g.remediationRole(ctx); err != nil {
				return err
			}
		}
		target := pulumi.String(rem.Document).ToStringOutput()
		if rem.Custom {
			if doc == nil {
				if doc, err = g.retentionDocument(ctx); err != nil {
					return err
				}
			}
			target = doc.Name
		}
		params := cfg.RemediationConfigurationParameterArray{
			cfg.RemediationConfigurationParameterArgs{Name: pulumi.String("AutomationAssumeRole"), StaticValue: remediator.Arn},
			cfg.RemediationConfigurationParameterArgs{Name: pulumi.String(rem.ResourceParameter), ResourceValue: pulumi.String("RESOURCE_ID")},
		}
		if rem.Custom {
			params = append(params, cfg.RemediationConfigurationParameterArgs{
				Name: pulumi.String("RetentionInDays"), StaticValue: pulumi.Sprintf("%d", a.LogRetentionMin)})
		}
		if _, err := cfg.NewRemediationConfiguration(ctx, rn, &cfg.RemediationConfigurationArgs{
			ConfigRuleName: rule.Name, TargetType: pulumi.String("SSM_DOCUMENT"), TargetId: target,
			Automatic: pulumi.Bool(true), MaximumAutomaticAttempts: pulumi.Int(MaxRemediationAttempts),
			RetryAttemptSeconds: pulumi.Int(RemediationRetrySecs), Parameters: params,
		}, pulumi.Parent(rule)); err != nil {
			return err
		}
	}
	return nil
}

// remediationRole is the role Systems Manager Automation assumes to run the
// remediation documents: exactly the actions they call, on this region's
// resources.
func (g *Guard) remediationRole(ctx *pulumi.Context) (*iam.Role, error) {
	a := g.args
	name := g.name + "-remediation"
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.Sprintf("AWS Config remediation in %s (Systems Manager Automation)", a.Region),
		AssumeRolePolicy: policydoc.AssumedBy("ssm.amazonaws.com", a.AccountID),
		Tags:             g.tags(name),
	}, pulumi.Parent(g))
	if err != nil {
		return nil, err
	}
	if _, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: role.Name, Policy: RemediationPolicy(a.Region, a.AccountID)},
		pulumi.Parent(role)); err != nil {
		return nil, err
	}
	return role, nil
}

// RemediationPolicy grants the actions of every remediation document, each
// scoped to the resource type it fixes.
func RemediationPolicy(region string, account pulumi.StringInput) pulumi.StringOutput {
	scope := map[string]pulumi.StringInput{
		"s3":   pulumi.String("arn:aws:s3:::*"),
		"ec2":  pulumi.Sprintf("arn:aws:ec2:%s:%s:security-group/*", region, account),
		"logs": pulumi.Sprintf("arn:aws:logs:%s:%s:log-group:*", region, account),
	}
	actions := map[string]bool{}
	for _, c := range controls.All() {
		if c.Remediation != nil {
			for _, x := range c.Remediation.Actions {
				actions[x] = true
			}
		}
	}
	var names []string
	for x := range actions {
		names = append(names, x)
	}
	sort.Strings(names)
	var doc policydoc.Document
	for _, x := range names {
		svc := x[:indexColon(x)]
		st := policydoc.Statement{Actions: []string{x}, Resources: pulumi.StringArray{scope[svc]}}
		if x == "ec2:DescribeSecurityGroups" {
			st.Resources = nil // Describe* actions take no resource ARN.
		}
		doc = append(doc, st)
	}
	return doc.JSON()
}

func indexColon(s string) int {
	for i, r := range s {
		if r == ':' {
			return i
		}
	}
	return len(s)
}

// retentionDocument is the platform's Automation document that sets a log
// group's retention: one PutRetentionPolicy call.
func (g *Guard) retentionDocument(ctx *pulumi.Context) (*ssm.Document, error) {
	content, _ := json.Marshal(map[string]any{
		"schemaVersion": "0.3",
		"description":   "Sets a CloudWatch Logs log group's retention (AWS Config remediation of CW_LOGGROUP_RETENTION_PERIOD_CHECK).",
		"assumeRole":    "{{ AutomationAssumeRole }}",
		"parameters": map[string]any{
			"AutomationAssumeRole": map[string]any{"type": "String", "description": "The role Automation assumes."},
			"LogGroupName":         map[string]any{"type": "String", "description": "The log group to fix."},
			"RetentionInDays":      map[string]any{"type": "Integer", "description": "The retention to set, in days."},
		},
		"mainSteps": []any{map[string]any{
			"name": "PutRetentionPolicy", "action": "aws:executeAwsApi", "maxAttempts": 3,
			"inputs": map[string]any{
				"Service": "logs", "Api": "PutRetentionPolicy",
				"logGroupName": "{{ LogGroupName }}", "retentionInDays": "{{ RetentionInDays }}",
			},
		}},
	})
	name := g.name + "-set-log-retention"
	return ssm.NewDocument(ctx, name, &ssm.DocumentArgs{
		Name: pulumi.String(name), DocumentType: pulumi.String("Automation"), DocumentFormat: pulumi.String("JSON"),
		Content: pulumi.String(string(content)), Tags: g.tags(name),
	}, pulumi.Parent(g))
}

func (g *Guard) createSecurityHub(ctx *pulumi.Context) error {
	a := g.args
	if !a.SecurityHub {
		return nil
	}
	acct, err := securityhub.NewAccount(ctx, g.name, &securityhub.AccountArgs{
		EnableDefaultStandards: pulumi.Bool(false), AutoEnableControls: pulumi.Bool(true),
		ControlFindingGenerator: pulumi.String("SECURITY_CONTROL"),
	}, pulumi.Parent(g))
	if err != nil {
		return err
	}
	for _, st := range a.Standards {
		// CIS checks the account (IAM, the trail, Config): once, where
		// global resources are recorded.
		if st == StandardCIS && !a.Global {
			continue
		}
		if _, err := securityhub.NewStandardsSubscription(ctx, fmt.Sprintf("%s-%s", g.name, st), &securityhub.StandardsSubscriptionArgs{
			StandardsArn: pulumi.String(StandardArn(st, a.Region)),
		}, pulumi.Parent(acct), pulumi.DependsOn([]pulumi.Resource{acct})); err != nil {
			return err
		}
	}
	return nil
}

func (g *Guard) createAccessAnalyzer(ctx *pulumi.Context) error {
	if !g.args.AccessAnalyzer {
		return nil
	}
	_, err := accessanalyzer.NewAnalyzer(ctx, g.name, &accessanalyzer.AnalyzerArgs{
		AnalyzerName: pulumi.String(g.name), Type: pulumi.String("ACCOUNT"), Tags: g.tags(g.name),
	}, pulumi.Parent(g))
	return err
}
