package config

// Cost is the stack's cost controls (components/costcontrol): a monthly
// AWS Budgets cost budget on the stack's cost allocation tag, a Cost
// Anomaly Detection monitor on the same tag, both alerting the control
// plane's alarm topic, and the activation of the cost allocation tags.
type Cost struct {
	// Enabled creates the budget, the anomaly monitor and the cost
	// allocation tags (default true).
	Enabled *bool `json:"enabled"`
	// MonthlyBudget is the budget in USD a month for every resource tagged
	// with the stack's name; `platform cost` estimates the stack's bill.
	MonthlyBudget float64 `json:"monthlyBudget"`
	// ActualAlertPercent alerts when the month's actual cost passes this
	// share of the budget.
	ActualAlertPercent float64 `json:"actualAlertPercent"`
	// ForecastAlertPercent alerts when the month's forecast cost passes this
	// share of the budget.
	ForecastAlertPercent float64 `json:"forecastAlertPercent"`
	// AnomalyThreshold alerts on a cost anomaly whose total impact is at
	// least this many USD.
	AnomalyThreshold float64 `json:"anomalyThreshold"`
}

// On reports whether the stack creates its cost controls.
func (c Cost) On() bool { return c.Enabled == nil || *c.Enabled }

// The profiles' budgets are explicit figures, not computed: internal/cost
// prices a preview, which the program cannot run inside itself. They are
// `platform cost`'s estimate of the committed stacks of each profile
// (enterprise $118,730, workshop $8,247 a month, as of this change) rounded
// up with about 20 % headroom; a stack sets its own.
var defaultBudgets = map[Profile]struct{ monthly, anomaly float64 }{
	ProfileEnterprise: {monthly: 145000, anomaly: 1000},
	ProfileWorkshop:   {monthly: 10000, anomaly: 200},
}

func defaultCost(s *Stack) {
	c := &s.Cost
	d, ok := defaultBudgets[s.Profile]
	if !ok {
		d = defaultBudgets[ProfileEnterprise]
	}
	if c.MonthlyBudget == 0 {
		c.MonthlyBudget = d.monthly
	}
	if c.AnomalyThreshold == 0 {
		c.AnomalyThreshold = d.anomaly
	}
	if c.ActualAlertPercent == 0 {
		c.ActualAlertPercent = 80
	}
	if c.ForecastAlertPercent == 0 {
		c.ForecastAlertPercent = 100
	}
}

// maxAlertPercent bounds the alert thresholds: a percentage above it is a
// typo for a budget amount.
const maxAlertPercent = 1000

func validateCost(s *Stack, p *problems) {
	c := s.Cost
	if c.MonthlyBudget <= 0 {
		p.add("cost.monthlyBudget", c.MonthlyBudget, "must be more than 0 USD a month")
	}
	if c.AnomalyThreshold <= 0 {
		p.add("cost.anomalyThreshold", c.AnomalyThreshold, "must be more than 0 USD")
	} else if c.MonthlyBudget > 0 && c.AnomalyThreshold > c.MonthlyBudget {
		p.add("cost.anomalyThreshold", c.AnomalyThreshold, "must not exceed cost.monthlyBudget (%g USD): no anomaly would ever alert", c.MonthlyBudget)
	}
	for _, x := range []struct {
		key string
		v   float64
	}{{"cost.actualAlertPercent", c.ActualAlertPercent}, {"cost.forecastAlertPercent", c.ForecastAlertPercent}} {
		if x.v <= 0 || x.v > maxAlertPercent {
			p.add(x.key, x.v, "must be a percentage of cost.monthlyBudget in (0, %d]", maxAlertPercent)
		}
	}
}
