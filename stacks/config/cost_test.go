package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every rule of the cost section, on a bad value in a committed stack.
func TestCostValidation(t *testing.T) {
	cases := []struct {
		name  string
		stack string
		edit  func(any) any
		want  string
	}{
		{"negative budget", "prod", set("monthlyBudget", -100),
			`cost.monthlyBudget: got -100; must be more than 0 USD a month`},
		{"negative anomaly threshold", "workshop", set("anomalyThreshold", -1),
			`cost.anomalyThreshold: got -1; must be more than 0 USD`},
		{"anomaly threshold above the budget", "workshop", set("anomalyThreshold", 20000),
			`cost.anomalyThreshold: got 20000; must not exceed cost.monthlyBudget (9100 USD): no anomaly would ever alert`},
		{"actual percent too high", "prod", set("actualAlertPercent", 8000),
			`cost.actualAlertPercent: got 8000; must be a percentage of cost.monthlyBudget in (0, 1000]`},
		{"negative forecast percent", "prod", set("forecastAlertPercent", -100),
			`cost.forecastAlertPercent: got -100; must be a percentage of cost.monthlyBudget in (0, 1000]`},
		{"enabled not a boolean", "prod", set("enabled", "yes"), `cost.enabled`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mutate(t, c.stack, "cost", c.edit)
			require.NotEmpty(t, got)
			found := false
			for _, g := range got {
				found = found || assert.ObjectsAreEqual(c.want, g) || (len(g) >= len(c.want) && g[:len(c.want)] == c.want)
			}
			assert.True(t, found, "want %q in %q", c.want, got)
		})
	}
}

// Without a cost section, each profile gets its budget, the alert
// percentages and cost controls on.
func TestCostDefaults(t *testing.T) {
	for p, want := range map[Profile][2]float64{ProfileEnterprise: {145000, 1000}, ProfileWorkshop: {10000, 200}} {
		s := DefaultedStack(p)
		assert.True(t, s.Cost.On(), p)
		assert.Equal(t, want[0], s.Cost.MonthlyBudget, p)
		assert.Equal(t, want[1], s.Cost.AnomalyThreshold, p)
		assert.Equal(t, 80.0, s.Cost.ActualAlertPercent, p)
		assert.Equal(t, 100.0, s.Cost.ForecastAlertPercent, p)
	}
	got := mutate(t, "prod", "cost", set("", nil))
	assert.Empty(t, got, "the cost section is optional")
}
