package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/platformeng/coder-platform/internal/preview"
)

const (
	tMetricAlarm  = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tRuleGroup    = "aws:amp/ruleGroupNamespace:RuleGroupNamespace"
	tAlertManager = "aws:amp/alertManagerDefinition:AlertManagerDefinition"
	tTopic        = "aws:sns/topic:Topic"
	tTopicSub     = "aws:sns/topicSubscription:TopicSubscription"
	tTrail        = "aws:cloudtrail/trail:Trail"
	tDashboard    = "aws:cloudwatch/dashboard:Dashboard"
)

// alarmsOf maps a region's alarms by name without the region prefix.
func alarmsOf(r *preview.Result, region string) map[string]*preview.Resource {
	out := map[string]*preview.Resource{}
	prefix := "coder-" + r.Stack + "-" + region + "-"
	for _, a := range r.OfType(tMetricAlarm) {
		if r.RegionOf(a) == region {
			out[strings.TrimPrefix(str(a, "name"), prefix)] = a
		}
	}
	return out
}

type promRule struct{ Alert, Expr, For string }

func rulesOf(t *testing.T, r *preview.Result, region string) map[string]promRule {
	out := map[string]promRule{}
	for _, g := range r.OfType(tRuleGroup) {
		if r.RegionOf(g) != region {
			continue
		}
		var file struct {
			Groups []struct {
				Rules []promRule `json:"rules"`
			} `json:"groups"`
		}
		require.NoError(t, yaml.Unmarshal([]byte(str(g, "data")), &file))
		for _, grp := range file.Groups {
			for _, rule := range grp.Rules {
				if rule.Alert != "" { // not a recording (the SLOs')
					out[rule.Alert] = rule
				}
			}
		}
	}
	return out
}

// repoPath is a file of the repository.
func repoPath(t *testing.T, rel string) string {
	return filepath.Join(project(t).Dir, rel)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	nodeAlarms = []string{"ephemeral-storage-critical", "ephemeral-storage-high", "ephemeral-storage-warning", "node-cpu", "node-memory",
		"pod-restarts-coder", "pod-restarts-coder-prov"}
	dbAlarms   = []string{"aurora-acu", "aurora-connections", "aurora-cpu", "aurora-deadlocks", "aurora-freeable-memory", "aurora-replica-lag"}
	edgeAlarms = []string{"nlb-tls-errors", "nlb-unhealthy-hosts"}
	// credentialAlarms: one per credential a region holds, and the
	// licence's two in the control plane.
	credentialAlarms = map[string][]string{
		"prod/us-east-1": {"credential-admin-token", "credential-external-auth-github", "credential-oidc-client-secret",
			"credential-provisioner-keys-default", "credential-provisioner-queue-token", "credential-scim-auth-header",
			"credential-template-admin-token", "license-expiry", "license-expiry-critical"},
		"workshop/us-east-2": {"credential-admin-token", "credential-ai-gateway-master-key", "credential-cloudflare-api-token", "credential-external-auth-github",
			"credential-oidc-client-secret", "credential-provisioner-keys-default", "credential-provisioner-keys-demo",
			"credential-provisioner-queue-token", "credential-template-admin-token", "license-expiry", "license-expiry-critical"},
		"workshop/us-west-2": {"credential-provisioner-keys-default", "credential-provisioner-keys-demo",
			"credential-provisioner-queue-token", "credential-proxy-session-token"},
		"workshop/eu-west-2": {"credential-provisioner-keys-default", "credential-provisioner-keys-demo",
			"credential-provisioner-queue-token", "credential-proxy-session-token"},
	}
)

func TestAlarmSetPerRegion(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		for _, rc := range r.Config.Regions {
			want := append(append(append([]string{}, nodeAlarms...), edgeAlarms...), credentialAlarms[name+"/"+rc.Name]...)
			// The SLO alerts are every region's: its provisioners' builds.
			wantRules := []string{"NodeGroupScalingLag", "CoderBuildSuccessRate", "CoderPodWorkspaceStartP95", "CoderEC2WorkspaceStartP95"}
			if rc.Role == "control-plane" {
				want = append(want, append(dbAlarms, "day2-configuration")...)
				wantRules = append(wantRules, "CoderAPILatencyP95", "CoderAPILatencyP99", "CoderLicenseSeats", "CoderPendingBuilds", "CoderProvisionerQueueWait")
			}
			sort.Strings(want)
			sort.Strings(wantRules)
			assert.Equal(t, want, keys(alarmsOf(r, rc.Name)), "%s %s", name, rc.Name)
			assert.Equal(t, wantRules, keys(rulesOf(t, r, rc.Name)), "%s %s", name, rc.Name)
		}
	}
}

// The thresholds the spec states, and the defaults docs/runbooks.md
// explains, as registered in the prod stack.
func TestAlarmThresholds(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	alarms := alarmsOf(r, "us-east-1")
	for _, c := range []struct {
		alarm, comparison string
		threshold         float64
	}{
		{"ephemeral-storage-warning", "GreaterThanThreshold", 70},        // spec: 70 %
		{"ephemeral-storage-high", "GreaterThanThreshold", 85},           // spec: 85 %
		{"ephemeral-storage-critical", "GreaterThanThreshold", 95},       // spec: 95 %
		{"credential-provisioner-keys-default", "LessThanThreshold", 14}, // spec: 14-day expiration alerts
		{"credential-admin-token", "LessThanThreshold", 2.3},             // a third of its 7-day lifetime
		{"license-expiry", "LessThanThreshold", 30},
		{"license-expiry-critical", "LessThanThreshold", 7},
		{"node-cpu", "GreaterThanThreshold", 80},
		{"node-memory", "GreaterThanThreshold", 85},
		{"pod-restarts-coder", "GreaterThanThreshold", 5},
		{"aurora-cpu", "GreaterThanThreshold", 80},
		{"aurora-acu", "GreaterThanThreshold", 90},
		// 80 % of max_connections at 64 ACU: min(64 × 2 GiB / 9531392, 5000) = 5000 → 4000.
		{"aurora-connections", "GreaterThanThreshold", 4000},
		{"aurora-freeable-memory", "LessThanThreshold", 512 << 20},
		{"aurora-replica-lag", "GreaterThanThreshold", 1000},
		{"aurora-deadlocks", "GreaterThanThreshold", 0},
		{"nlb-unhealthy-hosts", "GreaterThanThreshold", 0},
		{"nlb-tls-errors", "GreaterThanThreshold", 50},
	} {
		a := alarms[c.alarm]
		require.NotNil(t, a, c.alarm)
		assert.Equal(t, c.threshold, num(a, "threshold"), c.alarm)
		assert.Equal(t, c.comparison, str(a, "comparisonOperator"), c.alarm)
	}
	rules := rulesOf(t, r, "us-east-1")
	for alert, want := range map[string]string{
		"CoderAPILatencyP95":        "histogram_quantile(0.95, sum by (le) (rate(coderd_api_request_latencies_seconds_bucket[5m]))) * 1000 > 500",  // spec: P95 < 500 ms
		"CoderAPILatencyP99":        "histogram_quantile(0.99, sum by (le) (rate(coderd_api_request_latencies_seconds_bucket[5m]))) * 1000 > 1000", // spec: P99 < 1 s
		"CoderProvisionerQueueWait": "histogram_quantile(0.9, sum by (le) (rate(coderd_provisioner_job_queue_wait_seconds_bucket[5m]))) > 60",
		"CoderPendingBuilds":        `max(coderd_api_workspace_latest_build{status="pending"}) > 10`,
	} {
		assert.Equal(t, want, rules[alert].Expr, alert)
	}
	assert.Equal(t, "10m", rules["NodeGroupScalingLag"].For, "scaling lag: desired > in service for 10 minutes")
	// The workshop stack tightens the queue alerts in config.
	ws := rulesOf(t, stack(t, "workshop"), "us-east-2")
	assert.True(t, strings.HasSuffix(ws["CoderProvisionerQueueWait"].Expr, "> 30"))
	assert.True(t, strings.HasSuffix(ws["CoderPendingBuilds"].Expr, "> 15"))
}

// Every alarm notifies its own region's topic on ALARM and on OK, and links
// a runbook section that exists.
func TestAlarmsNotifyTheirTopicAndLinkARunbook(t *testing.T) {
	t.Parallel()
	runbook, err := os.ReadFile(repoPath(t, "docs/runbooks.md"))
	require.NoError(t, err)
	anchor := regexp.MustCompile(`Runbook: https://\S+/docs/runbooks\.md#(alarm-[a-z0-9-]+)$`)
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		topics := map[string]bool{}
		for _, tp := range r.OfType(tTopic) {
			topics[r.RegionOf(tp)] = true
			key := keyByArn(r, str(tp, "kmsMasterKeyId"))
			require.NotNil(t, key, "the topic is encrypted with a key of the stack")
			assert.Equal(t, "sns", tag(key, "coder:key-purpose"))
		}
		require.Len(t, topics, len(r.Config.Regions))
		for _, a := range r.OfType(tMetricAlarm) {
			region := r.RegionOf(a)
			for _, k := range []string{"alarmActions", "okActions"} {
				got := strs(a, k)
				require.Len(t, got, 1, "%s %s", str(a, "name"), k)
				assert.True(t, strings.HasPrefix(got[0], "arn:aws:sns:"+region+":"), "%s notifies its own region: %s", str(a, "name"), got[0])
			}
			m := anchor.FindStringSubmatch(str(a, "alarmDescription"))
			require.NotNil(t, m, "%s links a runbook: %s", str(a, "name"), str(a, "alarmDescription"))
			assert.Contains(t, string(runbook), `id="`+m[1]+`"`, "docs/runbooks.md has the section %s", m[1])
		}
		for _, g := range r.OfType(tRuleGroup) {
			for _, m := range regexp.MustCompile(`runbook_url: https://\S+#(alarm-[a-z0-9-]+)`).FindAllStringSubmatch(str(g, "data"), -1) {
				assert.Contains(t, string(runbook), `id="`+m[1]+`"`)
			}
		}
		for _, am := range r.OfType(tAlertManager) {
			def := str(am, "definition")
			assert.Contains(t, def, "send_resolved: true", "resolved alerts reach the topic as OK")
			assert.Contains(t, def, "topic_arn: arn:aws:sns:"+r.RegionOf(am)+":")
		}
		assert.Len(t, r.OfType(tTopicSub), len(r.Config.Observability.Notifications)*len(r.Config.Regions))
		assert.Len(t, r.OfType(tDashboard), len(r.Config.Regions), "one dashboard per region")
	}
}

// Every log group of both stacks is encrypted with the region's logs key
// and kept at least 90 days.
func TestEveryLogGroupIsEncryptedAndRetained(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		groups := r.OfType(tLogGroup)
		require.NotEmpty(t, groups)
		for _, g := range groups {
			key := keyByArn(r, str(g, "kmsKeyId"))
			require.NotNil(t, key, "%s is encrypted with a key of the stack", str(g, "name"))
			assert.Equal(t, "logs", tag(key, "coder:key-purpose"), str(g, "name"))
			assert.GreaterOrEqual(t, num(g, "retentionInDays"), 90.0, str(g, "name"))
			assert.True(t, g.Protect, "%s is protected", str(g, "name"))
		}
		var names []string
		for _, g := range groups {
			names = append(names, str(g, "name"))
		}
		for _, rc := range r.Config.Regions {
			assert.Contains(t, names, "/coder/"+name+"/"+rc.Name+"/audit", "Coder audit logs have their own group")
			assert.Contains(t, names, "/coder/"+name+"/"+rc.Name+"/containers")
		}
	}
}

func TestCloudTrailIsMultiRegionAndHardened(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		trails := r.OfType(tTrail)
		require.Len(t, trails, 1, "one trail per stack")
		tr := trails[0]
		assert.True(t, boolean(tr, "isMultiRegionTrail"))
		assert.True(t, boolean(tr, "enableLogFileValidation"))
		assert.True(t, boolean(tr, "includeGlobalServiceEvents"))
		assert.Equal(t, "s3", tag(keyByArn(r, str(tr, "kmsKeyId")), "coder:key-purpose"))
		assert.Equal(t, "control-plane", string(r.Config.Regions[0].Role))
		assert.Equal(t, r.Config.Regions[0].Name, r.RegionOf(tr))
	}
}

// Fluent Bit runs on every node group and may write only its two groups.
func TestFluentBitScopeAndPlacement(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	for _, rel := range r.OfType(tHelmRelease) {
		if str(rel, "chart") != "aws-for-fluent-bit" {
			continue
		}
		v, _ := rel.Input("values")
		vals := v.ObjectValue()
		tol := vals["tolerations"].ArrayValue()
		require.Len(t, tol, 1)
		assert.Equal(t, "Exists", tol[0].ObjectValue()["operator"].StringValue())
		assert.False(t, vals["cloudWatchLogs"].ObjectValue()["autoCreateGroup"].BoolValue())
		// The audit rule reads the msg field the kubernetes filter merged.
		assert.Contains(t, vals["additionalFilters"].StringValue(), `Rule    $data['msg'] ^audit_log$ coder.audit false`)
		assert.Equal(t, "On", vals["filter"].ObjectValue()["mergeLog"].StringValue())
		assert.Equal(t, "data", vals["filter"].ObjectValue()["mergeLogKey"].StringValue())
	}
	for _, p := range r.OfType(tRolePolicy) {
		if !strings.HasSuffix(p.Name, "-fluent-bit") {
			continue
		}
		doc := str(p, "policy")
		assert.NotContains(t, doc, `"Resource":"*"`)
		assert.Contains(t, doc, "/containers")
		assert.Contains(t, doc, "/audit")
	}
}
