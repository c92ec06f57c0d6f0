package registry

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/registry/imageref"
)

// CredentialName is the secret of one upstream's credential in a stack.
func CredentialName(stack, prefix string) string {
	return fmt.Sprintf("%s%s/%s", imageref.CredentialPrefix, stack, prefix)
}

// credentialRotationDays: a registry token is issued outside AWS and
// rotated by hand (docs/images.md).
const credentialRotationDays = coder.ManualRotationDays

// activeUpstreams are the upstreams a rule is created for: those that need
// no credential, and those whose credential holds a value.
func (g *Registry) activeUpstreams() []imageref.Upstream {
	var out []imageref.Upstream
	for _, u := range g.args.Upstreams {
		if !u.Credential || g.args.CredentialsReady[u.Prefix] {
			out = append(out, u)
		}
	}
	return out
}

// createCaches creates, per upstream, its credential secret when it needs
// one, its creation template (KMS, the region's key) and its rule.
func (g *Registry) createCaches(ctx *pulumi.Context) error {
	a := g.args
	for _, u := range a.Upstreams {
		var credential pulumi.StringPtrInput
		if u.Credential {
			s, err := g.credential(ctx, u)
			if err != nil {
				return err
			}
			if !a.CredentialsReady[u.Prefix] {
				g.Pending = append(g.Pending, u.Hosts...)
				continue
			}
			credential = s.Arn.ToStringPtrOutput()
		}
		tpl, err := g.template(ctx, u.Prefix, "PULL_THROUGH_CACHE",
			fmt.Sprintf("Images cached from %s", u.URL))
		if err != nil {
			return err
		}
		rule, err := ecr.NewPullThroughCacheRule(ctx, g.name+"-cache-"+u.Prefix, &ecr.PullThroughCacheRuleArgs{
			EcrRepositoryPrefix: pulumi.String(u.Prefix),
			UpstreamRegistryUrl: pulumi.String(u.URL),
			CredentialArn:       credential,
		}, pulumi.Parent(g), pulumi.DependsOn([]pulumi.Resource{tpl}))
		if err != nil {
			return err
		}
		g.Ready = append(g.Ready, tpl, rule)
	}
	slices.Sort(g.Pending)
	return nil
}

// credential is the Secrets Manager secret an operator puts the upstream's
// user name and access token in (a JSON object {"username", "accessToken"},
// "Storing your upstream repository credentials in an AWS Secrets Manager
// secret"). It has no kmsKeyId: that page says "You must use the default
// aws/secretsmanager encryption key to encrypt your secret", the one
// secret of the stack not on the region's secrets key (the policy pack's
// pull-through-credential-key reports it).
func (g *Registry) credential(ctx *pulumi.Context, u imageref.Upstream) (*secretsmanager.Secret, error) {
	a := g.args
	return secretsmanager.NewSecret(ctx, g.name+"-cache-"+u.Prefix+"-credential", &secretsmanager.SecretArgs{
		Name:                 pulumi.String(CredentialName(a.Stack, u.Prefix)),
		Description:          pulumi.Sprintf("%s credential of the ECR pull through cache rule %s/ (username, accessToken)", u.URL, u.Prefix),
		RecoveryWindowInDays: pulumi.Int(30),
		Tags: pulumi.StringMap{
			coder.RotationTag: pulumi.String("manual"), coder.RotationDaysTag: pulumi.String(fmt.Sprint(credentialRotationDays)),
			coder.OwnerTag: pulumi.String("platform"), coder.RunbookTag: pulumi.String("docs/images.md#upstream-credentials"),
			"coder:purpose": pulumi.String("ecr-pull-through-cache"),
		},
	}, pulumi.Parent(g), pulumi.Protect(true))
}

// template makes the repositories ECR creates under prefix KMS-encrypted
// with the region's key, through the custom role. Their tags are mutable
// like their sources' (a cache follows its upstream's tag, a replica its
// control-plane repository's); every workload pulls by digest.
func (g *Registry) template(ctx *pulumi.Context, prefix, appliedFor, description string) (*ecr.RepositoryCreationTemplate, error) {
	a := g.args
	return ecr.NewRepositoryCreationTemplate(ctx, fmt.Sprintf("%s-template-%s", g.name, slug(prefix)), &ecr.RepositoryCreationTemplateArgs{
		Prefix:      pulumi.String(prefix),
		AppliedFors: pulumi.ToStringArray([]string{appliedFor}),
		Description: pulumi.String(description),
		EncryptionConfigurations: ecr.RepositoryCreationTemplateEncryptionConfigurationArray{
			ecr.RepositoryCreationTemplateEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS"), KmsKey: a.KeyArn},
		},
		ImageTagMutability: pulumi.String(tagMutability),
		CustomRoleArn:      g.role.ToStringPtrOutput(),
	}, pulumi.Parent(g))
}
