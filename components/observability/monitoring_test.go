package observability_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/observability"
	"github.com/platformeng/coder-platform/components/observability/thresholds"
	"github.com/platformeng/coder-platform/components/workloads"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
	"github.com/platformeng/coder-platform/internal/preview"
)

const (
	monName    = "coder-test-us-east-1"
	tMonitor   = "coder:observability:Monitoring"
	tAlarm     = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tTrail     = "aws:cloudtrail/trail:Trail"
	tTopicPol  = "aws:sns/topicPolicy:TopicPolicy"
	tAddon     = "aws:eks/addon:Addon"
	tRules     = "aws:amp/ruleGroupNamespace:RuleGroupNamespace"
	tAlertMgr  = "aws:amp/alertManagerDefinition:AlertManagerDefinition"
	tSSEConfig = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	s3KeyArn   = "arn:aws:kms:us-east-1:123456789012:key/s3"
	dbID       = "coder-test"
)

// monitoringArgs are the smallest args a region's monitoring takes: no
// Container Insights, database, load balancer, Prometheus, credentials,
// Day-2 alarm or trail; each case switches on what it tests.
func monitoringArgs() *observability.MonitoringArgs {
	return &observability.MonitoringArgs{
		Stack: "test", Region: "us-east-1", AccountID: pulumi.String("123456789012"),
		ClusterName: pulumi.String("coder-test-us-east-1").ToStringOutput(),
		OIDC: irsa.OIDC{
			ProviderArn: pulumi.String("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"),
			IssuerURL:   pulumi.String("https://oidc.eks.us-east-1.amazonaws.com/id/ABC"),
		},
		LogsKeyArn: pulumi.String("arn:aws:kms:us-east-1:123456789012:key/logs"),
		SNSKeyArn:  pulumi.String("arn:aws:kms:us-east-1:123456789012:key/sns"),
		S3KeyArn:   pulumi.String(s3KeyArn),

		LogRetentionDays:  30,
		RunbookURL:        "https://runbooks.example.com/coder",
		Thresholds:        thresholds.Defaults(),
		RestartNamespaces: []string{workloads.NamespaceCoder, workloads.NamespaceProvisioner},
	}
}

// registerMonitoring registers one Monitoring component with the args
// after mutate, in us-east-1.
func registerMonitoring(t *testing.T, mutate func(*observability.MonitoringArgs)) ct.Resources {
	t.Helper()
	args := monitoringArgs()
	mutate(args)
	return ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		args.KubeProvider = k8s
		_, err = observability.NewMonitoring(ctx, monName, args, pulumi.Provider(prov))
		return err
	})
}

// alarmNames are the alarms' physical names.
func alarmNames(t *testing.T, rs ct.Resources) []string {
	var out []string
	for _, a := range rs.OfType(tAlarm) {
		out = append(out, ct.String(t, a, "name"))
	}
	return out
}

func hasAlarm(t *testing.T, rs ct.Resources, suffix string) bool {
	for _, n := range alarmNames(t, rs) {
		if strings.HasSuffix(n, "-"+suffix) {
			return true
		}
	}
	return false
}

func TestMonitoringBranches(t *testing.T) {
	t.Parallel()
	nodeAlarms := []string{"node-cpu", "node-memory", "ephemeral-storage-warning", "ephemeral-storage-high",
		"ephemeral-storage-critical", "pod-restarts-coder", "pod-restarts-coder-prov"}
	auroraAlarms := []string{"aurora-cpu", "aurora-acu", "aurora-connections", "aurora-freeable-memory",
		"aurora-replica-lag", "aurora-deadlocks"}
	cases := []struct {
		name   string
		mutate func(*observability.MonitoringArgs)
		check  func(t *testing.T, rs ct.Resources)
	}{
		{
			name:   "minimal: no trail, no node or aurora alarms",
			mutate: func(*observability.MonitoringArgs) {},
			check: func(t *testing.T, rs ct.Resources) {
				assert.Empty(t, rs.OfType(tTrail), "CloudTrail off registers no trail")
				assert.Empty(t, rs.OfType(tAlarm), "nothing to alarm on")
				assert.Empty(t, rs.OfType(tAddon), "no Container Insights add-on")
				assert.Empty(t, rs.OfType(tRules), "no Prometheus, no rules")
			},
		},
		{
			name:   "trail on: one KMS-encrypted multi-region trail",
			mutate: func(a *observability.MonitoringArgs) { a.Trail, a.TrailRetentionDays = true, 400 },
			check: func(t *testing.T, rs ct.Resources) {
				trails := rs.OfType(tTrail)
				require.Len(t, trails, 1)
				tr := trails[0]
				assert.Equal(t, monName+"-trail", tr.Name)
				assert.Equal(t, s3KeyArn, ct.String(t, tr, "kmsKeyId"))
				assert.Equal(t, true, ct.Input(t, tr, "isMultiRegionTrail"))
				assert.Equal(t, true, ct.Input(t, tr, "enableLogFileValidation"))
				// The bucket it delivers to is encrypted with the same key
				// and expires objects after the retention given.
				sse := rs.OfType(tSSEConfig)
				require.Len(t, sse, 1)
				assert.Equal(t, s3KeyArn, ct.String(t, sse[0], "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId"))
				assert.Equal(t, "aws:kms", ct.String(t, sse[0], "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"))
				lc := rs.OfType("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
				require.Len(t, lc, 1)
				assert.Equal(t, 400.0, ct.Input(t, lc[0], "rules[0].expiration.days"))
			},
		},
		{
			name:   "container insights on: node alarms and the add-on",
			mutate: func(a *observability.MonitoringArgs) { a.ContainerInsights, a.AddonVersion = true, "v4.1.0-eksbuild.1" },
			check: func(t *testing.T, rs ct.Resources) {
				for _, n := range nodeAlarms {
					assert.True(t, hasAlarm(t, rs, n), "missing alarm %s in %v", n, alarmNames(t, rs))
				}
				for _, n := range auroraAlarms {
					assert.False(t, hasAlarm(t, rs, n), n)
				}
				addons := rs.OfType(tAddon)
				require.Len(t, addons, 1)
				assert.Equal(t, "amazon-cloudwatch-observability", ct.String(t, addons[0], "addonName"))
				assert.Equal(t, "v4.1.0-eksbuild.1", ct.String(t, addons[0], "addonVersion"))
				cpu := rs.Named(tAlarm, monName+"-node-cpu")
				require.NotNil(t, cpu)
				assert.Equal(t, "coder-test-us-east-1", ct.String(t, cpu, "dimensions.ClusterName"))
				assert.Equal(t, 80.0, ct.Input(t, cpu, "threshold"))
				// The restart alarms are Metrics Insights queries on the cluster.
				restarts := rs.Named(tAlarm, monName+"-pod-restarts-coder-prov")
				require.NotNil(t, restarts)
				assert.Contains(t, ct.String(t, restarts, "metricQueries[0].expression"),
					"WHERE ClusterName = 'coder-test-us-east-1' AND Namespace = 'coder-prov'")
				assert.False(t, ct.Has(restarts, "metricName"), "a query alarm names no metric of its own")
			},
		},
		{
			name:   "container insights off: no node alarms",
			mutate: func(a *observability.MonitoringArgs) { a.ContainerInsights = false },
			check: func(t *testing.T, rs ct.Resources) {
				for _, n := range alarmNames(t, rs) {
					assert.NotContains(t, n, "node-", n)
					assert.NotContains(t, n, "ephemeral-storage", n)
					assert.NotContains(t, n, "pod-restarts", n)
				}
				assert.Empty(t, rs.OfType(tAddon))
			},
		},
		{
			name: "database set: aurora alarms on its cluster",
			mutate: func(a *observability.MonitoringArgs) {
				a.Database = &observability.DatabaseRefs{ClusterIdentifier: pulumi.String(dbID), MaxACU: 16}
			},
			check: func(t *testing.T, rs ct.Resources) {
				for _, n := range auroraAlarms {
					a := rs.Named(tAlarm, monName+"-"+n)
					if assert.NotNil(t, a, n) {
						assert.Equal(t, dbID, ct.String(t, a, "dimensions.DBClusterIdentifier"), n)
						assert.Equal(t, "AWS/RDS", ct.String(t, a, "namespace"), n)
					}
				}
				for _, n := range nodeAlarms {
					assert.False(t, hasAlarm(t, rs, n), n)
				}
				conn := rs.Named(tAlarm, monName+"-aurora-connections")
				require.NotNil(t, conn)
				assert.Equal(t, observability.ConnectionsThreshold(16, thresholds.Defaults().AuroraConnectionsPercent), ct.Input(t, conn, "threshold"))
			},
		},
		{
			name: "load balancer, Day-2 and Prometheus with coder rules",
			mutate: func(a *observability.MonitoringArgs) {
				a.LoadBalancer = &observability.LoadBalancerRefs{ArnSuffix: pulumi.String("net/nlb/1"), TargetGroupArnSuffix: pulumi.String("targetgroup/tg/2")}
				a.Day2 = true
				a.CoderRules = true
				a.Prometheus = &observability.Prometheus{
					WorkspaceArn: pulumi.String("arn:aws:aps:us-east-1:123456789012:workspace/ws-1").ToStringOutput(),
					WorkspaceID:  pulumi.String("ws-1").ToStringOutput(),
				}
			},
			check: func(t *testing.T, rs ct.Resources) {
				unhealthy := rs.Named(tAlarm, monName+"-nlb-unhealthy-hosts")
				require.NotNil(t, unhealthy)
				assert.Equal(t, "net/nlb/1", ct.String(t, unhealthy, "dimensions.LoadBalancer"))
				assert.Equal(t, "targetgroup/tg/2", ct.String(t, unhealthy, "dimensions.TargetGroup"))
				tls := rs.Named(tAlarm, monName+"-nlb-tls-errors")
				require.NotNil(t, tls)
				assert.False(t, ct.Has(tls, "dimensions.TargetGroup"))
				assert.NotNil(t, rs.Named(tAlarm, monName+"-day2-configuration"))
				assert.Len(t, rs.OfType("aws:cloudwatch/logMetricFilter:LogMetricFilter"), 1)

				require.Len(t, rs.OfType(tRules), 2, "the alerts' namespace and the SLO recordings'")
				alerts := ruleNamespace(t, rs, "coder-alerts")
				assert.Equal(t, "ws-1", ct.String(t, alerts, "workspaceId"))
				data := ct.String(t, alerts, "data")
				for _, r := range thresholds.Table {
					if r.Alarm.On.Prometheus() {
						assert.Contains(t, data, "alert: "+r.Alarm.Name)
					}
				}
				slo := ruleNamespace(t, rs, observability.SLORuleNamespace)
				assert.Equal(t, "ws-1", ct.String(t, slo, "workspaceId"))
				recorded := ct.String(t, slo, "data")
				for _, r := range thresholds.Recordings {
					assert.Contains(t, recorded, "record: "+r.Record, "the control plane records coderd's too")
				}
				assert.Contains(t, recorded, "interval: "+thresholds.RecordingInterval)
				assert.Contains(t, recorded, ") / 0.005", "the error budget is 1 - buildSuccessPercent")
				assert.NotContains(t, recorded, "{budget}")
				am := rs.OfType(tAlertMgr)
				require.Len(t, am, 1)
				assert.Contains(t, ct.String(t, am[0], "definition"), "send_resolved: true")
				// AMP may publish to the topic.
				pol := rs.OfType(tTopicPol)
				require.Len(t, pol, 1)
				assert.Contains(t, ct.Statements(ct.JSON(t, pol[0], "policy")), "PrometheusAlertsPublish")
				assert.NotContains(t, ct.Statements(ct.JSON(t, pol[0], "policy")), "BudgetsPublish")
			},
		},
		{
			name:   "cost alerts",
			mutate: func(a *observability.MonitoringArgs) { a.CostAlerts = true },
			check: func(t *testing.T, rs ct.Resources) {
				pol := rs.OfType(tTopicPol)
				require.Len(t, pol, 1)
				stmts := ct.Statements(ct.JSON(t, pol[0], "policy"))
				budgets, anomaly := stmts["BudgetsPublish"], stmts["CostAnomalyPublish"]
				require.NotNil(t, budgets)
				require.NotNil(t, anomaly)
				assert.Equal(t, map[string]any{"Service": "budgets.amazonaws.com"}, budgets["Principal"])
				assert.Equal(t, []any{"sns:Publish"}, budgets["Action"])
				assert.Equal(t, map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"},
					"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:budgets::123456789012:*"},
				}, budgets["Condition"])
				assert.Equal(t, map[string]any{"Service": "costalerts.amazonaws.com"}, anomaly["Principal"])
				assert.Equal(t, map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"}}, anomaly["Condition"])
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.check(t, registerMonitoring(t, tc.mutate))
		})
	}
}

// Every alarm, whatever turned it on, is named after the component and
// notifies the alarm topic on ALARM and on OK, linking its runbook.
func TestMonitoringAlarmsNotifyTheTopic(t *testing.T) {
	t.Parallel()
	rs := registerMonitoring(t, func(a *observability.MonitoringArgs) {
		a.ContainerInsights = true
		a.Database = &observability.DatabaseRefs{ClusterIdentifier: pulumi.String(dbID), MaxACU: 8}
		a.LoadBalancer = &observability.LoadBalancerRefs{ArnSuffix: pulumi.String("net/nlb/1"), TargetGroupArnSuffix: pulumi.String("targetgroup/tg/2")}
		a.Day2 = true
	})
	comp := rs.OfType(tMonitor)
	require.Len(t, comp, 1)
	pol := rs.OfType(tTopicPol)
	require.Len(t, pol, 1)
	topic := ct.String(t, pol[0], "arn")
	require.Contains(t, topic, ":sns:us-east-1:")

	alarms := rs.OfType(tAlarm)
	// 7 node, 6 aurora, 2 load balancer and the Day-2 alarm.
	require.Len(t, alarms, 16)
	for _, a := range alarms {
		name := ct.String(t, a, "name")
		assert.True(t, strings.HasPrefix(name, monName+"-"), name)
		assert.Equal(t, name, a.Name, "the physical name is the logical one")
		assert.Equal(t, comp[0].URN, a.Parent, name)
		assert.Equal(t, []any{topic}, ct.Input(t, a, "alarmActions"), name)
		assert.Equal(t, []any{topic}, ct.Input(t, a, "okActions"), name)
		runbook := ct.String(t, a, "tags.coder:runbook")
		assert.Contains(t, ct.String(t, a, "alarmDescription"), "https://runbooks.example.com/coder#alarm-"+runbook, name)
	}
}

// Thresholds left at zero take their defaults (they crashed on the missing
// ephemeral-storage levels when Container Insights was on).
func TestMonitoringFillsZeroThresholds(t *testing.T) {
	t.Parallel()
	rs := registerMonitoring(t, func(a *observability.MonitoringArgs) {
		a.Thresholds = thresholds.Values{}
		a.ContainerInsights = true
	})
	assert.True(t, hasAlarm(t, rs, "ephemeral-storage-critical"))
	for _, a := range rs.OfType(tAlarm) {
		if strings.HasSuffix(ct.String(t, a, "name"), "-node-cpu") {
			assert.Equal(t, thresholds.Defaults().NodeCPUPercent, ct.Input(t, a, "threshold"))
		}
	}
}

// ruleNamespace is the AMP rule namespace of that name.
func ruleNamespace(t *testing.T, rs ct.Resources, name string) *preview.Resource {
	t.Helper()
	for _, r := range rs.OfType(tRules) {
		if ct.String(t, r, "name") == name {
			return r
		}
	}
	require.Failf(t, "no rule namespace", "%s", name)
	return nil
}

// A region without coderd (a proxy) records and alerts on its own
// provisioners' SLOs, and nothing of coderd's.
func TestProxyRegionSLORules(t *testing.T) {
	t.Parallel()
	rs := registerMonitoring(t, func(a *observability.MonitoringArgs) {
		a.Prometheus = &observability.Prometheus{
			WorkspaceArn: pulumi.String("arn:aws:aps:us-east-1:123456789012:workspace/ws-2").ToStringOutput(),
			WorkspaceID:  pulumi.String("ws-2").ToStringOutput(),
		}
	})
	recorded := ct.String(t, ruleNamespace(t, rs, observability.SLORuleNamespace), "data")
	alerts := ct.String(t, ruleNamespace(t, rs, "coder-alerts"), "data")
	for _, r := range thresholds.Recordings {
		if r.On == thresholds.ProvisionerMetrics {
			assert.Contains(t, recorded, "record: "+r.Record)
		} else {
			assert.NotContains(t, recorded, "record: "+r.Record)
		}
	}
	for _, r := range thresholds.Table {
		switch r.Alarm.On {
		case thresholds.ProvisionerMetrics, thresholds.ClusterMetrics:
			assert.Contains(t, alerts, "alert: "+r.Alarm.Name)
		case thresholds.CoderMetrics:
			assert.NotContains(t, alerts, "alert: "+r.Alarm.Name)
		}
	}
}
