// Package backupplan is an AWS Backup plan of one daily rule with an
// optional cross-region copy, its service role and its selection: the
// shape both the database's and the home volumes' backups take.
package backupplan

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
)

// Args is one plan.
type Args struct {
	AccountID pulumi.StringInput
	// RuleName names the plan's one rule.
	RuleName string
	// VaultName receives the recovery points.
	VaultName pulumi.StringInput
	// Schedule is an AWS Backup cron expression (UTC).
	Schedule      string
	RetentionDays int
	// CopyVaultArn, when set, receives a copy of every recovery point.
	CopyVaultArn      pulumi.StringInput
	CopyRetentionDays int
	// RecoveryPointTags are put on every recovery point.
	RecoveryPointTags pulumi.StringMap
	// RoleDescription says what the service role backs up.
	RoleDescription string
	// Resources and Tag select what is backed up: resources matching an ARN
	// pattern AND (when set) carrying the tag (AWS Backup ANDs Resources
	// with Conditions; API_BackupSelection).
	Resources pulumi.StringArrayInput
	Tag       *Tag
}

// Tag is one tag a selected resource carries.
type Tag struct{ Key, Value string }

// New creates the plan, its role and its selection, children of parent.
func New(ctx *pulumi.Context, name string, a Args, parent pulumi.Resource, opts ...pulumi.ResourceOption) (*backup.Plan, error) {
	rule := backup.PlanRuleArgs{
		RuleName:          pulumi.String(a.RuleName),
		TargetVaultName:   a.VaultName,
		Schedule:          pulumi.String(a.Schedule),
		StartWindow:       pulumi.Int(60),
		CompletionWindow:  pulumi.Int(360),
		Lifecycle:         &backup.PlanRuleLifecycleArgs{DeleteAfter: pulumi.Int(a.RetentionDays)},
		RecoveryPointTags: a.RecoveryPointTags,
	}
	if a.CopyVaultArn != nil {
		rule.CopyActions = backup.PlanRuleCopyActionArray{backup.PlanRuleCopyActionArgs{
			DestinationVaultArn: a.CopyVaultArn,
			Lifecycle:           &backup.PlanRuleCopyActionLifecycleArgs{DeleteAfter: pulumi.Int(a.CopyRetentionDays)},
		}}
	}
	own := append([]pulumi.ResourceOption{pulumi.Parent(parent)}, opts...)
	plan, err := backup.NewPlan(ctx, name, &backup.PlanArgs{Rules: backup.PlanRuleArray{rule}}, own...)
	if err != nil {
		return nil, fmt.Errorf("backup plan %s: %w", name, err)
	}
	role, err := iam.NewRole(ctx, name+"-backup", &iam.RoleArgs{
		Description:      pulumi.String(a.RoleDescription),
		AssumeRolePolicy: policydoc.AssumedBy("backup.amazonaws.com", a.AccountID),
		ManagedPolicyArns: pulumi.ToStringArray([]string{
			"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
			"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
		}),
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("backup plan %s: %w", name, err)
	}
	sel := &backup.SelectionArgs{PlanId: plan.ID(), IamRoleArn: role.Arn, Resources: a.Resources}
	if a.Tag != nil {
		sel.Conditions = backup.SelectionConditionArray{backup.SelectionConditionArgs{
			StringEquals: backup.SelectionConditionStringEqualArray{backup.SelectionConditionStringEqualArgs{
				Key: pulumi.String("aws:ResourceTag/" + a.Tag.Key), Value: pulumi.String(a.Tag.Value),
			}},
		}}
	}
	if _, err := backup.NewSelection(ctx, name, sel, append([]pulumi.ResourceOption{pulumi.Parent(plan)}, opts...)...); err != nil {
		return nil, fmt.Errorf("backup selection %s: %w", name, err)
	}
	return plan, nil
}
