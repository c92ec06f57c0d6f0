package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// createAlarms creates every CloudWatch alarm of the region. Each notifies
// the topic on ALARM and on OK, and links its runbook section.
func (m *Monitoring) createAlarms(ctx *pulumi.Context) error {
	a := m.args
	type set struct {
		alarms []Alarm
		dims   pulumi.StringMap
	}
	var sets []set
	if a.ContainerInsights {
		sets = append(sets, set{NodeAlarms(a.Thresholds, a.RestartNamespaces), pulumi.StringMap{"ClusterName": a.ClusterName}})
	}
	if a.Database != nil {
		sets = append(sets, set{DatabaseAlarms(a.Thresholds, a.Database.MaxACU), pulumi.StringMap{"DBClusterIdentifier": a.Database.ClusterIdentifier}})
	}
	if lb := a.LoadBalancer; lb != nil {
		for _, al := range LoadBalancerAlarms(a.Thresholds) {
			sets = append(sets, set{[]Alarm{al}, lb.dimensions(al)})
		}
	}
	if a.Day2 {
		sets = append(sets, set{[]Alarm{Day2Alarm(a.Stack)}, pulumi.StringMap{}})
	}
	if cr := a.Credentials; cr != nil {
		sets = append(sets, set{CredentialAlarms(a.Thresholds, cr.Watched, cr.External, cr.License != ""),
			pulumi.StringMap{"Stack": pulumi.String(a.Stack), "Region": pulumi.String(a.Region)}})
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
