// Package costcontrol is a stack's cost controls: a monthly AWS Budgets
// cost budget and a Cost Anomaly Detection monitor, both on the stack's cost
// allocation tag and both alerting an SNS topic, and the activation of the
// cost allocation tags the stack's resources carry. Budgets and Cost
// Explorer are global services: the component is registered once per stack,
// with any one region's provider (the stacks use the control plane's).
package costcontrol

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/budgets"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/costexplorer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/tokens"
)

// CostControlArgs configures the cost controls of one stack.
type CostControlArgs struct {
	// Stack is the stack's name, the value of its TagKey tag.
	Stack string
	// TagKey is the tag every resource of the stack carries with the stack's
	// name ("stack"); the budget and the monitor select costs by it.
	TagKey string
	// ActivateTags are the tag keys activated as cost allocation tags; they
	// must include TagKey, or the budget and the monitor see no cost.
	ActivateTags []string
	// MonthlyBudget is the budget in USD a month.
	MonthlyBudget float64
	// ActualAlertPercent and ForecastAlertPercent are the shares of the
	// budget whose actual and forecast cost alert.
	ActualAlertPercent, ForecastAlertPercent float64
	// AnomalyThreshold is the total impact in USD from which an anomaly alerts.
	AnomalyThreshold float64
	// TopicArn is the SNS topic every alert goes to; its policy and key must
	// let budgets.amazonaws.com and costalerts.amazonaws.com publish.
	TopicArn pulumi.StringInput
}

// CostControl is one stack's budget, anomaly monitor and cost allocation tags.
type CostControl struct {
	pulumi.ResourceState

	BudgetName      pulumi.StringOutput `pulumi:"budgetName"`
	MonitorArn      pulumi.StringOutput `pulumi:"monitorArn"`
	SubscriptionArn pulumi.StringOutput `pulumi:"subscriptionArn"`
}

// TagKeyValue is the budget cost filter value of a user-defined tag:
// "user:<key>$<value>" (the TagKeyValue filter of the AWS Budgets API, as in
// the pulumi-aws budgets.Budget example "user:business-unit$human_resources").
func TagKeyValue(key, value string) string { return "user:" + key + "$" + value }

// MonitorSpecification is the Cost Explorer expression of a CUSTOM anomaly
// monitor that selects the costs tagged key=value. It is written in the
// shape the provider reads back (the AWS SDK's Expression marshalled, every
// absent field null, the tag key with its "user:" prefix, as in the
// terraform-provider-aws acceptance test of aws_ce_anomaly_monitor), so a
// refresh reports no change; the monitor is replaced when it changes.
func MonitorSpecification(key, value string) string {
	spec := map[string]any{
		"And": nil, "CostCategories": nil, "Dimensions": nil, "Not": nil, "Or": nil,
		"Tags": map[string]any{"Key": "user:" + key, "MatchOptions": nil, "Values": []string{value}},
	}
	b, err := json.Marshal(spec)
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return string(b)
}

// NewCostControl registers the stack's cost controls under name.
func NewCostControl(ctx *pulumi.Context, name string, args *CostControlArgs, opts ...pulumi.ResourceOption) (*CostControl, error) {
	if args.TagKey == "" || args.Stack == "" {
		return nil, fmt.Errorf("costcontrol %s: Stack and TagKey are required", name)
	}
	activates := false
	for _, k := range args.ActivateTags {
		activates = activates || k == args.TagKey
	}
	if !activates {
		return nil, fmt.Errorf("costcontrol %s: ActivateTags %v must include the budget's tag %q", name, args.ActivateTags, args.TagKey)
	}
	c := &CostControl{}
	if err := ctx.RegisterComponentResourceV2(tokens.CostControl, name, pulumi.Map{
		"stack": pulumi.String(args.Stack), "tagKey": pulumi.String(args.TagKey),
		"activateTags": pulumi.ToStringArray(args.ActivateTags), "monthlyBudget": pulumi.Float64(args.MonthlyBudget),
		"actualAlertPercent": pulumi.Float64(args.ActualAlertPercent), "forecastAlertPercent": pulumi.Float64(args.ForecastAlertPercent),
		"anomalyThreshold": pulumi.Float64(args.AnomalyThreshold),
	}, c, opts...); err != nil {
		return nil, err
	}
	// Activating a tag makes it a filter for Budgets and Cost Explorer; the
	// budget and the monitor wait for theirs. A tag appears in the billing
	// console (and can be activated) only once a resource carries it.
	var tags []pulumi.Resource
	for _, key := range args.ActivateTags {
		t, err := costexplorer.NewCostAllocationTag(ctx, fmt.Sprintf("%s-tag-%s", name, key), &costexplorer.CostAllocationTagArgs{
			TagKey: pulumi.String(key), Status: pulumi.String("Active"),
		}, pulumi.Parent(c))
		if err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	topics := pulumi.StringArray{args.TopicArn}
	notify := func(kind string, percent float64) *budgets.BudgetNotificationArgs {
		return &budgets.BudgetNotificationArgs{
			NotificationType: pulumi.String(kind), ComparisonOperator: pulumi.String("GREATER_THAN"),
			Threshold: pulumi.Float64(percent), ThresholdType: pulumi.String("PERCENTAGE"),
			SubscriberSnsTopicArns: topics,
		}
	}
	budget, err := budgets.NewBudget(ctx, name, &budgets.BudgetArgs{
		Name:        pulumi.String(name),
		BudgetType:  pulumi.String("COST"),
		TimeUnit:    pulumi.String("MONTHLY"),
		LimitAmount: pulumi.String(strconv.FormatFloat(args.MonthlyBudget, 'f', 2, 64)),
		LimitUnit:   pulumi.String("USD"),
		CostFilters: budgets.BudgetCostFilterArray{&budgets.BudgetCostFilterArgs{
			Name: pulumi.String("TagKeyValue"), Values: pulumi.StringArray{pulumi.String(TagKeyValue(args.TagKey, args.Stack))},
		}},
		Notifications: budgets.BudgetNotificationArray{
			notify("ACTUAL", args.ActualAlertPercent),
			notify("FORECASTED", args.ForecastAlertPercent),
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(name)},
	}, pulumi.Parent(c), pulumi.DependsOn(tags))
	if err != nil {
		return nil, err
	}
	monitor, err := costexplorer.NewAnomalyMonitor(ctx, name, &costexplorer.AnomalyMonitorArgs{
		Name:                 pulumi.String(name),
		MonitorType:          pulumi.String("CUSTOM"),
		MonitorSpecification: pulumi.String(MonitorSpecification(args.TagKey, args.Stack)),
		Tags:                 pulumi.StringMap{"Name": pulumi.String(name)},
	}, pulumi.Parent(c), pulumi.DependsOn(tags))
	if err != nil {
		return nil, err
	}
	// An SNS subscriber takes alerts one by one: IMMEDIATE is the frequency
	// for SNS (DAILY and WEEKLY summaries go to email; AnomalySubscription,
	// AWS Billing and Cost Management API Reference).
	sub, err := costexplorer.NewAnomalySubscription(ctx, name, &costexplorer.AnomalySubscriptionArgs{
		Name:            pulumi.String(name),
		Frequency:       pulumi.String("IMMEDIATE"),
		MonitorArnLists: pulumi.StringArray{monitor.Arn},
		Subscribers: costexplorer.AnomalySubscriptionSubscriberArray{&costexplorer.AnomalySubscriptionSubscriberArgs{
			Type: pulumi.String("SNS"), Address: args.TopicArn,
		}},
		ThresholdExpression: &costexplorer.AnomalySubscriptionThresholdExpressionArgs{
			Dimension: &costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs{
				Key:          pulumi.String("ANOMALY_TOTAL_IMPACT_ABSOLUTE"),
				MatchOptions: pulumi.StringArray{pulumi.String("GREATER_THAN_OR_EQUAL")},
				Values:       pulumi.StringArray{pulumi.String(strconv.FormatFloat(args.AnomalyThreshold, 'f', -1, 64))},
			},
		},
		Tags: pulumi.StringMap{"Name": pulumi.String(name)},
	}, pulumi.Parent(monitor))
	if err != nil {
		return nil, err
	}
	c.BudgetName, c.MonitorArn, c.SubscriptionArn = budget.Name, monitor.Arn, sub.Arn
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"budgetName": c.BudgetName, "monitorArn": c.MonitorArn, "subscriptionArn": c.SubscriptionArn,
	}); err != nil {
		return nil, err
	}
	return c, nil
}
