package stacks

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/stacks/config"
)

// DefaultTags returns the tags every AWS resource of a region carries.
func DefaultTags(cfg *config.Plan, region string) map[string]string {
	return map[string]string{
		"project":     cfg.Project,
		"stack":       cfg.Name,
		"region":      region,
		"owner":       cfg.Tags.Owner,
		"cost-center": cfg.Tags.CostCenter,
		"managed-by":  "pulumi",
	}
}

// newAWSProvider is the explicit provider of one region; nothing in the
// program uses the default provider, so a stray aws:region never matters.
func newAWSProvider(ctx *pulumi.Context, cfg *config.Plan, region string, parent pulumi.Resource) (*aws.Provider, error) {
	var opts []pulumi.ResourceOption
	if parent != nil {
		opts = append(opts, pulumi.Parent(parent))
	}
	return aws.NewProvider(ctx, "aws-"+region, &aws.ProviderArgs{
		Region:      pulumi.String(region),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(DefaultTags(cfg, region))},
	}, opts...)
}
