package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
)

// createTopic is the region's alarm topic: KMS-encrypted, publishable only
// by CloudWatch alarms, the region's AMP alert manager and, with
// CostAlerts, AWS Budgets and Cost Anomaly Detection, with the configured
// subscriptions.
func (m *Monitoring) createTopic(ctx *pulumi.Context) error {
	a := m.args
	topic, err := sns.NewTopic(ctx, m.name+"-alarms", &sns.TopicArgs{
		DisplayName:    pulumi.String(fmt.Sprintf("Coder %s %s alarms", a.Stack, a.Region)),
		KmsMasterKeyId: a.SNSKeyArn,
		Tags:           m.tags(m.name + "-alarms"),
	}, pulumi.Parent(m))
	if err != nil {
		return err
	}
	doc := policydoc.Document{
		{Sid: "AlarmsPublish", Principal: policydoc.Service("cloudwatch.amazonaws.com"),
			Actions: []string{"sns:Publish"}, Resources: pulumi.StringArray{topic.Arn},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": a.AccountID}}},
		{Sid: "DenyPlaintext", Deny: true, Principal: pulumi.Map{"AWS": pulumi.String("*")},
			Actions: []string{"sns:Publish"}, Resources: pulumi.StringArray{topic.Arn},
			Condition: pulumi.Map{"Bool": pulumi.Map{"aws:SecureTransport": pulumi.String("false")}}},
	}
	if a.Prometheus != nil {
		// AMP's alert manager reads the topic before it publishes: "Giving
		// Amazon Managed Service for Prometheus permission to send alert
		// messages to your Amazon SNS topic" (AMP User Guide).
		doc = append(doc, policydoc.Statement{Sid: "PrometheusAlertsPublish", Principal: policydoc.Service("aps.amazonaws.com"),
			Actions: []string{"sns:Publish", "sns:GetTopicAttributes"}, Resources: pulumi.StringArray{topic.Arn},
			Condition: pulumi.Map{
				"ArnEquals":    pulumi.Map{"aws:SourceArn": a.Prometheus.WorkspaceArn},
				"StringEquals": pulumi.Map{"aws:SourceAccount": a.AccountID},
			}})
	}
	if a.CostAlerts {
		// "Creating an Amazon SNS topic for budget notifications" and "...
		// for anomaly notifications" (AWS Cost Management User Guide): the
		// budgets of this account, and Cost Anomaly Detection on its behalf.
		doc = append(doc,
			policydoc.Statement{Sid: "BudgetsPublish", Principal: policydoc.Service("budgets.amazonaws.com"),
				Actions: []string{"sns:Publish"}, Resources: pulumi.StringArray{topic.Arn},
				Condition: pulumi.Map{
					"StringEquals": pulumi.Map{"aws:SourceAccount": a.AccountID},
					"ArnLike":      pulumi.Map{"aws:SourceArn": pulumi.Sprintf("arn:aws:budgets::%s:*", a.AccountID)},
				}},
			policydoc.Statement{Sid: "CostAnomalyPublish", Principal: policydoc.Service("costalerts.amazonaws.com"),
				Actions: []string{"sns:Publish"}, Resources: pulumi.StringArray{topic.Arn},
				Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": a.AccountID}}})
	}
	if a.SecurityFindings {
		// "Amazon SNS permissions" (EventBridge User Guide): the rules of
		// this account in this region.
		doc = append(doc, policydoc.Statement{Sid: "EventBridgePublish", Principal: policydoc.Service("events.amazonaws.com"),
			Actions: []string{"sns:Publish"}, Resources: pulumi.StringArray{topic.Arn},
			Condition: pulumi.Map{
				"StringEquals": pulumi.Map{"aws:SourceAccount": a.AccountID},
				"ArnLike":      pulumi.Map{"aws:SourceArn": pulumi.Sprintf("arn:aws:events:%s:%s:rule/*", a.Region, a.AccountID)},
			}})
	}
	if _, err := sns.NewTopicPolicy(ctx, m.name+"-alarms", &sns.TopicPolicyArgs{Arn: topic.Arn, Policy: doc.JSON()},
		pulumi.Parent(topic)); err != nil {
		return err
	}
	for i, s := range a.Notifications {
		if _, err := sns.NewTopicSubscription(ctx, fmt.Sprintf("%s-alarms-%d", m.name, i), &sns.TopicSubscriptionArgs{
			Topic: topic.Arn, Protocol: pulumi.String(s.Protocol), Endpoint: pulumi.String(s.Endpoint),
		}, pulumi.Parent(topic)); err != nil {
			return err
		}
	}
	m.TopicArn = topic.Arn
	return nil
}
