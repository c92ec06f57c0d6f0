package cluster

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Unchanged leaves a size of the group as it is when an action runs.
const Unchanged = -1

// ScheduledAction is one Auto Scaling scheduled action on a node group's
// ASG. Sizes set to Unchanged are left alone: the evening action only
// lowers the floor and lets the cluster autoscaler drain idle nodes.
type ScheduledAction struct {
	Name string
	// Recurrence (cron in TimeZone) for a daily action, or StartTime
	// (RFC 3339, UTC) for a one-off event action.
	Recurrence string
	TimeZone   string
	StartTime  string
	MinSize    int
	MaxSize    int
	Desired    int
}

func (c *Cluster) schedule(ctx *pulumi.Context, name string, spec NodeGroupSpec, ng *awseks.NodeGroup) error {
	for _, a := range spec.Schedule {
		args := &autoscaling.ScheduleArgs{
			AutoscalingGroupName: asgName(ng),
			ScheduledActionName:  pulumi.Sprintf("%s-%s", spec.Name, a.Name),
			MinSize:              pulumi.Int(a.MinSize),
			MaxSize:              pulumi.Int(a.MaxSize),
			DesiredCapacity:      pulumi.Int(a.Desired),
		}
		opts := []pulumi.ResourceOption{pulumi.Parent(ng)}
		if a.Recurrence != "" {
			args.Recurrence = pulumi.String(a.Recurrence)
			args.TimeZone = pulumi.String(a.TimeZone)
		} else {
			args.StartTime = pulumi.String(a.StartTime)
			// A one-time action leaves the program once it is due (the stack
			// config drops it, since Auto Scaling deletes it after it runs).
			// An update in the minutes before it fires must not delete it:
			// leaving the program only forgets it.
			opts = append(opts, pulumi.RetainOnDelete(true))
		}
		if _, err := autoscaling.NewSchedule(ctx, fmt.Sprintf("%s-%s-%s", name, spec.Name, a.Name), args, opts...); err != nil {
			return err
		}
	}
	return nil
}
