package preflight

import (
	"context"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

// Row is one need against the account.
type Row struct {
	Need
	// Used is the current usage by everything but the stack itself.
	Used int
	// Value is the applied quota, or AWS's default (Source says which).
	Value  float64
	Source string
}

// Headroom is what is left of the quota, in its value's unit, once the
// stack is deployed.
func (r Row) Headroom() float64 {
	return r.Value - float64(r.Used+r.Amount)/r.Quota.perValue()
}

// Desired is the quota value that holds the stack and current usage.
func (r Row) Desired() int {
	return int(math.Ceil(float64(r.Used+r.Amount) / r.Quota.perValue()))
}

// Short reports whether the stack would not fit.
func (r Row) Short() bool { return r.Headroom() < 0 }

// Request is the command that asks AWS for the quota the stack needs.
func (r Row) Request() string {
	return fmt.Sprintf("aws service-quotas request-service-quota-increase --region %s --service-code %s --quota-code %s --desired-value %d",
		r.Region, r.Quota.Service, r.Quota.Code, r.Desired())
}

// Report is the pre-flight of a stack.
type Report struct {
	Rows []Row
}

// Check reads every need's quota and usage from the account.
func Check(ctx context.Context, a *Account, needs []Need) (*Report, error) {
	rep := &Report{}
	for _, n := range needs {
		used, err := a.Used(ctx, n)
		if err != nil {
			return nil, err
		}
		q, src, err := a.Quota(ctx, n.Region, n.Quota)
		if err != nil {
			return nil, err
		}
		rep.Rows = append(rep.Rows, Row{Need: n, Used: used, Value: q, Source: src})
	}
	return rep, nil
}

// Shortfalls are the rows the stack would not fit in.
func (r *Report) Shortfalls() []Row {
	var out []Row
	for _, row := range r.Rows {
		if row.Short() {
			out = append(out, row)
		}
	}
	return out
}

// WriteText prints the table and, for each shortfall, the request to file.
func (r *Report) WriteText(w io.Writer) {
	tw := tabwriter.NewWriter(w, 2, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "REGION\tSCOPE\tQUOTA\tCODE\tNEED\tUSED\tQUOTA VALUE\tHEADROOM\tSTATUS")
	for _, row := range r.Rows {
		status := "ok"
		if row.Short() {
			status = "SHORT"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s (%s)\t%s\t%s\n", row.Region, scopeOf(row.Need), row.Quota.Name, row.Quota.Code,
			count(row.Quota, row.Amount), count(row.Quota, row.Used), num(row.Value), row.Source, num(row.Headroom()), status)
	}
	tw.Flush()
	short := r.Shortfalls()
	if len(short) == 0 {
		fmt.Fprintf(w, "\nEvery quota has room for the stack (%d checked). USED excludes the stack's own resources.\n", len(r.Rows))
		return
	}
	fmt.Fprintf(w, "\n%d quota(s) fall short. Request the increase, wait for it to be approved, then deploy:\n", len(short))
	for _, row := range short {
		fmt.Fprintf(w, "  %s (%s, %s): need %s on top of %s used, quota %s\n    %s\n",
			row.Quota.Code, row.Quota.Name, row.Region, count(row.Quota, row.Amount), count(row.Quota, row.Used), num(row.Value), row.Request())
	}
}

// WriteNeeds prints what the stack needs without reading the account (the
// offline preview).
func WriteNeeds(w io.Writer, needs []Need) {
	fmt.Fprintf(w, "Service quota needs (%d; `platform preflight` compares them with the account)\n", len(needs))
	tw := tabwriter.NewWriter(w, 2, 2, 2, ' ', 0)
	for _, n := range needs {
		fmt.Fprintf(tw, "  %s\t%s\t%s %s\t%s\t%s\n", n.Region, scopeOf(n), n.Quota.Code, n.Quota.Name, count(n.Quota, n.Amount), n.Basis)
	}
	tw.Flush()
	fmt.Fprintln(w)
}

func scopeOf(n Need) string {
	if n.Scope == "" {
		return "region"
	}
	return n.Scope
}

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// count prints an amount in the unit needs of q are counted in.
func count(q Quota, n int) string {
	if q.Unit == "" {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d %s", n, q.Unit)
}
