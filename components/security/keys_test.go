package security_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/security"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
)

const (
	keysName    = "coder-test-us-east-1"
	aliasPrefix = "coder/test/us-east-1"
	accountRoot = "arn:aws:iam::123456789012:root"

	tKey   = "aws:kms/key:Key"
	tAlias = "aws:kms/alias:Alias"
)

func registerKeys(t *testing.T, purposes ...security.Purpose) ct.Resources {
	t.Helper()
	return ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		_, err = security.NewKeys(ctx, keysName, &security.KeysArgs{
			Region: "us-east-1", AccountID: pulumi.String("123456789012"), Purposes: purposes, AliasPrefix: aliasPrefix,
		}, pulumi.Provider(prov))
		return err
	})
}

func TestKeysPerPurpose(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		purposes []security.Purpose
	}{
		{name: "one", purposes: []security.Purpose{security.KeyLogs}},
		{name: "proxy region", purposes: []security.Purpose{security.KeyLogs, security.KeyEKS, security.KeyEBS, security.KeySecrets,
			security.KeyS3, security.KeySNS, security.KeyMetrics}},
		{name: "control plane region", purposes: []security.Purpose{security.KeyLogs, security.KeyEKS, security.KeyEBS, security.KeySecrets,
			security.KeyS3, security.KeySNS, security.KeyMetrics, security.KeyDatabase, security.KeyBackup}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := registerKeys(t, tc.purposes...)
			require.Len(t, rs.OfType(tKey), len(tc.purposes))
			require.Len(t, rs.OfType(tAlias), len(tc.purposes))
			for _, p := range tc.purposes {
				key := rs.Named(tKey, keysName+"-"+string(p))
				require.NotNil(t, key, p)
				assert.Equal(t, true, ct.Input(t, key, "enableKeyRotation"), p)
				assert.Equal(t, 365.0, ct.Input(t, key, "rotationPeriodInDays"), p)
				assert.Equal(t, 30.0, ct.Input(t, key, "deletionWindowInDays"), p)
				assert.True(t, key.Protect, "%s key is protected", p)
				assert.Equal(t, string(p), ct.String(t, key, "tags.coder:key-purpose"))

				alias := rs.Named(tAlias, keysName+"-"+string(p))
				require.NotNil(t, alias, p)
				assert.Equal(t, "alias/"+aliasPrefix+"/"+string(p), ct.String(t, alias, "name"))
				assert.Equal(t, key.URN, alias.Parent, "the alias lives under its key")
				assert.NotEmpty(t, ct.String(t, alias, "targetKeyId"))

				// The account administers every key through IAM.
				stmts := ct.Statements(ct.JSON(t, key, "policy"))
				admin, ok := stmts["AccountAdministersKeyThroughIAM"]
				require.True(t, ok, p)
				assert.Equal(t, "Allow", admin["Effect"])
				assert.Equal(t, map[string]any{"AWS": accountRoot}, admin["Principal"])
				assert.Equal(t, []any{"kms:*"}, admin["Action"])
			}
		})
	}
}

// Beyond the account, each key lets exactly its service use it.
func TestKeyPolicyServiceAccess(t *testing.T) {
	t.Parallel()
	rs := registerKeys(t, security.KeyLogs, security.KeyEBS, security.KeyDatabase, security.KeyS3, security.KeySNS, security.KeyEKS)
	sids := func(p security.Purpose) []string {
		var out []string
		for sid := range ct.Statements(ct.JSON(t, rs.Named(tKey, keysName+"-"+string(p)), "policy")) {
			out = append(out, sid)
		}
		return out
	}
	root := "AccountAdministersKeyThroughIAM"
	assert.ElementsMatch(t, []string{root, "CloudWatchLogsEncrypt"}, sids(security.KeyLogs))
	assert.ElementsMatch(t, []string{root, "UseThroughec2"}, sids(security.KeyEBS))
	assert.ElementsMatch(t, []string{root, "UseThroughrds"}, sids(security.KeyDatabase))
	assert.ElementsMatch(t, []string{root, "UseThrougheks"}, sids(security.KeyEKS))
	assert.ElementsMatch(t, []string{root, "AlarmsPublish"}, sids(security.KeySNS))
	assert.ElementsMatch(t, []string{root, "LogDeliveryWritesAccessLogs", "CloudTrailEncryptsLogs", "CloudTrailDescribesKey",
		"CloudTrailDecryptsForBucketKey"}, sids(security.KeyS3))

	ebs := ct.Statements(ct.JSON(t, rs.Named(tKey, keysName+"-ebs"), "policy"))["UseThroughec2"]
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{
		"kms:CallerAccount": "123456789012", "kms:ViaService": "ec2.us-east-1.amazonaws.com",
	}}, ebs["Condition"])
	assert.Contains(t, ebs["Action"], "kms:CreateGrant")

	logs := ct.Statements(ct.JSON(t, rs.Named(tKey, keysName+"-logs"), "policy"))["CloudWatchLogsEncrypt"]
	assert.Equal(t, map[string]any{"Service": "logs.us-east-1.amazonaws.com"}, logs["Principal"])
	assert.NotContains(t, logs["Action"], "kms:DescribeKey")
}

func TestKeysComponentInputsAreSorted(t *testing.T) {
	t.Parallel()
	rs := registerKeys(t, security.KeySNS, security.KeyLogs, security.KeyEBS)
	comp := rs.OfType("coder:security:Keys")
	require.Len(t, comp, 1)
	assert.Equal(t, []any{"ebs", "logs", "sns"}, ct.Input(t, comp[0], "purposes"))
	assert.Equal(t, "us-east-1", ct.String(t, comp[0], "region"))
}

// With CostAlerts, the sns key also lets AWS Budgets and Cost Anomaly
// Detection publish to the encrypted topic, for this account only.
func TestSNSKeyCostAlerts(t *testing.T) {
	t.Parallel()
	rs := ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		_, err = security.NewKeys(ctx, keysName, &security.KeysArgs{
			Region: "us-east-1", AccountID: pulumi.String("123456789012"), Purposes: []security.Purpose{security.KeySNS, security.KeyLogs},
			AliasPrefix: aliasPrefix, CostAlerts: true,
		}, pulumi.Provider(prov))
		return err
	})
	sns := ct.Statements(ct.JSON(t, rs.Named(tKey, keysName+"-sns"), "policy"))
	st, ok := sns["CostAlertsPublish"]
	require.True(t, ok)
	assert.Equal(t, map[string]any{"Service": []any{"budgets.amazonaws.com", "costalerts.amazonaws.com"}}, st["Principal"])
	assert.ElementsMatch(t, []any{"kms:Decrypt", "kms:GenerateDataKey*"}, st["Action"])
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"}}, st["Condition"])
	assert.NotContains(t, ct.Statements(ct.JSON(t, rs.Named(tKey, keysName+"-logs"), "policy")), "CostAlertsPublish")
}
