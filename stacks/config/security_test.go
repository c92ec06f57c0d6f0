package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every rule of the security section, with a bad input.
func TestSecurityValidation(t *testing.T) {
	cases := []struct {
		name  string
		stack string
		value map[string]any
		want  string
	}{
		{"severity too low", "prod", map[string]any{"findingsMinSeverity": 0.5},
			`security.findingsMinSeverity: got 0.5; must be a GuardDuty severity in [1, 10]: 4 sends medium and above, 7 high and above`},
		{"severity too high", "workshop", map[string]any{"findingsMinSeverity": 11},
			`security.findingsMinSeverity: got 11; must be a GuardDuty severity in [1, 10]`},
		{"publishing every six hours", "prod", map[string]any{"guardDuty": map[string]any{"findingPublishingFrequency": "SIX_HOURS"}},
			`security.guardDuty.findingPublishingFrequency: got "SIX_HOURS"; must be one of FIFTEEN_MINUTES, ONE_HOUR (SIX_HOURS delays updated findings past an on-call shift)`},
		{"unknown standard", "prod", map[string]any{"securityHub": map[string]any{"standards": []any{"fsbp", "pci"}}},
			`security.securityHub.standards[1]: got "pci"; must be one of fsbp, cis`},
		{"standard twice", "prod", map[string]any{"securityHub": map[string]any{"standards": []any{"cis", "cis"}}},
			`security.securityHub.standards[1]: got "cis"; is listed twice`},
		{"no standard", "workshop", map[string]any{"securityHub": map[string]any{"standards": []any{}}},
			`security.securityHub.standards: got "[]"; must name at least one standard while security.securityHub is enabled`},
		{"remediation without config", "prod", map[string]any{"config": map[string]any{"enabled": false}, "remediation": map[string]any{"enabled": true}},
			`security.remediation.enabled: got true; needs security.config.enabled: remediation acts on AWS Config rule results`},
		{"unknown key", "prod", map[string]any{"guardduty": map[string]any{"enabled": true}},
			`security.guardduty: got "set"; unknown key`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mutate(t, c.stack, "security", set("", c.value))
			require.NotEmpty(t, got)
			assert.Contains(t, got[0], c.want)
		})
	}
}

// On by default in both profiles, at the profile's severity.
func TestSecurityDefaults(t *testing.T) {
	for stack, sev := range map[string]float64{"prod": 4, "workshop": 7} {
		s, err := Load(project, stack, readStack(t, stack).Source())
		require.NoError(t, err)
		c := s.Security
		assert.True(t, c.GuardDuty.On() && c.Config.On() && c.Remediation.On() && c.SecurityHub.On() && c.AccessAnalyzer.On(), stack)
		assert.Equal(t, sev, c.FindingsMinSeverity, stack)
		assert.Equal(t, "FIFTEEN_MINUTES", c.GuardDuty.FindingPublishingFrequency, stack)
		assert.Equal(t, []string{StandardFSBP, StandardCIS}, c.SecurityHub.Standards, stack)
	}
	// Switching Config off leaves remediation at its default: nothing to act on, no error.
	assert.Empty(t, mutate(t, "prod", "security", set("", map[string]any{"config": map[string]any{"enabled": false}})))
}
