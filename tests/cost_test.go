package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks"
)

const (
	tCostControl     = "coder:costcontrol:CostControl"
	tBudget          = "aws:budgets/budget:Budget"
	tAnomalyMonitor  = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
	tAnomalySub      = "aws:costexplorer/anomalySubscription:AnomalySubscription"
	tCostAllocation  = "aws:costexplorer/costAllocationTag:CostAllocationTag"
	tSNSTopic        = "aws:sns/topic:Topic"
	tSNSTopicPolicy  = "aws:sns/topicPolicy:TopicPolicy"
	costAlertsKeySid = "CostAlertsPublish"
)

// Each stack registers its cost controls once, with the control plane's
// provider: a monthly budget on its stack tag alerting the control plane's
// topic, an anomaly monitor on the same tag with an SNS subscription, and
// the four cost allocation tags its provider sets; the topic's policy and
// key let the two services publish.
func TestStacksRegisterCostControls(t *testing.T) {
	t.Parallel()
	want := map[string]struct {
		region string
		budget string
	}{"prod": {"us-east-1", "131000.00"}, "workshop": {"us-east-2", "9100.00"}}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := stack(t, name)
			comps := ofType(r, tCostControl)
			require.Len(t, comps, 1, "one per stack")
			comp := comps[0]

			// The control plane's alarm topic.
			var topic *preview.Resource
			for _, tp := range ofType(r, tSNSTopic) {
				if regionOf(r, tp) == w.region && strings.HasSuffix(tp.Name, "-alarms") {
					topic = tp
				}
			}
			require.NotNil(t, topic, "the control plane's alarm topic")

			budgets := ofType(r, tBudget)
			require.Len(t, budgets, 1)
			b := budgets[0]
			assert.True(t, under(r, b, comp.URN))
			assert.Equal(t, w.region, regionOf(r, b), "the control plane's provider")
			assert.Equal(t, "COST", str(b, "budgetType"))
			assert.Equal(t, "MONTHLY", str(b, "timeUnit"))
			assert.Equal(t, w.budget, str(b, "limitAmount"))
			assert.Equal(t, "TagKeyValue", str(b, "costFilters[0].name"))
			assert.Equal(t, []string{"user:stack$" + name}, strs(b, "costFilters[0].values"))
			for i, kind := range []string{"ACTUAL", "FORECASTED"} {
				at := "notifications[" + string(rune('0'+i)) + "]."
				assert.Equal(t, kind, str(b, at+"notificationType"))
				assert.Equal(t, map[string]float64{"ACTUAL": 80, "FORECASTED": 100}[kind], num(b, at+"threshold"))
				assert.Equal(t, "PERCENTAGE", str(b, at+"thresholdType"))
			}
			assert.Contains(t, b.PropertyDependencies["notifications"], topic.URN, "the budget alerts the control plane's topic")

			monitors := ofType(r, tAnomalyMonitor)
			require.Len(t, monitors, 1)
			m := monitors[0]
			assert.Equal(t, "CUSTOM", str(m, "monitorType"))
			var spec struct {
				Tags struct {
					Key    string
					Values []string
				}
			}
			require.NoError(t, json.Unmarshal([]byte(str(m, "monitorSpecification")), &spec))
			assert.Equal(t, "user:stack", spec.Tags.Key)
			assert.Equal(t, []string{name}, spec.Tags.Values)

			subs := ofType(r, tAnomalySub)
			require.Len(t, subs, 1)
			s := subs[0]
			assert.Equal(t, "IMMEDIATE", str(s, "frequency"))
			assert.Equal(t, "SNS", str(s, "subscribers[0].type"))
			assert.Contains(t, s.PropertyDependencies["subscribers"], topic.URN)
			assert.Contains(t, s.PropertyDependencies["monitorArnLists"], m.URN)
			assert.Equal(t, "ANOMALY_TOTAL_IMPACT_ABSOLUTE", str(s, "thresholdExpression.dimension.key"))

			var keys []string
			for _, tag := range ofType(r, tCostAllocation) {
				assert.Equal(t, "Active", str(tag, "status"))
				assert.True(t, under(r, tag, comp.URN))
				keys = append(keys, str(tag, "tagKey"))
			}
			assert.ElementsMatch(t, stacks.CostAllocationTags, keys)
			assert.ElementsMatch(t, []string{"project", "stack", "cost-center", "owner"}, keys)

			// The topic's policy and its key let Budgets and Cost Anomaly
			// Detection publish, in the control plane only.
			for _, pol := range ofType(r, tSNSTopicPolicy) {
				doc := str(pol, "policy")
				if doc == "" {
					continue // not known during the preview
				}
				has := strings.Contains(doc, "budgets.amazonaws.com") && strings.Contains(doc, "costalerts.amazonaws.com")
				assert.Equal(t, regionOf(r, pol) == w.region, has, "%s", pol.URN)
			}
			for _, key := range ofType(r, "aws:kms/key:Key") {
				if !strings.HasSuffix(key.Name, "-sns") {
					continue
				}
				doc := str(key, "policy")
				if doc == "" {
					continue
				}
				assert.Equal(t, regionOf(r, key) == w.region, strings.Contains(doc, costAlertsKeySid), "%s", key.URN)
			}
		})
	}
}

func ofType(r *preview.Result, typ string) []*preview.Resource {
	var out []*preview.Resource
	for _, res := range r.Resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}
