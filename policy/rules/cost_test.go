package rules

import (
	"testing"

	"github.com/platformeng/coder-platform/components/tokens"
)

func TestBudgetAlerts(t *testing.T) {
	t.Parallel()
	root := named(res(t, tStackRoot, `{}`), "prod")
	region := named(res(t, tokens.Region, `{}`), "us-east-1")
	budget := func(name, js string) *Resource { return named(res(t, tBudget, js), name) }
	toSNS := budget("sns", `{"budgetType":"COST","notifications":[{"notificationType":"ACTUAL","subscriberSnsTopicArns":["<unknown>"]}]}`)
	emailOnly := budget("email", `{"budgetType":"COST","notifications":[{"notificationType":"ACTUAL","subscriberEmailAddresses":["a@example.com"]}]}`)
	silent := budget("silent", `{"budgetType":"COST"}`)
	usage := budget("usage", `{"budgetType":"USAGE","notifications":[{"subscriberSnsTopicArns":["arn:aws:sns:us-east-1:1:t"]}]}`)
	noBudget := "the stack has no AWS Budgets cost budget: nothing alerts before the invoice when its spend runs away."
	noTopic := "the cost budget notifies no SNS topic, so crossing it alerts nobody on call."
	checkStack(t, budgetAlerts, []stackCase{
		{"budget to a topic", []*Resource{root, region, toSNS}, nil},
		{"notifications unknown", []*Resource{root, region, budget("unknown", `{"budgetType":"COST","notifications":"<unknown>"}`)}, nil},
		{"no budget", []*Resource{root, region}, []Finding{{root.URN, noBudget}}},
		{"only a usage budget", []*Resource{root, region, usage}, []Finding{{root.URN, noBudget}}},
		{"email only", []*Resource{root, region, emailOnly}, []Finding{{emailOnly.URN, noTopic}}},
		{"no notifications", []*Resource{root, region, silent}, []Finding{{silent.URN, noTopic}}},
		{"one of two alerts", []*Resource{root, region, toSNS, silent}, []Finding{{silent.URN, noTopic}}},
		{"not a platform stack", []*Resource{root}, nil},
	})
}
