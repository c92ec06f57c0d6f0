package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/platformeng/coder-platform/components/observability"
	"github.com/platformeng/coder-platform/internal/preview"
)

// Alarm is one CloudWatch metric alarm and its threshold, as registered.
type Alarm struct {
	Region, Name, Statistic, Metric, Comparison, Threshold string
	Datapoints, Evaluations, Period                        string
	Description                                            string
}

// Rule is one Prometheus alerting rule of a region's managed Prometheus.
type Rule struct {
	Region, Group, Alert, Expr, For, Severity, Summary string
}

func alarms(r *preview.Result) []Alarm {
	var out []Alarm
	for _, a := range r.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		x := Alarm{Region: r.RegionOf(a), Name: str(a, "name"), Statistic: str(a, "statistic"),
			Metric: str(a, "namespace") + "/" + str(a, "metricName"), Period: fnum(num(a, "period")),
			Comparison: observability.ComparisonSigns[str(a, "comparisonOperator")], Threshold: fnum(num(a, "threshold")),
			Datapoints: fnum(num(a, "datapointsToAlarm")), Evaluations: fnum(num(a, "evaluationPeriods")),
			Description: str(a, "alarmDescription")}
		// A Metrics Insights alarm: its query is the metric, its period the query's.
		if _, ok := a.Input("metricQueries[0].id"); ok {
			x.Statistic, x.Metric = "Insights", str(a, "metricQueries[0].expression")
			x.Period = fnum(num(a, "metricQueries[0].period"))
		}
		out = append(out, x)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// promRules reads the Prometheus rule files loaded into each region's
// workspace.
func promRules(r *preview.Result) ([]Rule, error) {
	var out []Rule
	for _, g := range r.OfType("aws:amp/ruleGroupNamespace:RuleGroupNamespace") {
		var file struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Alert, Expr, For string
					Labels           map[string]string `json:"labels"`
					Annotations      map[string]string `json:"annotations"`
				} `json:"rules"`
			} `json:"groups"`
		}
		if err := yaml.Unmarshal([]byte(str(g, "data")), &file); err != nil {
			return nil, fmt.Errorf("rule group %s: %w", g.Name, err)
		}
		for _, grp := range file.Groups {
			for _, rule := range grp.Rules {
				if rule.Alert == "" {
					continue // a recording rule (the SLOs'), not an alert
				}
				out = append(out, Rule{Region: r.RegionOf(g), Group: grp.Name, Alert: rule.Alert, Expr: strings.TrimSpace(rule.Expr),
					For: rule.For, Severity: rule.Labels["severity"], Summary: rule.Annotations["summary"]})
			}
		}
	}
	return out, nil
}

func fnum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
