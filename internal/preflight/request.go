package preflight

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	sqtypes "github.com/aws/aws-sdk-go-v2/service/servicequotas/types"
)

// RequestPermissions are what RequestIncreases adds to Permissions.
var RequestPermissions = []string{
	"servicequotas:RequestServiceQuotaIncrease", "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota",
}

// RequestIncreases files a quota increase for every shortfall, unless an
// open request (pending or with a support case) already asks for enough;
// it prints each request's id and status. AWS decides; the shortfall stays
// until it approves.
func (a *Account) RequestIncreases(ctx context.Context, rep *Report, w io.Writer) error {
	for _, row := range rep.Shortfalls() {
		sq := servicequotas.NewFromConfig(Regional(a.Config, row.Region))
		want := float64(row.Desired())
		open, err := openRequest(ctx, sq, row, want)
		if err != nil {
			return err
		}
		if open != nil {
			fmt.Fprintf(w, "  %s %s: request %s for %g is already %s\n", row.Region, row.Quota.Code,
				aws.ToString(open.Id), aws.ToFloat64(open.DesiredValue), open.Status)
			continue
		}
		out, err := sq.RequestServiceQuotaIncrease(ctx, &servicequotas.RequestServiceQuotaIncreaseInput{
			ServiceCode: aws.String(row.Quota.Service), QuotaCode: aws.String(row.Quota.Code), DesiredValue: aws.Float64(want),
		})
		if err != nil {
			return callError("servicequotas:RequestServiceQuotaIncrease", row.Region, row.Quota.Code, err)
		}
		fmt.Fprintf(w, "  %s %s: requested %g (request %s, %s)\n", row.Region, row.Quota.Code, want,
			aws.ToString(out.RequestedQuota.Id), out.RequestedQuota.Status)
	}
	return nil
}

// openRequest is a request for the quota still being decided that asks for
// at least want.
func openRequest(ctx context.Context, sq *servicequotas.Client, row Row, want float64) (*sqtypes.RequestedServiceQuotaChange, error) {
	p := servicequotas.NewListRequestedServiceQuotaChangeHistoryByQuotaPaginator(sq, &servicequotas.ListRequestedServiceQuotaChangeHistoryByQuotaInput{
		ServiceCode: aws.String(row.Quota.Service), QuotaCode: aws.String(row.Quota.Code),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, callError("servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota", row.Region, row.Quota.Code, err)
		}
		for i := range page.RequestedQuotas {
			r := &page.RequestedQuotas[i]
			open := r.Status == sqtypes.RequestStatusPending || r.Status == sqtypes.RequestStatusCaseOpened
			if open && aws.ToFloat64(r.DesiredValue) >= want {
				return r, nil
			}
		}
	}
	return nil, nil
}
