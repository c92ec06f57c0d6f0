// Package resilience keeps users' work through the loss of a zone, a
// region or data: the AWS Backup plan of the workspaces' home volumes and
// the restore of one home volume from a recovery point.
package resilience

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/backupplan"
	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/components/workloads"
)

// HomeBackupArgs is the backup of one region's workspace home volumes.
type HomeBackupArgs struct {
	Region    string
	AccountID pulumi.StringInput
	// VaultName is an existing vault of the region (the database's, in the
	// control plane); when empty the component creates one encrypted with
	// VaultKeyArn.
	VaultName   pulumi.StringInput
	VaultKeyArn pulumi.StringInput
	// Schedule is an AWS Backup cron expression (UTC).
	Schedule      string
	RetentionDays int
	// CopyVaultArn, when set, receives a copy of every recovery point in
	// another region.
	CopyVaultArn      pulumi.StringInput
	CopyRetentionDays int
	// AlarmTopicArn hears of every backup or copy job of the region that
	// fails; RunbookURL is docs/runbooks.md of the stack.
	AlarmTopicArn pulumi.StringInput
	RunbookURL    string
}

// HomeBackup is the plan that backs up every EBS volume tagged
// workloads.BackupTagKey=BackupTagValue in the region.
type HomeBackup struct {
	pulumi.ResourceState

	PlanID    pulumi.IDOutput     `pulumi:"planId"`
	VaultName pulumi.StringOutput `pulumi:"vaultName"`
}

// NewHomeBackup creates the vault (when none is given), the plan, its role
// and the selection of the region's tagged EBS volumes.
func NewHomeBackup(ctx *pulumi.Context, name string, args *HomeBackupArgs, opts ...pulumi.ResourceOption) (*HomeBackup, error) {
	h := &HomeBackup{}
	if err := ctx.RegisterComponentResourceV2(tokens.HomeBackup, name, pulumi.Map{
		"region": pulumi.String(args.Region), "schedule": pulumi.String(args.Schedule),
		"tag": pulumi.String(workloads.BackupTag()), "copied": pulumi.Bool(args.CopyVaultArn != nil),
	}, h, opts...); err != nil {
		return nil, err
	}
	vault := args.VaultName
	if vault == nil {
		v, err := backup.NewVault(ctx, name+"-homes", &backup.VaultArgs{
			KmsKeyArn: args.VaultKeyArn,
			Tags:      pulumi.StringMap{"Name": pulumi.String(name + "-homes")},
		}, pulumi.Parent(h), pulumi.Protect(true))
		if err != nil {
			return nil, fmt.Errorf("home backup %s: %w", name, err)
		}
		vault = v.Name
	}
	rule := "daily-homes"
	if args.CopyVaultArn != nil {
		rule = "daily-homes-with-cross-region-copy"
	}
	plan, err := backupplan.New(ctx, name+"-homes", backupplan.Args{
		AccountID: args.AccountID, RuleName: rule, VaultName: vault,
		Schedule: args.Schedule, RetentionDays: args.RetentionDays,
		CopyVaultArn: args.CopyVaultArn, CopyRetentionDays: args.CopyRetentionDays,
		RecoveryPointTags: pulumi.StringMap{"coder:source": pulumi.String("workspace-home")},
		RoleDescription:   "AWS Backup of Coder workspace home volumes",
		// EBS volumes of this region that carry the tag (Resources AND
		// Conditions, API_BackupSelection).
		Resources: pulumi.StringArray{pulumi.Sprintf("arn:aws:ec2:%s:%s:volume/*", args.Region, args.AccountID)},
		Tag:       &backupplan.Tag{Key: workloads.BackupTagKey, Value: workloads.BackupTagValue},
	}, h)
	if err != nil {
		return nil, fmt.Errorf("home backup %s: %w", name, err)
	}
	if args.AlarmTopicArn != nil {
		if err := h.alertOnFailedJobs(ctx, name, args); err != nil {
			return nil, fmt.Errorf("home backup %s: %w", name, err)
		}
	}
	h.PlanID, h.VaultName = plan.ID(), vault.ToStringOutput()
	if err := ctx.RegisterResourceOutputs(h, pulumi.Map{"planId": h.PlanID, "vaultName": h.VaultName}); err != nil {
		return nil, err
	}
	return h, nil
}

// FailedJobsPattern matches the region's backup and copy jobs that end
// without a recovery point (AWS Backup devguide, "Monitoring AWS Backup
// events using Amazon EventBridge": detail-types Backup Job State Change
// and Copy Job State Change, detail.state).
func FailedJobsPattern() string {
	b, _ := json.Marshal(map[string]any{
		"source":      []string{"aws.backup"},
		"detail-type": []string{"Backup Job State Change", "Copy Job State Change"},
		"detail":      map[string]any{"state": []string{"FAILED", "ABORTED", "EXPIRED"}},
	})
	return string(b)
}

// alertOnFailedJobs sends every failed job of the region to the alarm
// topic with the runbook, as the alarms do.
func (h *HomeBackup) alertOnFailedJobs(ctx *pulumi.Context, name string, a *HomeBackupArgs) error {
	rule, err := cloudwatch.NewEventRule(ctx, name+"-backup-failed", &cloudwatch.EventRuleArgs{
		Name:         pulumi.String(name + "-backup-job-failed"),
		Description:  pulumi.String("AWS Backup backup and copy jobs that failed, to the alarm topic"),
		EventPattern: pulumi.String(FailedJobsPattern()),
	}, pulumi.Parent(h))
	if err != nil {
		return err
	}
	rb, _ := json.Marshal(a.RunbookURL + "#alarm-backup-job-failed")
	_, err = cloudwatch.NewEventTarget(ctx, name+"-backup-failed", &cloudwatch.EventTargetArgs{
		Rule: rule.Name, Arn: a.AlarmTopicArn,
		InputTransformer: &cloudwatch.EventTargetInputTransformerArgs{
			InputPaths: pulumi.StringMap{
				"type": pulumi.String("$.detail-type"), "state": pulumi.String("$.detail.state"),
				"job": pulumi.String("$.resources"), "account": pulumi.String("$.account"), "region": pulumi.String("$.region"),
			},
			InputTemplate: pulumi.String(`{"alarm": "backup-job-failed", "event": <type>, "state": <state>, "job": <job>, ` +
				`"account": <account>, "region": <region>, "runbook": ` + string(rb) + `}`),
		},
	}, pulumi.Parent(rule))
	return err
}
