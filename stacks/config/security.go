package config

import (
	"fmt"
	"slices"
	"strings"
)

// Security is the stack's security monitoring (components/guard), in every
// region: GuardDuty with its findings sent to the region's alarm topic, AWS
// Config recording into an encrypted bucket with one managed rule per
// control of policy/controls (and automated remediation of the safe ones),
// Security Hub with its standards, and IAM Access Analyzer.
type Security struct {
	GuardDuty GuardDuty `json:"guardDuty"`
	// FindingsMinSeverity sends GuardDuty findings of at least this severity
	// to the alarm topic: 1–3.9 low, 4–6.9 medium, 7–8.9 high, 9–10 critical.
	FindingsMinSeverity float64 `json:"findingsMinSeverity"`
	// Config records every supported resource (global ones in the control
	// plane region only) and evaluates the claimed controls.
	Config Toggle `json:"config"`
	// Remediation fixes a public bucket, SSH open to the world and a log
	// group kept too briefly automatically, through Systems Manager
	// Automation (only where security.config is on).
	Remediation Toggle      `json:"remediation"`
	SecurityHub SecurityHub `json:"securityHub"`
	// AccessAnalyzer reports resources shared outside the account.
	AccessAnalyzer Toggle `json:"accessAnalyzer"`
}

// Toggle is a feature that is on unless switched off.
type Toggle struct {
	// Enabled switches the feature off when false (default on).
	Enabled *bool `json:"enabled"`
}

// On reports whether the feature is on (the default).
func (t Toggle) On() bool { return t.Enabled == nil || *t.Enabled }

// GuardDuty is the region's threat detection.
type GuardDuty struct {
	// Enabled creates a detector with EKS audit-log and runtime monitoring,
	// S3, RDS login and EBS malware protection.
	Enabled *bool `json:"enabled"`
	// FindingPublishingFrequency is how often updated findings are sent to
	// EventBridge (new findings go at once).
	FindingPublishingFrequency string `json:"findingPublishingFrequency"`
}

// On reports whether the stack runs GuardDuty.
func (g GuardDuty) On() bool { return g.Enabled == nil || *g.Enabled }

// SecurityHub aggregates findings and scores the account against standards.
type SecurityHub struct {
	// Enabled turns Security Hub on in every region.
	Enabled *bool `json:"enabled"`
	// Standards are the standards subscribed: fsbp in every region, cis in
	// the control-plane region (its checks are account-wide).
	Standards []string `json:"standards"`
}

// On reports whether the stack turns Security Hub on.
func (h SecurityHub) On() bool { return h.Enabled == nil || *h.Enabled }

// Security Hub standards the config names.
const (
	StandardFSBP = "fsbp"
	StandardCIS  = "cis"
)

var (
	securityStandards    = []string{StandardFSBP, StandardCIS}
	findingFrequencies   = []string{"FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"}
	defaultMinSeverities = map[Profile]float64{ProfileEnterprise: 4, ProfileWorkshop: 7}
)

func defaultSecurity(s *Stack) {
	c := &s.Security
	if c.FindingsMinSeverity == 0 {
		c.FindingsMinSeverity = defaultMinSeverities[s.Profile]
		if c.FindingsMinSeverity == 0 {
			c.FindingsMinSeverity = defaultMinSeverities[ProfileEnterprise]
		}
	}
	if c.GuardDuty.FindingPublishingFrequency == "" {
		c.GuardDuty.FindingPublishingFrequency = "FIFTEEN_MINUTES"
	}
	if c.SecurityHub.Standards == nil {
		c.SecurityHub.Standards = []string{StandardFSBP, StandardCIS}
	}
}

func validateSecurity(s *Stack, p *problems) {
	c := s.Security
	if v := c.FindingsMinSeverity; v < 1 || v > 10 {
		p.add("security.findingsMinSeverity", v, "must be a GuardDuty severity in [1, 10]: 4 sends medium and above, 7 high and above")
	}
	if f := c.GuardDuty.FindingPublishingFrequency; !slices.Contains(findingFrequencies[:2], f) {
		p.add("security.guardDuty.findingPublishingFrequency", f, "must be one of %s (SIX_HOURS delays updated findings past an on-call shift)",
			strings.Join(findingFrequencies[:2], ", "))
	}
	seen := map[string]bool{}
	for i, st := range c.SecurityHub.Standards {
		key := fmt.Sprintf("security.securityHub.standards[%d]", i)
		switch {
		case !slices.Contains(securityStandards, st):
			p.add(key, st, "must be one of %s", strings.Join(securityStandards, ", "))
		case seen[st]:
			p.add(key, st, "is listed twice")
		}
		seen[st] = true
	}
	if c.SecurityHub.On() && len(c.SecurityHub.Standards) == 0 {
		p.add("security.securityHub.standards", "[]", "must name at least one standard while security.securityHub is enabled")
	}
	if c.Remediation.Enabled != nil && *c.Remediation.Enabled && !c.Config.On() {
		p.add("security.remediation.enabled", true, "needs security.config.enabled: remediation acts on AWS Config rule results")
	}
}
