package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/sizing"
)

// createDashboard is the region's one-glance view of health and capacity:
// alarm states, nodes, workspaces, the database, the edge and key age.
func (m *Monitoring) createDashboard(ctx *pulumi.Context) error {
	a := m.args
	widgets := pulumi.Array{
		widget("text", 24, 2, pulumi.Map{"markdown": pulumi.String(fmt.Sprintf(
			"## Coder %s · %s\nAlarms notify the region's SNS topic; every alarm links its [runbook](%s). Coder's API latency and queue alerts run in the region's Managed Prometheus.",
			a.Stack, a.Region, a.RunbookURL))}),
		widget("alarm", 24, 4, pulumi.Map{"title": pulumi.String("Alarms"), "alarms": m.alarmArns}),
	}
	metric := func(title string, stat string, lines ...pulumi.Array) pulumi.Map {
		ms := pulumi.Array{}
		for _, l := range lines {
			ms = append(ms, append(l, pulumi.Map{"stat": pulumi.String(stat)}))
		}
		return pulumi.Map{"title": pulumi.String(title), "region": pulumi.String(a.Region), "period": pulumi.Int(60),
			"view": pulumi.String("timeSeries"), "metrics": ms}
	}
	if a.ContainerInsights {
		ci := func(name string) pulumi.Array {
			return pulumi.Array{pulumi.String("ContainerInsights"), pulumi.String(name), pulumi.String("ClusterName"), a.ClusterName}
		}
		ws := pulumi.Array{pulumi.String("ContainerInsights"), pulumi.String("namespace_number_of_running_pods"),
			pulumi.String("Namespace"), pulumi.String(workloads.NamespaceWorkspaces), pulumi.String("ClusterName"), a.ClusterName}
		widgets = append(widgets,
			widget("metric", 8, 6, metric("Node CPU and memory (max %)", "Maximum", ci("node_cpu_utilization"), ci("node_memory_utilization"))),
			widget("metric", 8, 6, metric("Node ephemeral storage (max %)", "Maximum", ci("node_filesystem_utilization"))),
			widget("metric", 8, 6, metric("Nodes and running workspaces", "Average", ci("cluster_node_count"), ws)))
	}
	if db := a.Database; db != nil {
		rds := func(name string) pulumi.Array {
			return pulumi.Array{pulumi.String("AWS/RDS"), pulumi.String(name), pulumi.String("DBClusterIdentifier"), db.ClusterIdentifier}
		}
		widgets = append(widgets,
			widget("metric", 12, 6, metric("Aurora CPU and ACU (%)", "Average", rds("CPUUtilization"), rds("ACUUtilization"))),
			widget("metric", 12, 6, metric(fmt.Sprintf("Aurora connections (max_connections %d)", sizing.MaxConnections(db.MaxACU, db.MaxACU)), "Maximum",
				rds("DatabaseConnections"))))
	}
	if lb := a.LoadBalancer; lb != nil {
		nlb := func(name string) pulumi.Array {
			return pulumi.Array{pulumi.String("AWS/NetworkELB"), pulumi.String(name), pulumi.String("LoadBalancer"), lb.ArnSuffix}
		}
		widgets = append(widgets,
			widget("metric", 12, 6, metric("NLB flows and TLS errors", "Sum", nlb("ActiveFlowCount_TLS"), nlb("ClientTLSNegotiationErrorCount"))),
			widget("metric", 12, 6, metric("NLB healthy and unhealthy coderd targets", "Maximum",
				pulumi.Array{pulumi.String("AWS/NetworkELB"), pulumi.String("HealthyHostCount"), pulumi.String("LoadBalancer"), lb.ArnSuffix, pulumi.String("TargetGroup"), lb.TargetGroupArnSuffix},
				pulumi.Array{pulumi.String("AWS/NetworkELB"), pulumi.String("UnHealthyHostCount"), pulumi.String("LoadBalancer"), lb.ArnSuffix, pulumi.String("TargetGroup"), lb.TargetGroupArnSuffix})))
	}
	if cr := a.Credentials; cr != nil {
		series := []pulumi.Array{{pulumi.String(CredentialNamespace), pulumi.String(CredentialMetric), pulumi.String("Stack"), pulumi.String(a.Stack), pulumi.String("Region"), pulumi.String(a.Region)}}
		if cr.License != "" {
			series = append(series, pulumi.Array{pulumi.String(CredentialNamespace), pulumi.String(LicenseMetric), pulumi.String("Stack"), pulumi.String(a.Stack), pulumi.String("Region"), pulumi.String(a.Region)})
		}
		widgets = append(widgets, widget("metric", 12, 6, metric("Credentials: days to renewal (min) and to licence expiry", "Minimum", series...)))
	}
	d, err := cloudwatch.NewDashboard(ctx, m.name, &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(m.name),
		DashboardBody: pulumi.JSONMarshal(pulumi.Map{"widgets": widgets}),
	}, pulumi.Parent(m))
	if err != nil {
		return err
	}
	m.Dashboard = d.DashboardName
	return nil
}

func widget(kind string, width, height int, props pulumi.Map) pulumi.Map {
	return pulumi.Map{"type": pulumi.String(kind), "width": pulumi.Int(width), "height": pulumi.Int(height), "properties": props}
}
