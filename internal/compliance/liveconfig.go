package compliance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// maxRuleNames is how many rule names one DescribeComplianceByConfigRule
// call takes (ConfigRuleNames: at most 25 members).
const maxRuleNames = 25

// configCompliance asks AWS Config for the compliance of the rules names
// (by control ID) in cfg's region, and answers it by control ID.
func configCompliance(ctx context.Context, cfg aws.Config, names map[string]string) (map[string]string, error) {
	client := configservice.NewFromConfig(cfg)
	byName := map[string]string{}
	list := make([]string, 0, len(names))
	for _, n := range names {
		if !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	sort.Strings(list)
	for chunk := range slices.Chunk(list, maxRuleNames) {
		if err := describeRules(ctx, client, cfg.Region, chunk, byName); err != nil {
			return nil, err
		}
	}
	out := map[string]string{}
	for id, n := range names {
		out[id] = byName[n]
	}
	return out, nil
}

// describeRules reads one chunk. AWS fails the whole call when one named
// rule does not exist, so then each rule is asked alone, and a missing one
// is NOT_DEPLOYED rather than an error: the report shows the gap.
func describeRules(ctx context.Context, c *configservice.Client, region string, names []string, out map[string]string) error {
	err := describePages(ctx, c, region, names, out)
	var missing *cfgtypes.NoSuchConfigRuleException
	if !errors.As(err, &missing) {
		return err
	}
	for _, n := range names {
		err := describePages(ctx, c, region, []string{n}, out)
		switch {
		case errors.As(err, &missing):
			out[n] = NotDeployed
		case err != nil:
			return err
		}
	}
	return nil
}

func describePages(ctx context.Context, c *configservice.Client, region string, names []string, out map[string]string) error {
	p := configservice.NewDescribeComplianceByConfigRulePaginator(c, &configservice.DescribeComplianceByConfigRuleInput{ConfigRuleNames: names})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("config:DescribeComplianceByConfigRule in %s: %w", region, err)
		}
		for _, r := range page.ComplianceByConfigRules {
			out[aws.ToString(r.ConfigRuleName)] = complianceOf(r.Compliance)
		}
	}
	return nil
}

// complianceOf is the rule's compliance, with the count of noncompliant
// resources where Config gives one.
func complianceOf(c *cfgtypes.Compliance) string {
	if c == nil || c.ComplianceType == "" {
		return string(cfgtypes.ComplianceTypeInsufficientData)
	}
	s := string(c.ComplianceType)
	if n := c.ComplianceContributorCount; c.ComplianceType == cfgtypes.ComplianceTypeNonCompliant && n != nil {
		more := ""
		if n.CapExceeded {
			more = "+"
		}
		s += fmt.Sprintf(" (%d%s resources)", n.CappedCount, more)
	}
	return s
}
