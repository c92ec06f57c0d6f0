package compliance

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// maxFilterValues is how many values one GetFindings filter attribute
// takes.
const maxFilterValues = 20

// controlFinding is a finding with the control it belongs to.
type controlFinding struct {
	Finding
	control string
}

// findings reads the open failures of the controls ids in cfg's region:
// FSBP control findings (by GeneratorId) of those controls
// (ComplianceSecurityControlId) that are active, not yet resolved or
// suppressed (WorkflowStatus NEW or NOTIFIED) and FAILED.
func findings(ctx context.Context, cfg aws.Config, ids []string) ([]controlFinding, error) {
	client := securityhub.NewFromConfig(cfg)
	var out []controlFinding
	for chunk := range slices.Chunk(ids, maxFilterValues) {
		in := &securityhub.GetFindingsInput{Filters: fsbpFilters(chunk), MaxResults: aws.Int32(100)}
		p := securityhub.NewGetFindingsPaginator(client, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("securityhub:GetFindings in %s: %w", cfg.Region, err)
			}
			for _, f := range page.Findings {
				out = append(out, toFinding(cfg.Region, f))
			}
		}
	}
	return out, nil
}

func fsbpFilters(ids []string) *shtypes.AwsSecurityFindingFilters {
	return &shtypes.AwsSecurityFindingFilters{
		ComplianceSecurityControlId: equals(ids...),
		GeneratorId:                 prefix(fsbpGenerators...),
		RecordState:                 equals(string(shtypes.RecordStateActive)),
		WorkflowStatus:              equals(string(shtypes.WorkflowStatusNew), string(shtypes.WorkflowStatusNotified)),
		ComplianceStatus:            equals(string(shtypes.ComplianceStatusFailed)),
	}
}

func equals(vs ...string) []shtypes.StringFilter {
	return stringFilters(shtypes.StringFilterComparisonEquals, vs)
}

func prefix(vs ...string) []shtypes.StringFilter {
	return stringFilters(shtypes.StringFilterComparisonPrefix, vs)
}

func stringFilters(cmp shtypes.StringFilterComparison, vs []string) []shtypes.StringFilter {
	out := make([]shtypes.StringFilter, 0, len(vs))
	for _, v := range vs {
		out = append(out, shtypes.StringFilter{Comparison: cmp, Value: aws.String(v)})
	}
	return out
}

func toFinding(region string, f shtypes.AwsSecurityFinding) controlFinding {
	cf := controlFinding{Finding: Finding{Region: region, ID: aws.ToString(f.Id), Title: aws.ToString(f.Title)}}
	if f.Compliance != nil {
		cf.control = aws.ToString(f.Compliance.SecurityControlId)
		cf.Status = string(f.Compliance.Status)
	}
	if len(f.Resources) > 0 {
		cf.Resource = aws.ToString(f.Resources[0].Id)
	}
	if f.Severity != nil {
		cf.Severity = string(f.Severity.Label)
	}
	return cf
}
