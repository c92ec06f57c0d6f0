package preview

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/platformeng/coder-platform/components/observability"
	"github.com/platformeng/coder-platform/internal/mocks"
)

// writeAlarms lists every alarm with its threshold, by region: the
// CloudWatch alarms as registered, then the Prometheus alerts loaded into
// each region's managed Prometheus.
func (r *Result) writeAlarms(w io.Writer) {
	alarms := r.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")
	groups := r.OfType("aws:amp/ruleGroupNamespace:RuleGroupNamespace")
	if len(alarms) == 0 && len(groups) == 0 {
		return
	}
	fmt.Fprintln(w, "Alarms (each notifies its region's SNS topic on ALARM and OK)")
	sort.SliceStable(alarms, func(i, j int) bool { return inputStr(alarms[i], "name") < inputStr(alarms[j], "name") })
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, a := range alarms {
		stat, metric, period := inputStr(a, "statistic"), inputStr(a, "metricName"), inputNum(a, "period")
		if q, ok := a.Input("metricQueries"); ok && q.IsArray() && len(q.ArrayValue()) > 0 && q.ArrayValue()[0].IsObject() {
			// A Metrics Insights alarm: its query names the statistic.
			m := q.ArrayValue()[0].ObjectValue()
			stat, metric, period = "Insights", mocks.Str0(m, "label", "query"), 0
			if p, ok := m["period"]; ok && p.IsNumber() {
				period = p.NumberValue()
			}
		}
		fmt.Fprintf(w, "  %-10s %-52s %s(%s) %s %s for %s of %s × %ss\n", r.RegionOf(a), inputStr(a, "name"),
			stat, metric, observability.ComparisonSigns[inputStr(a, "comparisonOperator")],
			num(inputNum(a, "threshold")), num(inputNum(a, "datapointsToAlarm")), num(inputNum(a, "evaluationPeriods")), num(period))
	}
	for _, g := range groups {
		var file struct {
			Groups []struct {
				Rules []struct {
					Alert, Expr, For string
				} `json:"rules"`
			} `json:"groups"`
		}
		if err := yaml.Unmarshal([]byte(inputStr(g, "data")), &file); err != nil {
			fmt.Fprintf(w, "  %-10s rule group %s: unreadable (%v)\n", r.RegionOf(g), g.Name, err)
			continue
		}
		for _, grp := range file.Groups {
			for _, rule := range grp.Rules {
				if rule.Alert == "" {
					continue // a recording rule (the SLOs'), not an alert
				}
				fmt.Fprintf(w, "  %-10s %-52s %s for %s\n", r.RegionOf(g), "prometheus/"+rule.Alert, strings.TrimSpace(rule.Expr), rule.For)
			}
		}
	}
	fmt.Fprintln(w)
}
