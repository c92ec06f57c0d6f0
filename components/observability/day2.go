package observability

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// Day2FailurePattern is the line configure.sh (components/delivery) prints
// on its way out of a failed run, whatever failed: an undeclared owner, a
// rejected token, coderd answering an error.
const Day2FailurePattern = "configure: FAILED"

// Day2Metric counts failed Day-2 configuration runs, from the container
// logs; its namespace is the stack's, since a metric filter carries no
// dimensions of its own. The day2-configuration row of thresholds.Table
// alarms on it.
const Day2Metric = thresholds.Day2Metric

// day2Namespace is the metric's namespace for a stack (the row's
// Namespace, CredentialNamespace/{stack}).
func day2Namespace(stack string) string { return CredentialNamespace + "/" + stack }

// createDay2Filter turns the failure line in the container logs into the
// metric the day2-configuration alarm watches (the control plane only).
func (m *Monitoring) createDay2Filter(ctx *pulumi.Context) error {
	if !m.args.Day2 {
		return nil
	}
	_, err := cloudwatch.NewLogMetricFilter(ctx, m.name+"-day2-failures", &cloudwatch.LogMetricFilterArgs{
		LogGroupName: m.ContainerLogs,
		Pattern:      pulumi.String(`"` + Day2FailurePattern + `"`),
		MetricTransformation: &cloudwatch.LogMetricFilterMetricTransformationArgs{
			Name: pulumi.String(Day2Metric), Namespace: pulumi.String(day2Namespace(m.args.Stack)), Value: pulumi.String("1"),
		},
	}, pulumi.Parent(m))
	return err
}
