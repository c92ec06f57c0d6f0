package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/costcontrol"
	"github.com/platformeng/coder-platform/stacks/config"
)

// costAlerts reports whether a region's alarm topic, and its key, take the
// stack's cost alerts: the control plane's, when the stack has cost controls.
func costAlerts(cfg *config.Plan, rc *config.Region) bool {
	return cfg.Cost.On() && rc.Role.RunsCoderd()
}

// deployCostControl registers the stack's budget, anomaly monitor and cost
// allocation tags once, with the control plane's provider (Budgets and Cost
// Explorer are global), alerting the control plane's alarm topic.
func deployCostControl(ctx *pulumi.Context, cfg *config.Plan, p *Platform, d *diagnostics) error {
	c := cfg.Cost
	if !c.On() {
		d.add(Warning, "stack cost", "cost.enabled is false: no budget, anomaly monitor or cost allocation tags")
		return nil
	}
	// The budget is a figure from config, not from `platform cost`: the
	// estimate prices a preview, which the program cannot run inside itself.
	d.add(Info, "stack cost", "monthly budget $%.0f on tag %s=%s: alerts at %g%% actual and %g%% forecast, anomalies from $%g; "+
		"compare it with `platform cost --stack %s`", c.MonthlyBudget, TagStack, cfg.Name,
		c.ActualAlertPercent, c.ForecastAlertPercent, c.AnomalyThreshold, cfg.Name)
	cp := p.ControlPlane
	_, err := costcontrol.NewCostControl(ctx, "coder-"+cfg.Name+"-cost", &costcontrol.CostControlArgs{
		Stack: cfg.Name, TagKey: TagStack, ActivateTags: CostAllocationTags,
		MonthlyBudget: c.MonthlyBudget, ActualAlertPercent: c.ActualAlertPercent, ForecastAlertPercent: c.ForecastAlertPercent,
		AnomalyThreshold: c.AnomalyThreshold, TopicArn: cp.Monitoring.TopicArn,
	}, pulumi.Provider(cp.Provider), pulumi.DependsOn([]pulumi.Resource{cp.Monitoring}))
	return err
}
