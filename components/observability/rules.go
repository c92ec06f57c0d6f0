package observability

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/amp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// createRules loads the Prometheus alerts into the region's AMP workspace
// and routes them to the alarm topic; resolved alerts are sent too, so the
// topic hears OK as it does from CloudWatch.
func (m *Monitoring) createRules(ctx *pulumi.Context) error {
	a := m.args
	if a.Prometheus == nil {
		return nil
	}
	// The rows of thresholds.Table for Prometheus: coderd's metrics on the
	// control plane, then the cluster's and the provisioners' SLOs.
	var rules []Rule
	sc := m.scope()
	if a.CoderRules {
		rules = append(rules, sc.rules(thresholds.CoderMetrics)...)
	}
	rules = append(rules, sc.rules(thresholds.ClusterMetrics)...)
	rules = append(rules, sc.rules(thresholds.ProvisionerMetrics)...)
	// The SLO recordings the provisioner alerts read, in their own
	// namespace so that the alerts' file stays alerts only.
	recorded, err := recordingGroups(sc.recordings(a.CoderRules))
	if err != nil {
		return err
	}
	slo, err := amp.NewRuleGroupNamespace(ctx, m.name+"-slo", &amp.RuleGroupNamespaceArgs{
		Name: pulumi.String(SLORuleNamespace), WorkspaceId: a.Prometheus.WorkspaceID, Data: pulumi.String(recorded),
	}, pulumi.Parent(m))
	if err != nil {
		return err
	}
	data, err := ruleGroups(rules, m.runbook)
	if err != nil {
		return err
	}
	if _, err := amp.NewRuleGroupNamespace(ctx, m.name+"-alerts", &amp.RuleGroupNamespaceArgs{
		Name: pulumi.String("coder-alerts"), WorkspaceId: a.Prometheus.WorkspaceID, Data: pulumi.String(data),
	}, pulumi.Parent(m), pulumi.DependsOn([]pulumi.Resource{slo})); err != nil {
		return err
	}
	if _, err := amp.NewAlertManagerDefinition(ctx, m.name+"-alerts", &amp.AlertManagerDefinitionArgs{
		WorkspaceId: a.Prometheus.WorkspaceID,
		Definition:  pulumi.Sprintf(alertManager, m.TopicArn, a.Region),
	}, pulumi.Parent(m)); err != nil {
		return err
	}
	return nil
}

// ruleGroups renders the rules as a Prometheus rules file.
func ruleGroups(rules []Rule, runbook func(string) string) (string, error) {
	var alerts []map[string]any
	for _, r := range rules {
		alerts = append(alerts, map[string]any{
			"alert": r.Name, "expr": r.Expr, "for": r.For,
			"labels": map[string]string{"severity": "page"},
			"annotations": map[string]string{
				"summary":     fmt.Sprintf("%s (threshold %s%s)", r.Summary, trim(r.Threshold), r.Unit),
				"runbook_url": runbook(r.Runbook),
			},
		})
	}
	b, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "coder", "rules": alerts}}})
	return string(b), err
}

// alertManager routes every alert to the topic (topic ARN, region).
var alertManager = strings.TrimLeft(`
alertmanager_config: |
  route:
    receiver: sns
    group_by: [alertname]
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 4h
  receivers:
    - name: sns
      sns_configs:
        - topic_arn: %s
          send_resolved: true
          sigv4:
            region: %s
          attributes:
            source: coder-amp
`, "\n")
