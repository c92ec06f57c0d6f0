// Package program is the bootstrap project's Pulumi program: the state
// backend of one AWS account, which the main project's stacks log in to.
// bootstrap/main.go runs it under the engine; `platform preview --project
// bootstrap` runs it under the mock monitor.
package program

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/state"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Project is the bootstrap project's name (bootstrap/Pulumi.yaml).
const Project = "coder-platform-bootstrap"

// AliasPrefix names the backend's KMS keys: alias/coder-platform-state/<purpose>.
const AliasPrefix = "coder-platform-state"

// Options are hooks for callers other than the engine.
type Options struct {
	// Config, when set, is used instead of loading the stack config.
	Config *config.Bootstrap
}

// Program is the Pulumi program of the bootstrap project.
func Program(opts Options) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		cfg := opts.Config
		if cfg == nil {
			var err error
			if cfg, err = config.LoadBootstrap(ctx.Project(), ctx.Stack(), stacks.ContextSource(ctx)); err != nil {
				_ = ctx.Log.Error(err.Error(), nil)
				return err
			}
		}
		return Deploy(ctx, cfg)
	}
}

// Deploy registers the state backend and exports what the README's next
// steps (pulumi login, stack init) take.
func Deploy(ctx *pulumi.Context, cfg *config.Bootstrap) error {
	primary, err := provider(ctx, cfg, cfg.Region)
	if err != nil {
		return err
	}
	replica, err := provider(ctx, cfg, cfg.ReplicaRegion)
	if err != nil {
		return err
	}
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, pulumi.Provider(primary)).AccountId()
	b, err := state.NewBackend(ctx, "state", &state.BackendArgs{
		Region: cfg.Region, ReplicaRegion: cfg.ReplicaRegion, ReplicaProvider: replica,
		AccountID: account, AliasPrefix: AliasPrefix,
		NoncurrentVersionDays: cfg.NoncurrentVersionDays, AccessLogRetentionDays: cfg.AccessLogRetentionDays,
		DeployerRoleArns: cfg.DeployerRoleArns,
	}, pulumi.Providers(primary))
	if err != nil {
		return err
	}
	ctx.Export("stateBucket", b.BucketName)
	ctx.Export("replicaBucket", b.ReplicaBucketName)
	ctx.Export("loginUrl", b.LoginURL)
	ctx.Export("secretsProvider", b.SecretsProvider)
	ctx.Export("deployerPolicyArn", b.DeployerPolicyArn)
	if g := cfg.GitHub; g != nil {
		gh, err := state.NewGitHub(ctx, "github", &state.GitHubArgs{
			AccountID: account, Repository: g.Repository, Environment: g.Environment, Branch: g.Branch, PreviewSecrets: g.PreviewSecrets,
			StatePolicyArn: b.DeployerPolicyArn, BucketArn: b.BucketArn, StateKeyArn: b.StateKeyArn, SecretsKey: b.SecretsKeyArn,
		}, pulumi.Providers(primary))
		if err != nil {
			return err
		}
		ctx.Export("githubPreviewRoleArn", gh.PreviewRoleArn)
		ctx.Export("githubDeployRoleArn", gh.DeployRoleArn)
	}
	return nil
}

// provider is the explicit provider of one region, tagging every resource.
func provider(ctx *pulumi.Context, cfg *config.Bootstrap, region string) (*aws.Provider, error) {
	return aws.NewProvider(ctx, "aws-"+region, &aws.ProviderArgs{
		Region: pulumi.String(region),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(map[string]string{
			"project": cfg.Project, "stack": cfg.Name, "region": region,
			"owner": cfg.Tags.Owner, "cost-center": cfg.Tags.CostCenter, "managed-by": "pulumi",
		})},
	})
}
