package coder

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/workloads"
)

// readSecrets lets a role read exactly the given secrets and decrypt them
// through Secrets Manager only.
func (c *Coder) readSecrets(secrets ...*smSecret) policydoc.Document {
	arns := pulumi.StringArray{}
	for _, s := range secrets {
		arns = append(arns, s.secret.Arn)
	}
	if len(arns) == 0 {
		return nil
	}
	return policydoc.Document{
		{Sid: "ReadOwnSecrets", Actions: []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, Resources: arns},
		{Sid: "DecryptOwnSecrets", Actions: []string{"kms:Decrypt"}, Resources: pulumi.StringArray{c.args.Keys.Secrets},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{
				"kms:ViaService": pulumi.Sprintf("secretsmanager.%s.amazonaws.com", c.args.Region),
			}}},
	}
}

// readMasterSecret lets the database bootstrap read the RDS master secret.
func (c *Coder) readMasterSecret(arn pulumi.StringOutput) policydoc.Document {
	return policydoc.Document{
		{Sid: "ReadMasterSecret", Actions: []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			Resources: pulumi.StringArray{arn}},
		{Sid: "DecryptMasterSecret", Actions: []string{"kms:Decrypt"}, Resources: pulumi.StringArray{c.args.Keys.Secrets},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{
				"kms:ViaService": pulumi.Sprintf("secretsmanager.%s.amazonaws.com", c.args.Region),
			}}},
	}
}

// identity is one workload's pod identity: an IRSA role trusting exactly
// the service account ns/sa, and that service account, annotated with it.
func (c *Coder) identity(ctx *pulumi.Context, suffix, ns, sa, description string, doc policydoc.Document) (pulumi.StringOutput, *corev1.ServiceAccount, error) {
	role, err := irsa.NewRole(ctx, fmt.Sprintf("%s-%s", c.name, suffix), irsa.RoleArgs{
		OIDC: c.args.Cluster.OIDC, ServiceAccount: policydoc.ServiceAccount{Namespace: ns, Name: sa},
		Description: description, Policy: doc,
	}, c)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	account, err := c.serviceAccount(ctx, ns, sa, role.Arn)
	return role.Arn, account, err
}

// serverPolicy is CoderServerRole's policy: its own secrets, and
// rds-db:connect as its own database user only.
func (c *Coder) serverPolicy(own ...*smSecret) policydoc.Document {
	doc := c.readSecrets(own...)
	if db := c.args.Database; db != nil && db.Auth == workloads.PgAuthIAM {
		doc = append(doc, policydoc.Statement{
			Sid:     "ConnectAsCoderUser",
			Actions: []string{"rds-db:connect"},
			Resources: pulumi.StringArray{pulumi.Sprintf("arn:aws:rds-db:%s:%s:dbuser:%s/%s",
				c.args.Region, c.args.AccountID, db.ClusterResourceID, db.User)},
		})
	}
	return doc
}

// provisionerPolicy is CoderProvRole: what the templates' Terraform needs to
// run EC2 workspaces in the workspace subnets, passing only the workspace
// instance role. Kubernetes workspaces are granted through RBAC instead.
func (c *Coder) provisionerPolicy(key *smSecret) policydoc.Document {
	a := c.args
	arn := func(res string) pulumi.StringOutput {
		return pulumi.Sprintf("arn:aws:ec2:%s:%s:%s", a.Region, a.AccountID, res)
	}
	provisioned := pulumi.Map{"StringEquals": pulumi.Map{"aws:RequestTag/Coder_Provisioned": pulumi.String("true")}}
	owned := pulumi.Map{"StringEquals": pulumi.Map{"ec2:ResourceTag/Coder_Provisioned": pulumi.String("true")}}
	doc := c.readSecrets(key)
	doc = append(doc,
		policydoc.Statement{Sid: "DescribeForTerraform", Actions: []string{
			"ec2:DescribeAvailabilityZones", "ec2:DescribeImages", "ec2:DescribeInstanceAttribute",
			"ec2:DescribeInstanceCreditSpecifications", "ec2:DescribeInstanceStatus", "ec2:DescribeInstanceTypes",
			"ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups",
			"ec2:DescribeSubnets", "ec2:DescribeTags", "ec2:DescribeVolumes", "ec2:DescribeVpcs",
		}},
		// Instances and volumes are tagged as they are created (the
		// templates' provider default_tags); RunInstances is authorized per
		// resource it creates, and Terraform sends no tags for the ENI, so
		// the ENI is bound to the workspace VPC instead.
		policydoc.Statement{Sid: "LaunchTaggedWorkspaces", Actions: []string{"ec2:RunInstances", "ec2:CreateVolume"},
			Resources: pulumi.StringArray{arn("instance/*"), arn("volume/*")}, Condition: provisioned},
		policydoc.Statement{Sid: "LaunchInterfacesInWorkspaceVpc", Actions: []string{"ec2:RunInstances"},
			Resources: pulumi.StringArray{arn("network-interface/*")},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"ec2:Vpc": pulumi.Sprintf("arn:aws:ec2:%s:%s:vpc/%s", a.Region, a.AccountID, a.Workspaces.VpcID)}}},
		policydoc.Statement{Sid: "LaunchIntoWorkspaceSubnets", Actions: []string{"ec2:RunInstances"},
			Resources: pulumi.StringArray{arn("subnet/*")},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"ec2:Vpc": pulumi.Sprintf("arn:aws:ec2:%s:%s:vpc/%s", a.Region, a.AccountID, a.Workspaces.VpcID)}}},
		policydoc.Statement{Sid: "LaunchWithWorkspaceGroup", Actions: []string{"ec2:RunInstances"},
			Resources: pulumi.StringArray{pulumi.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", a.Region, a.AccountID, a.Workspaces.SecurityGroupID)}},
		policydoc.Statement{Sid: "LaunchFromTrustedImages", Actions: []string{"ec2:RunInstances"},
			Resources: pulumi.StringArray{pulumi.Sprintf("arn:aws:ec2:%s::image/*", a.Region)},
			// Amazon and Canonical publish the bases' AMIs.
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"ec2:Owner": pulumi.ToStringArray([]string{"amazon", "099720109477"})}}},
		policydoc.Statement{Sid: "TagOnLaunch", Actions: []string{"ec2:CreateTags"},
			Resources: pulumi.StringArray{arn("instance/*"), arn("volume/*"), arn("network-interface/*")},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"ec2:CreateAction": pulumi.ToStringArray([]string{"RunInstances", "CreateVolume"})}}},
		// ModifyVolume: a larger disk_gib resizes the home volume. Tags of
		// its own instances and volumes may change after launch (Terraform
		// applies root_block_device tags with CreateTags), but never the
		// Coder_Provisioned key that scopes all of this.
		policydoc.Statement{Sid: "ManageOwnWorkspaces", Actions: []string{
			"ec2:AttachVolume", "ec2:DeleteVolume", "ec2:DetachVolume", "ec2:ModifyInstanceAttribute", "ec2:ModifyVolume",
			"ec2:RebootInstances", "ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances",
			"ec2:CreateTags", "ec2:DeleteTags",
		}, Resources: pulumi.StringArray{arn("instance/*"), arn("volume/*")}, Condition: owned},
		policydoc.Statement{Sid: "NeverRemoveTheProvisionedTag", Deny: true, Actions: []string{"ec2:DeleteTags"},
			Resources: pulumi.StringArray{arn("*")},
			Condition: pulumi.Map{"ForAnyValue:StringEquals": pulumi.Map{"aws:TagKeys": pulumi.ToStringArray([]string{"Coder_Provisioned"})}}},
		policydoc.Statement{Sid: "NeverChangeTheProvisionedTag", Deny: true, Actions: []string{"ec2:CreateTags"},
			Resources: pulumi.StringArray{arn("*")},
			Condition: pulumi.Map{
				"ForAnyValue:StringEquals": pulumi.Map{"aws:TagKeys": pulumi.ToStringArray([]string{"Coder_Provisioned"})},
				"StringNotEquals":          pulumi.Map{"aws:RequestTag/Coder_Provisioned": pulumi.String("true")},
			}},
		policydoc.Statement{Sid: "PassWorkspaceRoleOnly", Actions: []string{"iam:PassRole"},
			Resources: pulumi.StringArray{c.wsRole},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"iam:PassedToService": pulumi.String("ec2.amazonaws.com")}}},
		policydoc.Statement{Sid: "EncryptWorkspaceVolumes", Actions: []string{"kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext"},
			Resources: pulumi.StringArray{a.Keys.EBS},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"kms:ViaService": pulumi.Sprintf("ec2.%s.amazonaws.com", a.Region)}}},
		policydoc.Statement{Sid: "ResolvePublicAmis", Actions: []string{"ssm:GetParameter", "ssm:GetParameters"},
			Resources: pulumi.StringArray{pulumi.Sprintf("arn:aws:ssm:%s::parameter/aws/service/*", a.Region)}},
	)
	return doc
}

// createWorkspaceIdentity creates the instance role EC2 workspaces run as.
// It holds no permissions: the agent authenticates with the instance
// identity document, and templates add their own policies knowingly.
func (c *Coder) createWorkspaceIdentity(ctx *pulumi.Context) error {
	role, err := iam.NewRole(ctx, c.name+"-ws-instance", &iam.RoleArgs{
		Name:             pulumi.String(c.name + "-ws-instance"),
		Description:      pulumi.String("EC2 workspaces (no permissions; the Coder agent uses instance identity)"),
		AssumeRolePolicy: policydoc.AssumedByNoCondition("ec2.amazonaws.com"),
	}, pulumi.Parent(c))
	if err != nil {
		return err
	}
	profile, err := iam.NewInstanceProfile(ctx, c.name+"-ws-instance", &iam.InstanceProfileArgs{
		Name: role.Name, Role: role.Name,
	}, pulumi.Parent(role))
	if err != nil {
		return err
	}
	c.wsRole = role.Arn
	c.wsRoleName = role.Name
	c.WorkspaceInstanceProfile = profile.Name
	// Pod workspaces run as one IRSA service account with no permissions,
	// the Kubernetes twin of the instance role.
	ws := workloads.NamespaceWorkspaces
	_, _, err = c.identity(ctx, "ws-pod", ws, WorkspaceServiceAccount, "Kubernetes workspaces (no permissions; templates add their own knowingly)", nil)
	return err
}

// WorkspaceServiceAccount is the service account pod workspaces run as.
const WorkspaceServiceAccount = "coder-workspace"
