package registry

import (
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
)

// createRole is the role ECR assumes to create repositories from a
// creation template that sets a KMS key: a template with KMS encryption or
// tags needs a custom role (CreateRepositoryCreationTemplate customRoleArn;
// "Create a custom policy for repository creation templates" and "Create an
// IAM role for repository creation templates", Amazon ECR User Guide: trust
// ecr.amazonaws.com; ecr:CreateRepository, ecr:ReplicateImage,
// ecr:TagResource; kms:CreateGrant, kms:RetireGrant, kms:DescribeKey). The
// guide's trust policy has no source-account condition, so none is added.
// Here it is scoped to the templates' namespaces and the region's key.
func (g *Registry) createRole(ctx *pulumi.Context) error {
	a := g.args
	namespaces := g.templatePrefixes()
	if len(namespaces) == 0 {
		return nil
	}
	repos := pulumi.StringArray{}
	for _, ns := range namespaces {
		repos = append(repos, pulumi.Sprintf("arn:aws:ecr:%s:%s:repository/%s/*", a.Region, a.AccountID, ns))
	}
	role, err := iam.NewRole(ctx, g.name+"-ecr-create", &iam.RoleArgs{
		Description:      pulumi.Sprintf("ECR creates %s's cached and replicated repositories, KMS-encrypted", a.Stack),
		AssumeRolePolicy: policydoc.AssumedByNoCondition("ecr.amazonaws.com"),
	}, pulumi.Parent(g))
	if err != nil {
		return err
	}
	policy, err := iam.NewRolePolicy(ctx, g.name+"-ecr-create", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: policydoc.Document{
			{Sid: "CreateTemplatedRepositories", Actions: []string{"ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"},
				Resources: repos},
			{Sid: "EncryptWithRegistryKey", Actions: []string{"kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"},
				Resources: pulumi.StringArray{a.KeyArn.ToStringOutput()}},
		}.JSON(),
	}, pulumi.Parent(role))
	if err != nil {
		return err
	}
	g.role, g.rolePolicy = role.Arn, policy
	return nil
}

// templatePrefixes are the namespaces a creation template covers: every
// cache rule's prefix, and the namespaces of the replicas this region
// receives.
func (g *Registry) templatePrefixes() []string {
	seen := map[string]bool{}
	for _, u := range g.activeUpstreams() {
		seen[u.Prefix] = true
	}
	for _, r := range g.args.Replicas {
		if ns := namespace(r); ns != "" {
			seen[ns] = true
		}
	}
	out := make([]string, 0, len(seen))
	for ns := range seen {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}
