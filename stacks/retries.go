package stacks

import (
	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/stacks/config"
)

// buildRetries are coder.buildRetries for the control plane's coderd; nil
// when they are off.
func buildRetries(cfg *config.Plan) *coder.BuildRetriesArgs {
	r := cfg.Coder.BuildRetries
	if !r.On() {
		return nil
	}
	base, max := r.Delays()
	return &coder.BuildRetriesArgs{MaxAttempts: r.MaxAttempts, BaseDelay: base, MaxDelay: max, MaxPerRun: r.MaxPerRun,
		Window: config.BuildRetryWindow, Schedule: r.Schedule, SkipTemplates: skipRetries(cfg)}
}

// skipRetries are the templates whose failures are measured, not retried:
// the scale test's (scaletest.retry is its own retry policy).
func skipRetries(cfg *config.Plan) []string {
	if st := cfg.Scaletest; st.Enabled {
		return []string{st.TemplateName()}
	}
	return nil
}
