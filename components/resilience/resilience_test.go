package resilience_test

import (
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/resilience"
	"github.com/platformeng/coder-platform/components/workloads"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
)

const (
	tVault     = "aws:backup/vault:Vault"
	tPlan      = "aws:backup/plan:Plan"
	tSelection = "aws:backup/selection:Selection"
	tVolume    = "aws:ebs/volume:Volume"
	tPV        = "kubernetes:core/v1:PersistentVolume"
	tPVC       = "kubernetes:core/v1:PersistentVolumeClaim"
)

func homeBackup(t *testing.T, args *resilience.HomeBackupArgs) ct.Resources {
	t.Helper()
	return ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, args.Region)
		if err != nil {
			return err
		}
		_, err = resilience.NewHomeBackup(ctx, "coder-test-"+args.Region, args, pulumi.Provider(prov))
		return err
	})
}

// The plan selects the region's EBS volumes that carry the backup tag, and
// copies to the backup region when asked.
func TestHomeBackup(t *testing.T) {
	t.Parallel()
	for _, copied := range []bool{true, false} {
		args := &resilience.HomeBackupArgs{
			Region: "us-west-2", AccountID: pulumi.String("123456789012"),
			VaultKeyArn: pulumi.String("arn:aws:kms:us-west-2:123456789012:key/backup"),
			Schedule:    "cron(0 6 ? * * *)", RetentionDays: 35, CopyRetentionDays: 14,
		}
		if copied {
			args.CopyVaultArn = pulumi.String("arn:aws:backup:us-east-2:123456789012:backup-vault:coder-dr")
		}
		rs := homeBackup(t, args)

		vaults := rs.OfType(tVault)
		require.Len(t, vaults, 1, "a vault of its own where none is given")
		assert.Equal(t, "arn:aws:kms:us-west-2:123456789012:key/backup", ct.String(t, vaults[0], "kmsKeyArn"))
		assert.True(t, vaults[0].Protect)

		plans := rs.OfType(tPlan)
		require.Len(t, plans, 1)
		assert.Equal(t, "cron(0 6 ? * * *)", ct.Input(t, plans[0], "rules[0].schedule"))
		assert.Equal(t, 35.0, ct.Input(t, plans[0], "rules[0].lifecycle.deleteAfter"))
		if copied {
			assert.Equal(t, "arn:aws:backup:us-east-2:123456789012:backup-vault:coder-dr", ct.Input(t, plans[0], "rules[0].copyActions[0].destinationVaultArn"))
			assert.Equal(t, 14.0, ct.Input(t, plans[0], "rules[0].copyActions[0].lifecycle.deleteAfter"))
		} else {
			assert.NotContains(t, ct.Input(t, plans[0], "rules[0]").(map[string]any), "copyActions")
		}

		sel := rs.OfType(tSelection)
		require.Len(t, sel, 1)
		assert.Equal(t, []any{"arn:aws:ec2:us-west-2:123456789012:volume/*"}, ct.Input(t, sel[0], "resources"))
		assert.Equal(t, []any{map[string]any{"stringEquals": []any{map[string]any{
			"key": "aws:ResourceTag/" + workloads.BackupTagKey, "value": workloads.BackupTagValue,
		}}}}, ct.Input(t, sel[0], "conditions"))
	}

	// Failed jobs reach the alarm topic with the runbook.
	alerting := &resilience.HomeBackupArgs{
		Region: "us-east-1", AccountID: pulumi.String("123456789012"), VaultName: pulumi.String("v"),
		Schedule: "cron(0 6 ? * * *)", RetentionDays: 35,
		AlarmTopicArn: pulumi.String("arn:aws:sns:us-east-1:123456789012:alarms"), RunbookURL: "https://example.com/runbooks.md",
	}
	rs := homeBackup(t, alerting)
	rule := rs.OfType("aws:cloudwatch/eventRule:EventRule")
	require.Len(t, rule, 1)
	assert.JSONEq(t, `{"source":["aws.backup"],"detail-type":["Backup Job State Change","Copy Job State Change"],"detail":{"state":["FAILED","ABORTED","EXPIRED"]}}`,
		ct.String(t, rule[0], "eventPattern"))
	target := rs.OfType("aws:cloudwatch/eventTarget:EventTarget")
	require.Len(t, target, 1)
	assert.Equal(t, "arn:aws:sns:us-east-1:123456789012:alarms", ct.String(t, target[0], "arn"))
	assert.Contains(t, ct.String(t, target[0], "inputTransformer.inputTemplate"), `"runbook": "https://example.com/runbooks.md#alarm-backup-job-failed"`)

	// The control plane passes the database's vault: no second vault.
	rs = homeBackup(t, &resilience.HomeBackupArgs{
		Region: "us-east-1", AccountID: pulumi.String("123456789012"), VaultName: pulumi.String("coder-prod-us-east-1"),
		Schedule: "cron(0 6 ? * * *)", RetentionDays: 35,
	})
	assert.Empty(t, rs.OfType(tVault))
	assert.Equal(t, "coder-prod-us-east-1", ct.Input(t, rs.OfType(tPlan)[0], "rules[0].targetVaultName"))
}

// A restored home volume comes from the snapshot, in its zone, encrypted,
// tagged for backup, and is bound to exactly one claim.
func TestHomeRestore(t *testing.T) {
	t.Parallel()
	rs := ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		kube, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		_, err = resilience.NewHomeRestore(ctx, "coder-test-restore-alice-home", &resilience.HomeRestoreArgs{
			Claim: "alice-home", Snapshot: "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0", AvailabilityZone: "us-east-1b",
			SizeGiB: 100, EBSKeyArn: pulumi.String("arn:aws:kms:us-east-1:123456789012:key/ebs"), KubeProvider: kube,
		}, pulumi.Provider(prov))
		return err
	})
	vol := rs.OfType(tVolume)
	require.Len(t, vol, 1)
	assert.Equal(t, "snap-0123456789abcdef0", ct.String(t, vol[0], "snapshotId"))
	assert.Equal(t, "us-east-1b", ct.String(t, vol[0], "availabilityZone"))
	assert.Equal(t, true, ct.Input(t, vol[0], "encrypted"))
	assert.Equal(t, 100.0, ct.Input(t, vol[0], "size"))
	assert.Equal(t, workloads.BackupTagValue, ct.Input(t, vol[0], "tags."+workloads.BackupTagKey))
	assert.True(t, vol[0].Protect)

	pv := rs.OfType(tPV)
	require.Len(t, pv, 1)
	assert.Equal(t, "ebs.csi.aws.com", ct.Input(t, pv[0], "spec.csi.driver"))
	assert.Equal(t, []any{"us-east-1b"}, ct.Input(t, pv[0], "spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values"))
	assert.Equal(t, map[string]any{"namespace": workloads.NamespaceWorkspaces, "name": "alice-home"}, ct.Input(t, pv[0], "spec.claimRef"))
	assert.Equal(t, "Retain", ct.Input(t, pv[0], "spec.persistentVolumeReclaimPolicy"))

	pvc := rs.OfType(tPVC)
	require.Len(t, pvc, 1)
	assert.Equal(t, "restore-alice-home", ct.Input(t, pvc[0], "spec.volumeName"))
	assert.Equal(t, workloads.NamespaceWorkspaces, ct.Input(t, pvc[0], "metadata.namespace"))
	assert.Equal(t, workloads.StorageClassHome, ct.Input(t, pvc[0], "spec.storageClassName"))
}
