package stacks

import (
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks/config"
)

// CapacityReport is the capacity plan for users users against what the
// stack declares, row by row (workshop requirement 3.5): the same rows the
// preview reports for the declared users.
func CapacityReport(cfg *config.Plan, users int) []sizing.Row {
	return cfg.PlanFor(users).Rows
}

// reportCapacity reports the plan's rows of one scope ("stack" or a
// region): every figure with its arithmetic, and every gap as a warning
// that names the config key to change.
func reportCapacity(cfg *config.Plan, scope string, d *diagnostics) {
	for _, r := range cfg.Capacity().Rows {
		if r.Scope != scope {
			continue
		}
		subject := r.Scope + " " + r.Item
		if r.Gap != "" {
			d.add(Warning, subject, "needs %s, declared %s: %s (%s)", r.Need, r.Declared, r.Gap, r.Basis)
			continue
		}
		d.add(Info, subject, "%s (%s)", r.Need, r.Basis)
	}
}
