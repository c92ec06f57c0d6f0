package scaletest_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/scaletest"
	"github.com/platformeng/coder-platform/components/workloads"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
)

const (
	name       = "coder-test-us-east-1-scaletest"
	tComponent = "coder:scaletest:Scaletest"
	tCronJob   = "kubernetes:batch/v1:CronJob"
	tRole      = "aws:iam/role:Role"
	tPolicy    = "aws:iam/rolePolicy:RolePolicy"
	tBucket    = "aws:s3/bucketV2:BucketV2"
	tSSE       = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tCustom    = "kubernetes:external-secrets.io/v1:ExternalSecret"
	tLifecycle = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	adminToken = "coder/test/us-east-1/admin-token"
	s3Key      = "arn:aws:kms:us-east-1:123456789012:key/s3"
)

func args() *scaletest.Args {
	return &scaletest.Args{
		Stack: "test", Region: "us-east-1", CoderURL: "https://coder.example.com", Image: "ghcr.io/coder/coder:v2.35.1",
		Organization: "default", Template: "pod-swdev-scaletest", Group: "scaletest", GroupAllowance: 1000,
		Run: scaletest.Run{Workspaces: 1000, Concurrency: 60, Timeout: 3 * time.Hour, JobTimeout: 15 * time.Minute,
			Traffic: &scaletest.Traffic{Duration: 30 * time.Minute, TickInterval: 100 * time.Millisecond, BytesPerTick: 1024},
			Cleanup: true, CleanupTimeout: 2 * time.Hour, Budget: 5*time.Hour + 31*time.Minute},
		RetentionDays: 365, LicensedFeatures: []string{"template_rbac"},
		AdminToken:    scaletest.Secret{Name: adminToken, Arn: pulumi.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:" + adminToken)},
		SecretsKeyArn: pulumi.String("arn:aws:kms:us-east-1:123456789012:key/secrets"), BucketKeyArn: pulumi.String(s3Key),
		OIDC:      irsa.OIDC{ProviderArn: pulumi.String("arn:aws:iam::123456789012:oidc-provider/oidc.eks"), IssuerURL: pulumi.String("https://oidc.eks")},
		Namespace: workloads.NamespaceCoder, Tier: workloads.TierControl,
	}
}

func register(t *testing.T, a *scaletest.Args) ct.Resources {
	t.Helper()
	return ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		kube, err := kubernetes.NewProvider(ctx, "kube", &kubernetes.ProviderArgs{})
		if err != nil {
			return err
		}
		a.KubeProvider = kube
		_, err = scaletest.New(ctx, name, a, pulumi.Provider(prov))
		return err
	})
}

// env is the scaletest container's environment by name, from the
// CronJob's spec.
func env(t *testing.T, cron any) map[string]string {
	t.Helper()
	out := map[string]string{}
	jobs := cron.(map[string]any)["jobTemplate"].(map[string]any)["spec"].(map[string]any)
	pod := jobs["template"].(map[string]any)["spec"].(map[string]any)
	for _, e := range pod["initContainers"].([]any)[0].(map[string]any)["env"].([]any) {
		m := e.(map[string]any)
		if v, ok := m["value"].(string); ok {
			out[m["name"].(string)] = v
		}
	}
	return out
}

// The run's command lines are the verified flags of coder exp scaletest
// (commands_test.go), in the script's environment; the CronJob waits to be
// started.
func TestScaletestRun(t *testing.T) {
	t.Parallel()
	rs := register(t, args())
	require.NotNil(t, rs.Named(tComponent, name))
	cron := rs.OfType(tCronJob)
	require.Len(t, cron, 1)
	spec := ct.Input(t, cron[0], "spec").(map[string]any)
	assert.Equal(t, true, spec["suspend"], "runs start by hand without a schedule")
	assert.Equal(t, "Forbid", spec["concurrencyPolicy"])
	job := spec["jobTemplate"].(map[string]any)["spec"].(map[string]any)
	assert.EqualValues(t, 0, job["backoffLimit"], "a failed run is never retried: it would create the workspaces again")
	assert.EqualValues(t, (5*time.Hour + 31*time.Minute).Seconds(), job["activeDeadlineSeconds"], "the run's budget, as long as its token lives")
	pod := job["template"].(map[string]any)["spec"].(map[string]any)
	assert.Equal(t, scaletest.ServiceAccount, pod["serviceAccountName"])
	assert.Equal(t, map[string]any{"coder-control": "true"}, pod["nodeSelector"])

	e := env(t, ct.Input(t, cron[0], "spec"))
	assert.Equal(t, "exp scaletest create-workspaces --count 1000 --template pod-swdev-scaletest --use-host-login --concurrency 60 --retry 0 "+
		"--timeout 3h0m0s --job-timeout 15m0s --no-cleanup --output json:/results/create-workspaces-pod-swdev-scaletest.json", e["CREATE_ARGS"])
	assert.Equal(t, "exp scaletest workspace-traffic --template pod-swdev-scaletest --use-host-login --concurrency 0 --timeout 30m0s --job-timeout 30m30s "+
		"--bytes-per-tick 1024 --tick-interval 100ms --output json:/results/workspace-traffic.json --scaletest-prometheus-address 0.0.0.0:21112", e["TRAFFIC_ARGS"])
	assert.Empty(t, e["DASHBOARD_ARGS"])
	assert.Equal(t, "0", e["DASHBOARD_USERS"])
	assert.Equal(t, "scaletest", e["SCALETEST_GROUP"], "the group the run's account joins for the quota")
	assert.Equal(t, "1000", e["GROUP_ALLOWANCE"])
	assert.Equal(t, "exp scaletest cleanup --template pod-swdev-scaletest --cleanup-concurrency 60 --cleanup-timeout 2h0m0s --cleanup-job-timeout 15m0s", e["CLEANUP_ARGS"])
	assert.Equal(t, "331m", e["RUN_TOKEN_LIFETIME"], "the run's token lives as long as its budget")
	assert.Equal(t, adminToken, e["TOKEN_SECRET"])
	assert.Contains(t, scaletest.Script(), "api()", "the script has the delivery Jobs' coderd helpers")
}

// The role reads the admin token and writes the stack's prefix of the
// bucket, which is SSE-KMS with the S3 key and expires results.
func TestScaletestAccess(t *testing.T) {
	t.Parallel()
	rs := register(t, args())
	require.Len(t, rs.OfType(tRole), 1)
	trust := ct.Input(t, rs.OfType(tRole)[0], "assumeRolePolicy").(string)
	assert.Contains(t, trust, "system:serviceaccount:coder:coder-scaletest")
	var doc struct{ Statement []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(ct.Input(t, rs.OfType(tPolicy)[0], "policy").(string)), &doc))
	sids := map[string]map[string]any{}
	for _, s := range doc.Statement {
		sids[s["Sid"].(string)] = s
	}
	assert.Contains(t, sids["ReadAdminToken"]["Resource"], "arn:aws:secretsmanager:us-east-1:123456789012:secret:"+adminToken)
	assert.True(t, strings.HasSuffix(sids["WriteResults"]["Resource"].([]any)[0].(string), "/test/*"), "only under the stack's prefix")
	assert.Equal(t, []any{"s3:PutObject"}, sids["WriteResults"]["Action"])
	assert.Contains(t, sids["EncryptResults"]["Resource"], s3Key)
	require.Len(t, rs.OfType(tBucket), 1)
	assert.Equal(t, s3Key, ct.Input(t, rs.OfType(tSSE)[0], "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId"))
	assert.EqualValues(t, 365, ct.Input(t, rs.OfType(tLifecycle)[0], "rules[0].expiration.days"))
	es := rs.OfType(tCustom)
	require.Len(t, es, 1)
	assert.Equal(t, adminToken, ct.Input(t, es[0], "spec.data[0].remoteRef.key"))
}

// A schedule runs the test unattended; the dashboard command gets its own
// Prometheus port and a bounded number of browsers.
func TestScaletestScheduledWithDashboard(t *testing.T) {
	t.Parallel()
	a := args()
	a.Schedule = "0 3 * * 6"
	a.Run.Cleanup = false
	a.Run.Dashboard = &scaletest.Dashboard{Users: 10, Duration: 30 * time.Minute, Interval: 10 * time.Second, Jitter: 5 * time.Second}
	rs := register(t, a)
	cron := rs.OfType(tCronJob)[0]
	assert.Equal(t, false, ct.Input(t, cron, "spec.suspend"))
	assert.Equal(t, "0 3 * * 6", ct.Input(t, cron, "spec.schedule"))
	e := env(t, ct.Input(t, cron, "spec"))
	assert.Equal(t, "exp scaletest dashboard --target-users 0:10 --concurrency 0 --timeout 30m0s --job-timeout 30m30s --interval 10s --jitter 5s "+
		"--output json:/results/dashboard.json --scaletest-prometheus-address 0.0.0.0:21113", e["DASHBOARD_ARGS"])
	assert.Equal(t, "10", e["DASHBOARD_USERS"], "run.sh creates the users the dashboard command drives")
	assert.Empty(t, e["CLEANUP_ARGS"], "no cleanup: the workspaces stay for a look")
}
