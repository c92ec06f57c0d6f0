package stacks

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/stacks/config"
)

// The keys of the default tags.
const (
	TagProject    = "project"
	TagStack      = "stack"
	TagRegion     = "region"
	TagOwner      = "owner"
	TagCostCenter = "cost-center"
	TagManagedBy  = "managed-by"
)

// CostAllocationTags are the default tags the stack activates as cost
// allocation tags (costcontrol): what Cost Explorer and Budgets group and
// filter the bill by. region and managed-by are left out: the bill has a
// region dimension of its own, and every resource is managed by Pulumi.
var CostAllocationTags = []string{TagProject, TagStack, TagCostCenter, TagOwner}

// DefaultTags returns the tags every AWS resource of a region carries.
func DefaultTags(cfg *config.Plan, region string) map[string]string {
	return map[string]string{
		TagProject:    cfg.Project,
		TagStack:      cfg.Name,
		TagRegion:     region,
		TagOwner:      cfg.Tags.Owner,
		TagCostCenter: cfg.Tags.CostCenter,
		TagManagedBy:  "pulumi",
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
