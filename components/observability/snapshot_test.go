package observability_test

import (
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/observability"
	"github.com/platformeng/coder-platform/components/observability/thresholds"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
)

var update = flag.Bool("update", false, "rewrite testdata/alarms.golden.json from what the component registers")

// everyAlarm switches on every source of alarms and rules: Container
// Insights, the database, the load balancer, the Day-2 alarm, watched,
// external and licence credentials, and Prometheus with coderd's rules.
func everyAlarm(a *observability.MonitoringArgs) {
	a.ContainerInsights = true
	a.Database = &observability.DatabaseRefs{ClusterIdentifier: pulumi.String(dbID), MaxACU: 16}
	a.LoadBalancer = &observability.LoadBalancerRefs{ArnSuffix: pulumi.String("net/nlb/1"), TargetGroupArnSuffix: pulumi.String("targetgroup/tg/2")}
	a.Day2 = true
	a.CoderRules = true
	a.Prometheus = &observability.Prometheus{
		WorkspaceArn: pulumi.String("arn:aws:aps:us-east-1:123456789012:workspace/ws-1").ToStringOutput(),
		WorkspaceID:  pulumi.String("ws-1").ToStringOutput(),
	}
	a.Credentials = &observability.Credentials{
		Prefix: "coder/test/us-east-1/",
		Watched: []observability.Credential{
			{Secret: "coder/test/us-east-1/admin-token", Arn: pulumi.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:admin"),
				Purpose: "admin-token", Runbook: "credential-admin-token", WarnDays: 2.3, RotateEveryDays: 3},
			{Secret: "coder/test/us-east-1/oidc-client-secret", Arn: pulumi.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:oidc"),
				Purpose: "oidc-client-secret", Runbook: "credential-oidc-client-secret", WarnDays: 14},
		},
		External: []observability.ExternalCredential{{Secret: "dns/cloudflare", Purpose: "cloudflare-api-token",
			Runbook: "credential-cloudflare-token", Days: 90, WarnDays: 14}},
		License: "coder/test/us-east-1/license", LicenseArn: pulumi.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:license"),
		CoderURL: "https://coder.example.com", SecretsKeyArn: pulumi.String("arn:aws:kms:us-east-1:123456789012:key/secrets"),
	}
}

// distinct are thresholds no two of which are equal, and none its
// default: a threshold that reached the wrong alarm shows.
func distinct() thresholds.Values {
	return thresholds.Values{
		NodeCPUPercent: 81, NodeMemoryPercent: 86, EphemeralStoragePercent: []float64{61, 72, 93}, PodRestarts: 7,
		AuroraCPUPercent: 77, AuroraACUPercent: 88, AuroraConnectionsPercent: 66, AuroraFreeableMemoryMiB: 700,
		AuroraReplicaLagMs: 1500, AuroraDeadlocks: 2, NLBUnhealthyHosts: 1, NLBTLSNegotiationErrors: 55,
		APILatencyP95Ms: 450, APILatencyP99Ms: 1200, ProvisionerQueueWaitSeconds: 45, PendingBuilds: 12,
		ScalingLagMinutes: 15, CredentialExpiryDays: 13, LicenseExpiryDays: 31, LicenseExpiryCriticalDays: 8,
		LicenseSeatsPercent: 91, BuildSuccessPercent: 99.9, PodStartP95Seconds: 150, EC2StartP95Seconds: 360,
	}
}

// What the component registers for its alarms and rules does not change
// unless this snapshot does: every alarm's inputs, the rules file and the dashboard that lists the alarms,
// with the default thresholds and with distinct ones. A refactoring of how
// alarms are declared keeps it as it is; a new or changed alarm updates it
// with -update, and the diff shows what changed.
func TestAlarmSnapshot(t *testing.T) {
	t.Parallel()
	snap := map[string]any{}
	for name, th := range map[string]thresholds.Values{"defaults": thresholds.Defaults(), "distinct": distinct()} {
		rs := registerMonitoring(t, func(a *observability.MonitoringArgs) {
			everyAlarm(a)
			a.Thresholds = th
		})
		// By name: the mock records registrations as they arrive, and the
		// dashboard keeps the order the component made them in.
		alarms := map[string]any{}
		for _, a := range rs.OfType(tAlarm) {
			alarms[a.Name] = ct.Plain(resource.NewObjectProperty(a.Inputs))
		}
		require.Len(t, rs.OfType(tRules), 2)
		dash := rs.OfType("aws:cloudwatch/dashboard:Dashboard")
		require.Len(t, dash, 1)
		snap[name] = map[string]any{
			"alarms":     alarms,
			"rules":      ct.String(t, ruleNamespace(t, rs, "coder-alerts"), "data"),
			"recordings": ct.String(t, ruleNamespace(t, rs, observability.SLORuleNamespace), "data"),
			"dashboard":  ct.JSON(t, dash[0], "dashboardBody"),
		}
	}
	got, err := json.MarshalIndent(snap, "", "  ")
	require.NoError(t, err)
	const path = "testdata/alarms.golden.json"
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, append(got, '\n'), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "go test ./components/observability -run TestAlarmSnapshot -update writes it")
	assert.Equal(t, string(want), string(got)+"\n", "the alarms changed; if that is meant, run go test ./components/observability -run TestAlarmSnapshot -update and review the diff")
}

// Every alarm and rule the component registers comes from exactly one row
// of thresholds.Table, and every row is registered when the region
// watches everything: there is no alarm declared anywhere else.
func TestEveryAlarmIsARow(t *testing.T) {
	t.Parallel()
	rs := registerMonitoring(t, everyAlarm)
	used := map[string]int{}
	rowsOf := func(name string) []string {
		var out []string
		for _, r := range thresholds.Table {
			for _, n := range r.Names() {
				// <namespace> and <purpose> stand for one alarm each.
				if n == name || (strings.HasSuffix(n, ">") && strings.HasPrefix(name, n[:strings.LastIndex(n, "<")])) {
					out = append(out, r.Alarm.Name)
				}
			}
		}
		return out
	}
	for _, a := range rs.OfType(tAlarm) {
		name := strings.TrimPrefix(ct.String(t, a, "name"), monName+"-")
		rows := rowsOf(name)
		assert.Len(t, rows, 1, "alarm %s comes from rows %v", name, rows)
		for _, r := range rows {
			used[r]++
		}
	}
	for _, m := range regexp.MustCompile(`(?m)^  - alert: (\S+)$`).FindAllStringSubmatch(ct.String(t, ruleNamespace(t, rs, "coder-alerts"), "data"), -1) {
		rows := rowsOf(m[1])
		assert.Len(t, rows, 1, "rule %s comes from rows %v", m[1], rows)
		for _, r := range rows {
			used[r]++
		}
	}
	for _, r := range thresholds.Table {
		assert.Positive(t, used[r.Alarm.Name], "row %s registers nothing", r.Alarm.Name)
	}
}
