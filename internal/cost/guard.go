package cost

import (
	"fmt"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Security monitoring (components/guard) is priced by usage the preview
// cannot know: GuardDuty by the events and volume it analyses, AWS Config
// by configuration items recorded and rule evaluations, Security Hub by
// security checks. The table has no price for them, so each is one line of
// unknown price: never zero.

func guardDutyDetector(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("GuardDuty", 1, c.table.Service(c.region(r), "guardDutyDetectorMonth"),
		"1 detector with EKS audit-log and runtime, S3, RDS login and EBS malware protection (priced by events and volume analysed)")}, ""
}

func configRecorder(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("Config recording", 1, c.table.Service(c.region(r), "configRecorderMonth"),
		"configuration items recorded for every supported resource (priced per item)")}, ""
}

func configRule(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("Config rule", 1, c.table.Service(c.region(r), "configRuleEvaluationsMonth"),
		fmt.Sprintf("rule %s (priced per evaluation)", str(r, "name")))}, ""
}

func securityHubAccount(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("Security Hub", 1, c.table.Service(c.region(r), "securityHubChecksMonth"),
		"security checks of the subscribed standards and finding ingestion (priced per check)")}, ""
}
