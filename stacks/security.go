package stacks

import (
	"github.com/platformeng/coder-platform/components/guard"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/stacks/config"
)

// securityFindings is whether a region's alarm topic and sns key must
// accept GuardDuty findings from EventBridge.
func securityFindings(cfg *config.Plan) bool { return cfg.Security.GuardDuty.On() }

// deploySecurity adds a region's security monitoring (components/guard):
// GuardDuty to the region's alarm topic, AWS Config with the claimed
// controls' rules, Security Hub and IAM Access Analyzer. Global resources
// are recorded, and the account-wide rules and CIS evaluated, in the
// control-plane region only.
func deploySecurity(s *scope) error {
	cfg, r := s.cfg, s.r
	sc := cfg.Security
	args := &guard.Args{
		Stack: cfg.Name, Region: r.Config.Name, AccountID: s.account,
		Global:                     r.Config.Role.RunsCoderd(),
		GuardDuty:                  sc.GuardDuty.On(),
		FindingPublishingFrequency: sc.GuardDuty.FindingPublishingFrequency,
		MinSeverity:                sc.FindingsMinSeverity,
		TopicArn:                   r.Monitoring.TopicArn,
		RunbookURL:                 cfg.Observability.RunbookURL,
		Config:                     sc.Config.On(),
		BucketKeyArn:               r.Keys.Arn(security.KeyS3),
		RetentionDays:              cfg.Observability.CloudTrail.RetentionDays,
		Remediation:                sc.Config.On() && sc.Remediation.On(),
		LogRetentionMin:            cfg.Observability.LogRetentionDays,
		SecurityHub:                sc.SecurityHub.On(),
		Standards:                  sc.SecurityHub.Standards,
		AccessAnalyzer:             sc.AccessAnalyzer.On(),
	}
	if sc.Config.On() && !sc.Remediation.On() {
		s.d.add(Warning, r.Config.Name+" security", "security.remediation is off: AWS Config reports public buckets, open SSH and short log retention, and nothing fixes them")
	}
	g, err := guard.New(s.ctx, s.name, args, s.after(r.Monitoring)...)
	if err != nil {
		return err
	}
	r.Guard = g
	return nil
}
