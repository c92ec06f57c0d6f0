package rules

import "github.com/platformeng/coder-platform/components/tokens"

// Cost controls: the stack's spend reaches someone before the invoice does.

const (
	tBudget    = "aws:budgets/budget:Budget"
	tStackRoot = "pulumi:pulumi:Stack"
)

// budgetAlerts is advisory: a budget is a financial control, not a security
// one, and a stack whose account's budgets are kept by a central FinOps
// team (cost.enabled false) must still deploy. The finding is printed on
// every preview, and policy config can make it mandatory.
var budgetAlerts = &Policy{
	Name:        "budget-alerts",
	Description: "A platform stack has an AWS Budgets cost budget with at least one notification to an SNS topic.",
	Severity:    Medium,
	Enforcement: Advisory,
	Remediation: "turn on the stack's cost controls (cost.enabled, cost.monthlyBudget): an aws.budgets.Budget of type COST " +
		"whose notifications list subscriberSnsTopicArns.",
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		idx := byType(rs)
		if len(idx[tokens.Region]) == 0 {
			return nil // not a platform stack (the bootstrap project's state backend)
		}
		var out []Finding
		alerted := false
		for _, b := range idx[tBudget] {
			if t, s := str(b.Props, "budgetType"); s == known && t != "COST" {
				continue
			}
			if budgetNotifiesSNS(b) {
				alerted = true
				continue
			}
			out = append(out, Finding{b.URN, "the cost budget notifies no SNS topic, so crossing it alerts nobody on call."})
		}
		if alerted || len(out) > 0 {
			return out
		}
		at := rs[0].URN
		if root := idx[tStackRoot]; len(root) > 0 {
			at = root[0].URN
		}
		return []Finding{{at, "the stack has no AWS Budgets cost budget: nothing alerts before the invoice when its spend runs away."}}
	},
}

// budgetNotifiesSNS reports whether a budget has a notification with an SNS
// subscriber; what is not known yet counts as one.
func budgetNotifiesSNS(b *Resource) bool {
	ns, s := list(b.Props, "notifications")
	if s == unknown {
		return true
	}
	for _, n := range ns {
		m, ms := elem(n)
		if ms == unknown {
			return true
		}
		topics, ts := list(m, "subscriberSnsTopicArns")
		if ts == unknown || len(topics) > 0 {
			return true
		}
	}
	return false
}
