package state

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/tokens"
)

// GitHubIssuer is the OIDC issuer of GitHub Actions' tokens; its
// audience for AWS is sts.amazonaws.com ("Configuring OpenID Connect in
// Amazon Web Services", GitHub docs). AWS trusts its certificate through
// its own CA library, so the provider needs no thumbprint.
const GitHubIssuer = "token.actions.githubusercontent.com"

// DeployServices are the IAM service prefixes of everything the stacks
// manage (a test checks them against every AWS resource type both stacks
// register). The deploy role may do anything in them, but only on ARNs
// of its own account.
var DeployServices = []string{
	"acm", "aps", "autoscaling", "backup", "budgets", "ce", "cloudtrail", "cloudwatch", "ec2", "eks", "elasticloadbalancing",
	"events", "kms", "lambda", "logs", "rds", "route53", "secretsmanager", "sns",
	"config", "guardduty", "securityhub", "access-analyzer", "ssm", "ecr",
}

// DeployCreateActions are creations whose API takes no resource ARN
// ("Actions, resources, and condition keys" of each service), so they
// are granted on "*" by name.
var DeployCreateActions = []string{
	"acm:RequestCertificate", "aps:CreateWorkspace", "backup:CreateBackupPlan", "backup:CreateBackupVault",
	"ec2:CreateTags", "eks:CreateCluster", "kms:CreateKey", "kms:CreateAlias", "route53:CreateHostedZone",
	"route53:ChangeResourceRecordSets", "route53:GetChange", "secretsmanager:GetRandomPassword",
	// Cost controls: activating cost allocation tags names no resource.
	"ce:UpdateCostAllocationTagsStatus", "ce:ListCostAllocationTags",
	// Security monitoring: a region's one detector, recorder and delivery
	// channel have no resource type in the Service Authorization Reference
	// (Amazon GuardDuty; AWS Config).
	"guardduty:CreateDetector", "config:PutConfigurationRecorder", "config:StartConfigurationRecorder",
	"config:StopConfigurationRecorder", "config:PutDeliveryChannel", "config:DeleteConfigurationRecorder",
	"config:DeleteDeliveryChannel",
}

// GitHubArgs are the GitHub Actions identities of one account.
type GitHubArgs struct {
	AccountID pulumi.StringInput
	// Repository is "owner/name"; Environment the GitHub environment whose
	// jobs may deploy; Branch the default branch (scheduled runs).
	Repository, Environment, Branch string
	// StatePolicyArn grants the state bucket and secrets key (the deploy
	// role gets it whole); the preview role gets a read-only share.
	StatePolicyArn          pulumi.StringInput
	BucketArn               pulumi.StringInput
	StateKeyArn, SecretsKey pulumi.StringInput
	// PreviewSecrets are secret names a preview reads (GetSecretValue).
	PreviewSecrets []string
	Tags           pulumi.StringMap
}

// GitHub is the OIDC provider and the two roles.
type GitHub struct {
	pulumi.ResourceState

	PreviewRoleArn pulumi.StringOutput `pulumi:"previewRoleArn"`
	DeployRoleArn  pulumi.StringOutput `pulumi:"deployRoleArn"`
}

// NewGitHub creates the provider and the preview and deploy roles, each
// trusted by exactly the repository's jobs that need it.
func NewGitHub(ctx *pulumi.Context, name string, a *GitHubArgs, opts ...pulumi.ResourceOption) (*GitHub, error) {
	g := &GitHub{}
	if err := ctx.RegisterComponentResourceV2(tokens.GitHub, name, pulumi.Map{
		"repository": pulumi.String(a.Repository), "environment": pulumi.String(a.Environment),
	}, g, opts...); err != nil {
		return nil, err
	}
	wrap := func(err error) error { return fmt.Errorf("github %s: %w", name, err) }
	provider, err := iam.NewOpenIdConnectProvider(ctx, name, &iam.OpenIdConnectProviderArgs{
		Url:           pulumi.String("https://" + GitHubIssuer),
		ClientIdLists: pulumi.ToStringArray([]string{"sts.amazonaws.com"}),
		Tags:          a.Tags,
	}, pulumi.Parent(g))
	if err != nil {
		return nil, wrap(err)
	}
	repo := "repo:" + a.Repository
	// Pull requests and the default branch's scheduled checks preview.
	preview, err := g.role(ctx, name+"-preview", "GitHub Actions: previews, drift and readiness checks of "+a.Repository,
		provider, []string{repo + ":pull_request", repo + ":ref:refs/heads/" + a.Branch}, a.Tags)
	if err != nil {
		return nil, wrap(err)
	}
	// Only jobs of the protected environment deploy.
	deploy, err := g.role(ctx, name+"-deploy", "GitHub Actions: deploys of "+a.Repository+" from environment "+a.Environment,
		provider, []string{repo + ":environment:" + a.Environment}, a.Tags)
	if err != nil {
		return nil, wrap(err)
	}
	readOnly := pulumi.String("arn:aws:iam::aws:policy/ReadOnlyAccess")
	for _, att := range []struct {
		name string
		role *iam.Role
		arn  pulumi.StringInput
	}{
		{name + "-preview-read", preview, readOnly},
		{name + "-deploy-read", deploy, readOnly},
		{name + "-deploy-state", deploy, a.StatePolicyArn},
	} {
		if _, err := iam.NewRolePolicyAttachment(ctx, att.name, &iam.RolePolicyAttachmentArgs{Role: att.role.Name, PolicyArn: att.arn},
			pulumi.Parent(att.role)); err != nil {
			return nil, wrap(err)
		}
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-preview", &iam.RolePolicyArgs{Role: preview.Name, Policy: previewState(a).JSON()},
		pulumi.Parent(preview)); err != nil {
		return nil, wrap(err)
	}
	protect := pulumi.StringArray{provider.Arn, preview.Arn, deploy.Arn}
	if _, err := iam.NewRolePolicy(ctx, name+"-deploy", &iam.RolePolicyArgs{Role: deploy.Name, Policy: deployServices(a, protect).JSON()},
		pulumi.Parent(deploy)); err != nil {
		return nil, wrap(err)
	}
	g.PreviewRoleArn, g.DeployRoleArn = preview.Arn, deploy.Arn
	return g, ctx.RegisterResourceOutputs(g, pulumi.Map{"previewRoleArn": g.PreviewRoleArn, "deployRoleArn": g.DeployRoleArn})
}

// role is a role GitHub's tokens for exactly these subjects may assume.
func (g *GitHub) role(ctx *pulumi.Context, name, description string, provider *iam.OpenIdConnectProvider, subjects []string, tags pulumi.StringMap) (*iam.Role, error) {
	trust := policydoc.Document{{
		Principal: pulumi.Map{"Federated": provider.Arn},
		Actions:   []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: pulumi.Map{"StringEquals": pulumi.Map{
			GitHubIssuer + ":aud": pulumi.String("sts.amazonaws.com"),
			GitHubIssuer + ":sub": pulumi.ToStringArray(subjects),
		}},
	}}
	return iam.NewRole(ctx, name, &iam.RoleArgs{
		Description: pulumi.String(description), AssumeRolePolicy: trust.JSON(), MaxSessionDuration: pulumi.Int(4 * 3600), Tags: tags,
	}, pulumi.Parent(g))
}

// previewState reads the state and writes only lock objects (a refresh
// locks the stack), decrypts the stack's secrets, and reads the secrets
// the program looks up (ReadOnlyAccess reads no secret value).
func previewState(a *GitHubArgs) policydoc.Document {
	doc := policydoc.Document{
		{Sid: "ListState", Actions: []string{"s3:ListBucket"}, Resources: pulumi.StringArray{a.BucketArn}},
		{Sid: "ReadState", Actions: []string{"s3:GetObject"}, Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", a.BucketArn)}},
		{Sid: "LockState", Actions: []string{"s3:PutObject", "s3:DeleteObject"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s/.pulumi/locks/*", a.BucketArn)}},
		{Sid: "StateKey", Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resources: pulumi.StringArray{a.StateKeyArn}},
		{Sid: "SecretsProviderKey", Actions: []string{"kms:Decrypt"}, Resources: pulumi.StringArray{a.SecretsKey}},
	}
	if len(a.PreviewSecrets) > 0 {
		var arns pulumi.StringArray
		for _, name := range a.PreviewSecrets {
			// Secrets Manager appends "-" and six characters to the name.
			arns = append(arns, pulumi.Sprintf("arn:aws:secretsmanager:*:%s:secret:%s-??????", a.AccountID, name))
		}
		doc = append(doc,
			policydoc.Statement{Sid: "PreviewSecrets", Actions: []string{"secretsmanager:GetSecretValue"}, Resources: arns},
			policydoc.Statement{Sid: "PreviewSecretsKeys", Actions: []string{"kms:Decrypt"},
				Condition: pulumi.Map{"StringLike": pulumi.Map{"kms:ViaService": pulumi.String("secretsmanager.*.amazonaws.com")}}})
	}
	return doc
}

// deployServices: every action of the stack's services on the account's
// own ARNs (and IAM's, S3's coder-* buckets, Route 53's), plus the named
// creations that take no ARN; never on the CI identities, never
// AdministratorAccess.
func deployServices(a *GitHubArgs, protect pulumi.StringArray) policydoc.Document {
	var actions []string
	var resources pulumi.StringArray
	for _, svc := range DeployServices {
		actions = append(actions, svc+":*")
		switch svc {
		case "route53":
			resources = append(resources, pulumi.String("arn:aws:route53:::*"))
		default:
			resources = append(resources, pulumi.Sprintf("arn:aws:%s:*:%s:*", svc, a.AccountID))
		}
	}
	return policydoc.Document{
		{Sid: "StackServices", Actions: actions, Resources: resources},
		{Sid: "StackIdentities", Actions: []string{"iam:*"}, Resources: pulumi.StringArray{
			pulumi.Sprintf("arn:aws:iam::%s:role/*", a.AccountID), pulumi.Sprintf("arn:aws:iam::%s:policy/*", a.AccountID),
			pulumi.Sprintf("arn:aws:iam::%s:instance-profile/*", a.AccountID), pulumi.Sprintf("arn:aws:iam::%s:oidc-provider/*", a.AccountID),
		}},
		// The stacks' buckets are all named coder-<stack>-<region>-...
		{Sid: "StackBuckets", Actions: []string{"s3:*"}, Resources: pulumi.StringArray{pulumi.String("arn:aws:s3:::coder-*"), pulumi.String("arn:aws:s3:::coder-*/*")}},
		{Sid: "CreationsWithoutArn", Actions: DeployCreateActions},
		// iam:* on the account's roles could rewrite the CI identities
		// themselves or hand out AdministratorAccess: denied, whatever else
		// allows it.
		{Sid: "ProtectCIIdentities", Deny: true, Actions: []string{"iam:*"}, Resources: protect},
		{Sid: "NoAdministratorAccess", Deny: true,
			Actions:   []string{"iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:PutRolePermissionsBoundary"},
			Condition: pulumi.Map{"ArnEquals": pulumi.Map{"iam:PolicyARN": pulumi.String("arn:aws:iam::aws:policy/AdministratorAccess")}}},
	}
}
