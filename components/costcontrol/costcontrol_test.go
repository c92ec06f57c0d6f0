package costcontrol_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/costcontrol"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
)

const (
	name     = "coder-test-cost"
	topicArn = "arn:aws:sns:us-east-1:123456789012:coder-test-us-east-1-alarms"

	tComponent    = "coder:costcontrol:CostControl"
	tBudget       = "aws:budgets/budget:Budget"
	tMonitor      = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
	tSubscription = "aws:costexplorer/anomalySubscription:AnomalySubscription"
	tTag          = "aws:costexplorer/costAllocationTag:CostAllocationTag"
)

func args() *costcontrol.CostControlArgs {
	return &costcontrol.CostControlArgs{
		Stack: "test", TagKey: "stack", ActivateTags: []string{"project", "stack", "cost-center", "owner"},
		MonthlyBudget: 12345.5, ActualAlertPercent: 80, ForecastAlertPercent: 100, AnomalyThreshold: 250,
		TopicArn: pulumi.String(topicArn),
	}
}

func register(t *testing.T, a *costcontrol.CostControlArgs) (ct.Resources, error) {
	t.Helper()
	return ct.RunErr(func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		_, err = costcontrol.NewCostControl(ctx, name, a, pulumi.Provider(prov))
		return err
	})
}

func TestCostControl(t *testing.T) {
	t.Parallel()
	rs, err := register(t, args())
	require.NoError(t, err)
	comp := rs.Named(tComponent, name)
	require.NotNil(t, comp)
	for _, r := range rs {
		if r.Type != tComponent && r.Type != "pulumi:providers:aws" && r.Type != "pulumi:pulumi:Stack" {
			assert.True(t, r.Parent == comp.URN || rs.Named(tMonitor, name).URN == r.Parent, "%s %s is under the component", r.Type, r.Name)
			assert.True(t, strings.HasPrefix(r.Provider, "urn:pulumi:") && strings.Contains(r.Provider, "aws-us-east-1"),
				"%s %s uses the given provider: %s", r.Type, r.Name, r.Provider)
		}
	}

	// One cost allocation tag per key, active.
	tags := rs.OfType(tTag)
	require.Len(t, tags, 4)
	var keys []string
	for _, tag := range tags {
		keys = append(keys, ct.String(t, tag, "tagKey"))
		assert.Equal(t, "Active", ct.String(t, tag, "status"))
	}
	assert.ElementsMatch(t, []string{"project", "stack", "cost-center", "owner"}, keys, "registered concurrently: any order")

	// The monthly cost budget on the stack's tag, alerting the topic at 80 %
	// actual and 100 % forecast.
	budget := rs.Named(tBudget, name)
	require.NotNil(t, budget)
	assert.Equal(t, "COST", ct.String(t, budget, "budgetType"))
	assert.Equal(t, "MONTHLY", ct.String(t, budget, "timeUnit"))
	assert.Equal(t, "12345.50", ct.String(t, budget, "limitAmount"))
	assert.Equal(t, "USD", ct.String(t, budget, "limitUnit"))
	assert.Equal(t, []any{map[string]any{"name": "TagKeyValue", "values": []any{"user:stack$test"}}}, ct.Input(t, budget, "costFilters"))
	notes := ct.Input(t, budget, "notifications").([]any)
	require.Len(t, notes, 2)
	for i, want := range []struct {
		kind    string
		percent float64
	}{{"ACTUAL", 80}, {"FORECASTED", 100}} {
		n := notes[i].(map[string]any)
		assert.Equal(t, want.kind, n["notificationType"])
		assert.Equal(t, want.percent, n["threshold"])
		assert.Equal(t, "PERCENTAGE", n["thresholdType"])
		assert.Equal(t, "GREATER_THAN", n["comparisonOperator"])
		assert.Equal(t, []any{topicArn}, n["subscriberSnsTopicArns"])
	}
	for _, tag := range tags {
		assert.Contains(t, budget.Dependencies, tag.URN, "the budget waits for the tags' activation")
	}

	// A custom monitor on the stack's tag, and an immediate SNS subscription
	// from $250 of total impact.
	monitor := rs.Named(tMonitor, name)
	require.NotNil(t, monitor)
	assert.Equal(t, "CUSTOM", ct.String(t, monitor, "monitorType"))
	var spec map[string]any
	require.NoError(t, json.Unmarshal([]byte(ct.String(t, monitor, "monitorSpecification")), &spec))
	assert.Equal(t, map[string]any{
		"And": nil, "CostCategories": nil, "Dimensions": nil, "Not": nil, "Or": nil,
		"Tags": map[string]any{"Key": "user:stack", "MatchOptions": nil, "Values": []any{"test"}},
	}, spec)
	sub := rs.Named(tSubscription, name)
	require.NotNil(t, sub)
	assert.Equal(t, "IMMEDIATE", ct.String(t, sub, "frequency"))
	assert.Equal(t, []any{map[string]any{"type": "SNS", "address": topicArn}}, ct.Input(t, sub, "subscribers"))
	assert.Equal(t, map[string]any{"key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "matchOptions": []any{"GREATER_THAN_OR_EQUAL"}, "values": []any{"250"}},
		ct.Input(t, sub, "thresholdExpression.dimension"))
	assert.Len(t, ct.Input(t, sub, "monitorArnLists"), 1)
	assert.Contains(t, sub.PropertyDependencies["monitorArnLists"], monitor.URN)
}

func TestCostControlRefusesABudgetOnAnInactiveTag(t *testing.T) {
	t.Parallel()
	a := args()
	a.ActivateTags = []string{"project", "owner"}
	_, err := register(t, a)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `must include the budget's tag "stack"`)
}

func TestFilterValues(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "user:stack$prod", costcontrol.TagKeyValue("stack", "prod"))
	assert.JSONEq(t, `{"And":null,"CostCategories":null,"Dimensions":null,"Not":null,"Or":null,
		"Tags":{"Key":"user:stack","MatchOptions":null,"Values":["workshop"]}}`, costcontrol.MonitorSpecification("stack", "workshop"))
}
