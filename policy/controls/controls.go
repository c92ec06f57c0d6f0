// Package controls maps the AWS Foundational Security Best Practices (FSBP)
// controls this platform claims to the two things that hold them: the
// policy-pack policies (policy/rules) that block a violating change before
// deploy, and the AWS Config managed rule that watches the deployed account
// after it. It is plain data: no Pulumi imports, so that the compliance
// command, the docs generator and the security component can all read it.
//
// Sources, checked for every row (control ID, title, Config rule identifier
// and rule parameters):
//   - AWS Security Hub User Guide, per-service control pages
//     (s3-controls, ec2-controls, eks-controls, rds-controls, kms-controls,
//     cloudtrail-controls, cloudwatch-controls, secretsmanager-controls,
//     guardduty-controls, iam-controls, sns-controls, acm-controls) and
//     fsbp-standard (which controls belong to FSBP v1.0.0): the awsdocs
//     aws-security-hub-user-guide archive (2023-03-19), and for EKS.1, SNS.1
//     and RDS.27 the current pages on docs.aws.amazon.com.
//   - AWS Config Developer Guide, "List of AWS Config Managed Rules": each
//     rule's page gives its Identifier (the SourceIdentifier below, which is
//     not always the rule name: restricted-common-ports is
//     RESTRICTED_INCOMING_TRAFFIC, cw-loggroup-retention-period-check is
//     CW_LOGGROUP_RETENTION_PERIOD_CHECK) and its parameters.
//
// Left out because they could not be verified or do not fit a managed rule:
// Config.1 (Security Hub evaluates it with a service-managed check, there is
// no managed rule), EC2.19 (a custom Security Hub rule,
// vpc-sg-restricted-common-ports), EKS.3, EKS.8 and ELB.17 (the Config rules
// EKS_SECRETS_ENCRYPTED, EKS_CLUSTER_LOGGING_ENABLED and
// ELBV2_PREDEFINED_SECURITY_POLICY_SSL_CHECK exist, but the control pages
// naming them were not found in the sources above) and SecretsManager.1
// (secrets with a documented manual rotation are allowed by the pack's
// secrets-rotation policy, and would fail it by design; SecretsManager.4
// checks the same 90 days whatever rotates the secret).
package controls

import (
	"slices"
	"strconv"
	"strings"

	"github.com/platformeng/coder-platform/internal/standards"
)

// Control is one security control and what enforces it.
type Control struct {
	// ID is the Security Hub control ID, e.g. "S3.5".
	ID string
	// Title is the control's title as AWS publishes it.
	Title string
	// FSBP is whether the control is part of the AWS Foundational Security
	// Best Practices standard; false for one AWS moved to NIST SP 800-53 only
	// (it is still claimed here, and watched by its Config rule).
	FSBP bool
	// Policies are the policy-pack policies that enforce the control before
	// deploy (names from policy/rules). Empty: the control is only watched
	// after deploy.
	Policies []string
	// ConfigRule is the AWS Config managed rule identifier (the rule's
	// Source.SourceIdentifier, owner AWS).
	ConfigRule string
	// RuleName is the managed rule's documented name, the page name under
	// docs.aws.amazon.com/config/latest/developerguide/.
	RuleName string
	// Parameters are the rule's input parameters, as Config takes them
	// (every value a string).
	Parameters map[string]string
	// Global marks a rule over account-wide (global) resources, e.g. IAM
	// policies: it belongs only in the region that records global resources.
	Global bool
	// Remediation, when set, fixes a non-compliant resource automatically.
	Remediation *Remediation
}

// Remediation is the Systems Manager Automation document that fixes a
// resource a rule finds non-compliant, run by AWS Config with a role that
// may call only Actions.
type Remediation struct {
	// Document is the SSM Automation document: an AWS-owned one, or, with
	// Custom, the platform's own (components/guard creates it).
	Document string
	Custom   bool
	// ResourceParameter is the document parameter that receives the
	// non-compliant resource's ID.
	ResourceParameter string
	// Actions are the IAM actions the document calls.
	Actions []string
}

// Remediation documents. Sources: AWS Systems Manager Automation Runbook
// Reference, AWS-DisableS3BucketPublicReadWrite (parameters S3BucketName,
// AutomationAssumeRole; it sets the bucket's Block Public Access) and
// AWS-DisableIncomingSSHOnPort22 (parameters SecurityGroupIds,
// AutomationAssumeRole; required permissions ec2:DescribeSecurityGroups,
// ec2:RevokeSecurityGroupIngress). AWS-DisablePublicAccessForSecurityGroup
// is not used: the reference notes it fails with InvalidPermission.NotFound
// on groups of a non-default VPC that do not open the ports in all four
// patterns, which is every group of ours. No AWS-owned runbook sets a log
// group's retention, so that one is the platform's own.
var (
	remediateBucket = &Remediation{Document: "AWS-DisableS3BucketPublicReadWrite", ResourceParameter: "S3BucketName",
		Actions: []string{"s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"}}
	remediateSSH = &Remediation{Document: "AWS-DisableIncomingSSHOnPort22", ResourceParameter: "SecurityGroupIds",
		Actions: []string{"ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress"}}
	remediateRetention = &Remediation{Document: "SetLogGroupRetention", Custom: true, ResourceParameter: "LogGroupName",
		Actions: []string{"logs:PutRetentionPolicy"}}
)

// DocURL is the Config rule's documentation page.
func (c Control) DocURL() string {
	return "https://docs.aws.amazon.com/config/latest/developerguide/" + c.RuleName + ".html"
}

// table is every claimed control, ordered by service then number.
var table = []Control{
	// S3.
	{ID: "S3.2", Title: "S3 buckets should prohibit public read access", FSBP: true,
		Policies: []string{"s3-public-access-block"}, ConfigRule: "S3_BUCKET_PUBLIC_READ_PROHIBITED", RuleName: "s3-bucket-public-read-prohibited", Remediation: remediateBucket},
	{ID: "S3.3", Title: "S3 buckets should prohibit public write access", FSBP: true,
		Policies: []string{"s3-public-access-block"}, ConfigRule: "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", RuleName: "s3-bucket-public-write-prohibited", Remediation: remediateBucket},
	{ID: "S3.4", Title: "S3 buckets should have server-side encryption enabled", FSBP: true,
		Policies: []string{"s3-sse-kms"}, ConfigRule: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", RuleName: "s3-bucket-server-side-encryption-enabled"},
	{ID: "S3.5", Title: "S3 buckets should require requests to use Secure Socket Layer", FSBP: true,
		Policies: []string{"s3-tls-only"}, ConfigRule: "S3_BUCKET_SSL_REQUESTS_ONLY", RuleName: "s3-bucket-ssl-requests-only"},
	{ID: "S3.8", Title: "S3 Block Public Access setting should be enabled at the bucket-level", FSBP: true,
		Policies: []string{"s3-public-access-block"}, ConfigRule: "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", RuleName: "s3-bucket-level-public-access-prohibited", Remediation: remediateBucket},

	// EC2 and VPC.
	{ID: "EC2.3", Title: "Attached Amazon EBS volumes should be encrypted at-rest", FSBP: true,
		Policies: []string{"ebs-encrypted"}, ConfigRule: "ENCRYPTED_VOLUMES", RuleName: "encrypted-volumes"},
	{ID: "EC2.6", Title: "VPC flow logging should be enabled in all VPCs", FSBP: true,
		Policies: []string{"vpc-flow-logs"}, ConfigRule: "VPC_FLOW_LOGS_ENABLED", RuleName: "vpc-flow-logs-enabled"},
	{ID: "EC2.8", Title: "Amazon EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)", FSBP: true,
		Policies: []string{"imdsv2-required"}, ConfigRule: "EC2_IMDSV2_CHECK", RuleName: "ec2-imdsv2-check"},
	{ID: "EC2.18", Title: "Security groups should only allow unrestricted incoming traffic for authorized ports", FSBP: true,
		Policies:   []string{"sg-no-world-ingress", "sg-world-443-only-on-load-balancer"},
		ConfigRule: "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", RuleName: "vpc-sg-open-only-to-authorized-ports",
		Parameters: map[string]string{"authorizedTcpPorts": "443"}, Remediation: remediateSSH},

	// EKS.
	{ID: "EKS.1", Title: "EKS cluster endpoints should not be publicly accessible", FSBP: true,
		Policies: []string{"eks-private-endpoint"}, ConfigRule: "EKS_ENDPOINT_NO_PUBLIC_ACCESS", RuleName: "eks-endpoint-no-public-access"},

	// RDS (Aurora clusters).
	{ID: "RDS.7", Title: "RDS clusters should have deletion protection enabled", FSBP: true,
		Policies: []string{"data-store-protection"}, ConfigRule: "RDS_CLUSTER_DELETION_PROTECTION_ENABLED", RuleName: "rds-cluster-deletion-protection-enabled"},
	{ID: "RDS.27", Title: "RDS DB clusters should be encrypted at rest", FSBP: true,
		Policies: []string{"rds-encrypted"}, ConfigRule: "RDS_CLUSTER_ENCRYPTED_AT_REST", RuleName: "rds-cluster-encrypted-at-rest"},

	// KMS.
	{ID: "KMS.4", Title: "AWS KMS key rotation should be enabled", FSBP: true,
		Policies: []string{"kms-key-rotation"}, ConfigRule: "CMK_BACKING_KEY_ROTATION_ENABLED", RuleName: "cmk-backing-key-rotation-enabled"},

	// CloudTrail: the trail is built by components/observability; no pack
	// policy judges it yet, so these are watched after deploy only.
	{ID: "CloudTrail.2", Title: "CloudTrail should have encryption at-rest enabled", FSBP: true,
		ConfigRule: "CLOUD_TRAIL_ENCRYPTION_ENABLED", RuleName: "cloud-trail-encryption-enabled"},
	{ID: "CloudTrail.4", Title: "CloudTrail log file validation should be enabled", FSBP: true,
		ConfigRule: "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", RuleName: "cloud-trail-log-file-validation-enabled"},

	// CloudWatch: NIST SP 800-53 only, claimed at the pack's minimum.
	{ID: "CloudWatch.16", Title: "CloudWatch log groups should be retained for at least 1 year", FSBP: false,
		Policies: []string{"log-retention"}, ConfigRule: "CW_LOGGROUP_RETENTION_PERIOD_CHECK", RuleName: "cw-loggroup-retention-period-check",
		Parameters: map[string]string{"MinRetentionTime": strconv.Itoa(standards.MinLogRetentionDays)}, Remediation: remediateRetention},

	// Secrets Manager.
	{ID: "SecretsManager.4", Title: "Secrets Manager secrets should be rotated within a specified number of days", FSBP: true,
		Policies: []string{"secrets-rotation"}, ConfigRule: "SECRETSMANAGER_SECRET_PERIODIC_ROTATION", RuleName: "secretsmanager-secret-periodic-rotation",
		Parameters: map[string]string{"maxDaysSinceRotation": "90"}},

	// GuardDuty.
	{ID: "GuardDuty.1", Title: "GuardDuty should be enabled", FSBP: true,
		Policies: []string{"guardduty-enabled"}, ConfigRule: "GUARDDUTY_ENABLED_CENTRALIZED", RuleName: "guardduty-enabled-centralized"},

	// IAM (global resources).
	{ID: "IAM.1", Title: `IAM policies should not allow full "*" administrative privileges`, FSBP: true,
		Policies: []string{"iam-no-wildcard"}, ConfigRule: "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", RuleName: "iam-policy-no-statements-with-admin-access", Global: true},
	{ID: "IAM.21", Title: "IAM customer managed policies that you create should not allow wildcard actions for services", FSBP: true,
		Policies: []string{"iam-no-wildcard"}, ConfigRule: "IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS", RuleName: "iam-policy-no-statements-with-full-access", Global: true},

	// SNS: retired from FSBP in April 2024, still in NIST SP 800-53.
	{ID: "SNS.1", Title: "SNS topics should be encrypted at-rest using AWS KMS", FSBP: false,
		Policies: []string{"sns-topic-encrypted"}, ConfigRule: "SNS_ENCRYPTED_KMS", RuleName: "sns-encrypted-kms"},

	// ACM: DNS-validated certificates renew by themselves.
	{ID: "ACM.1", Title: "Imported and ACM-issued certificates should be renewed after a specified time period", FSBP: true,
		Policies: []string{"acm-dns-validation"}, ConfigRule: "ACM_CERTIFICATE_EXPIRATION_CHECK", RuleName: "acm-certificate-expiration-check",
		Parameters: map[string]string{"daysToExpiration": "14"}},
}

// All returns every claimed control, in table order. The result is a copy.
func All() []Control {
	out := make([]Control, len(table))
	for i, c := range table {
		c.Policies = slices.Clone(c.Policies)
		if c.Remediation != nil {
			r := *c.Remediation
			r.Actions = slices.Clone(r.Actions)
			c.Remediation = &r
		}
		if c.Parameters != nil {
			p := make(map[string]string, len(c.Parameters))
			for k, v := range c.Parameters {
				p[k] = v
			}
			c.Parameters = p
		}
		out[i] = c
	}
	return out
}

// Lookup returns the control with the given ID (case-insensitive).
func Lookup(id string) (Control, bool) {
	for _, c := range All() {
		if strings.EqualFold(c.ID, id) {
			return c, true
		}
	}
	return Control{}, false
}

// ForPolicy returns the controls a policy-pack policy enforces.
func ForPolicy(policy string) []Control {
	var out []Control
	for _, c := range All() {
		if slices.Contains(c.Policies, policy) {
			out = append(out, c)
		}
	}
	return out
}

// Policies returns every policy name the table cites, sorted, once each.
func Policies() []string {
	var out []string
	for _, c := range table {
		out = append(out, c.Policies...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Markdown is the table docs/policy.md embeds between its controls-table
// markers: each control, the policies that enforce it before deploy and the
// Config rule (and remediation) that watch it after.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| control | title | FSBP | enforced before deploy by | watched after deploy by (AWS Config rule) | automatic remediation |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, c := range table {
		fsbp := "yes"
		if !c.FSBP {
			fsbp = "no (NIST 800-53)"
		}
		pol := "—"
		if len(c.Policies) > 0 {
			pol = "`" + strings.Join(c.Policies, "`, `") + "`"
		}
		rule := "[`" + c.ConfigRule + "`](" + c.DocURL() + ")"
		if c.Global {
			rule += " (control-plane region)"
		}
		rem := "—"
		if r := c.Remediation; r != nil {
			rem = "`" + r.Document + "`"
			if r.Custom {
				rem = "the platform's `<region>-" + r.Document + "` document"
			}
		}
		b.WriteString("| " + c.ID + " | " + c.Title + " | " + fsbp + " | " + pol + " | " + rule + " | " + rem + " |\n")
	}
	return b.String()
}
