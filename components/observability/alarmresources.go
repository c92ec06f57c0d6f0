package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// createAlarms creates every CloudWatch alarm of the region, the rows of
// thresholds.Table for what the region watches, source by source. Each
// notifies the topic on ALARM and on OK, and links its runbook section.
func (m *Monitoring) createAlarms(ctx *pulumi.Context) error {
	a, sc := m.args, m.scope()
	type set struct {
		alarms []Alarm
		dims   pulumi.StringMap
	}
	var sets []set
	for _, on := range thresholds.Sources {
		switch {
		case on.Prometheus():
			// Rules, made by createRules.
		case on == thresholds.Nodes && a.ContainerInsights:
			sets = append(sets, set{sc.alarms(on), pulumi.StringMap{"ClusterName": a.ClusterName}})
		case on == thresholds.Database && a.Database != nil:
			sets = append(sets, set{sc.alarms(on), pulumi.StringMap{"DBClusterIdentifier": a.Database.ClusterIdentifier}})
		case on == thresholds.LoadBalancer && a.LoadBalancer != nil:
			for _, al := range sc.alarms(on) {
				sets = append(sets, set{[]Alarm{al}, a.LoadBalancer.dimensions(al)})
			}
		case on == thresholds.Day2 && a.Day2:
			sets = append(sets, set{sc.alarms(on), pulumi.StringMap{}})
		case on == thresholds.Credentials && a.Credentials != nil,
			on == thresholds.License && a.Credentials != nil && a.Credentials.License != "":
			sets = append(sets, set{sc.alarms(on), pulumi.StringMap{"Stack": pulumi.String(a.Stack), "Region": pulumi.String(a.Region)}})
		}
	}
	for _, s := range sets {
		for _, al := range s.alarms {
			dims := pulumi.StringMap{}
			for k, v := range s.dims {
				dims[k] = v
			}
			for k, v := range al.Dimensions {
				dims[k] = pulumi.String(v)
			}
			args := &cloudwatch.MetricAlarmArgs{
				Name:               pulumi.String(m.name + "-" + al.Name),
				AlarmDescription:   pulumi.String(fmt.Sprintf("%s: %s. Runbook: %s", al.Summary, al.Condition(), m.runbook(al.Runbook))),
				ComparisonOperator: pulumi.String(al.Comparison),
				Threshold:          pulumi.Float64(al.Threshold),
				EvaluationPeriods:  pulumi.Int(al.Evaluations),
				DatapointsToAlarm:  pulumi.Int(al.Breaching),
				TreatMissingData:   pulumi.String(al.Missing),
				AlarmActions:       pulumi.Array{m.TopicArn},
				OkActions:          pulumi.Array{m.TopicArn},
				Tags:               pulumi.StringMap{"coder:runbook": pulumi.String(al.Runbook)},
			}
			if al.Query != "" {
				args.MetricQueries = cloudwatch.MetricAlarmMetricQueryArray{cloudwatch.MetricAlarmMetricQueryArgs{
					Id: pulumi.String("q"), Expression: pulumi.Sprintf(al.Query, a.ClusterName),
					Period: pulumi.Int(al.Period), ReturnData: pulumi.Bool(true), Label: pulumi.String(al.Metric),
				}}
			} else {
				args.Namespace, args.MetricName, args.Dimensions = pulumi.String(al.Namespace), pulumi.String(al.Metric), dims
				args.Statistic, args.Period = pulumi.String(al.Statistic), pulumi.Int(al.Period)
			}
			alarm, err := cloudwatch.NewMetricAlarm(ctx, m.name+"-"+al.Name, args, pulumi.Parent(m))
			if err != nil {
				return err
			}
			m.alarmArns = append(m.alarmArns, alarm.Arn)
		}
	}
	return nil
}

// dimensions are the load balancer's, and its target group's for a metric
// that exists per target group; by the alarm's own field, never by its
// place in a list.
func (lb *LoadBalancerRefs) dimensions(al Alarm) pulumi.StringMap {
	dims := pulumi.StringMap{"LoadBalancer": lb.ArnSuffix}
	if al.PerTargetGroup {
		dims["TargetGroup"] = lb.TargetGroupArnSuffix
	}
	return dims
}

// scope is what the region's alarms are made concrete with.
func (m *Monitoring) scope() scope {
	a := m.args
	s := scope{t: a.Thresholds, stack: a.Stack, namespaces: a.RestartNamespaces}
	if a.Database != nil {
		s.maxACU = a.Database.MaxACU
	}
	if cr := a.Credentials; cr != nil {
		s.credentials = cr.watched()
	}
	return s
}
