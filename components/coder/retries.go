package coder

import (
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/delivery"
)

// BuildRetriesArgs are the retries of workspace starts that failed for an
// infrastructure reason (delivery.Failures).
type BuildRetriesArgs struct {
	MaxAttempts         int
	BaseDelay, MaxDelay time.Duration
	MaxPerRun           int
	Window              time.Duration
	Schedule            string
	// SkipTemplates are templates whose failed builds are measured, not
	// retried (the scale test's).
	SkipTemplates []string
}

// createBuildRetries runs the retries as the Day-2 configuration's account:
// starting another user's workspace needs workspace.start on it, which the
// owner role has and template-admin (read only) has not
// (coderd/rbac/roles.go, v2.30.0). It waits for the configuration, which
// waits for the token's secret.
func (c *Coder) createBuildRetries(ctx *pulumi.Context) error {
	r := c.args.BuildRetries
	if r == nil || c.configuration == nil {
		return nil
	}
	_, err := delivery.NewBuildRetries(ctx, c.name+"-build-retries", &delivery.BuildRetriesArgs{
		MaxAttempts: r.MaxAttempts, BaseDelay: r.BaseDelay, MaxDelay: r.MaxDelay, MaxPerRun: r.MaxPerRun,
		Window: r.Window, Schedule: r.Schedule, SkipTemplates: r.SkipTemplates,
		Runner: c.runner(ConfigServiceAccount, ConfigSecret, PurposeAdminToken, c.configuration),
	}, pulumi.Parent(c))
	return err
}
