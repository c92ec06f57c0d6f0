// Package irsa creates IAM roles for Kubernetes service accounts: each role
// trusts exactly one service account through the cluster's OIDC provider.
package irsa

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
)

// OIDC identifies a cluster's IAM OIDC provider.
type OIDC struct {
	ProviderArn pulumi.StringInput
	IssuerURL   pulumi.StringInput
}

// RoleArgs describes one pod identity.
type RoleArgs struct {
	OIDC           OIDC
	ServiceAccount policydoc.ServiceAccount
	Description    string
	// ManagedPolicyArns are AWS-managed policies to attach.
	ManagedPolicyArns []string
	// Policy is the inline least-privilege policy (optional).
	Policy policydoc.Document
}

// NewRole creates the role, its inline policy and attachments as children of
// parent.
func NewRole(ctx *pulumi.Context, name string, args RoleArgs, parent pulumi.Resource) (*iam.Role, error) {
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String(args.Description),
		AssumeRolePolicy: policydoc.IRSATrust(args.OIDC.ProviderArn, args.OIDC.IssuerURL, args.ServiceAccount),
		Tags: pulumi.StringMap{
			"Name":                  pulumi.String(name),
			"coder:service-account": pulumi.String(args.ServiceAccount.Namespace + "/" + args.ServiceAccount.Name),
		},
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("irsa %s: %w", name, err)
	}
	for i, arn := range args.ManagedPolicyArns {
		if _, err := iam.NewRolePolicyAttachment(ctx, fmt.Sprintf("%s-%d", name, i), &iam.RolePolicyAttachmentArgs{
			Role: role.Name, PolicyArn: pulumi.String(arn),
		}, pulumi.Parent(role)); err != nil {
			return nil, fmt.Errorf("irsa %s: %w", name, err)
		}
	}
	if len(args.Policy) > 0 {
		if _, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{
			Role: role.Name, Policy: args.Policy.JSON(),
		}, pulumi.Parent(role)); err != nil {
			return nil, fmt.Errorf("irsa %s: %w", name, err)
		}
	}
	return role, nil
}

// AnnotationKey is the service-account annotation EKS reads for IRSA.
const AnnotationKey = "eks.amazonaws.com/role-arn"
