package cost

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Doc is the --json shape.
type Doc struct {
	Stack          string  `json:"stack"`
	Currency       string  `json:"currency"`
	PricesDate     string  `json:"pricesDate"`
	PricesSource   string  `json:"pricesSource"`
	TotalMonthly   float64 `json:"totalMonthly"`
	PerUserMonthly float64 `json:"perUserMonthly"`
	Users          int     `json:"users"`
	// UnknownLines are lines whose price the table lacks: the totals
	// leave them out.
	UnknownLines int      `json:"unknownLines"`
	Refreshed    []string `json:"refreshed,omitempty"`
	Lines        []Line   `json:"lines"`
}

// JSON is the estimate as one object.
func (e *Estimate) JSON() Doc {
	t, unk := e.Total()
	return Doc{Stack: e.Stack, Currency: e.Currency, PricesDate: e.Table.Date, PricesSource: e.Table.Source,
		TotalMonthly: round2(t), PerUserMonthly: round2(e.PerUser()), Users: e.Users, UnknownLines: unk,
		Refreshed: e.Table.Refreshed, Lines: e.Lines}
}

// WriteJSON prints the estimate as one JSON object.
func (e *Estimate) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e.JSON()); err != nil {
		return fmt.Errorf("writing the estimate: %w", err)
	}
	return nil
}

// row is lines of one type in one group, merged when their basis agrees.
type row struct {
	what  string
	n     int
	usd   float64
	known bool
	basis string
}

// WriteText prints the estimate grouped by region and component.
func (e *Estimate) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Monthly cost estimate of stack %q (%s, prices of %s)\n", e.Stack, e.Currency, e.Table.Date)
	fmt.Fprintf(w, "Prices: %s.\n", e.Table.Source)
	if len(e.Table.Refreshed) > 0 {
		fmt.Fprintf(w, "Refreshed from the Price List API: %s.\n", strings.Join(e.Table.Refreshed, ", "))
	}
	type gkey struct{ region, comp string }
	groups := map[gkey][]Line{}
	var keys []gkey
	for _, l := range e.Lines {
		k := gkey{l.Region, l.Component}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], l)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].region != keys[j].region {
			return keys[i].region < keys[j].region
		}
		return keys[i].comp < keys[j].comp
	})
	tw := tabwriter.NewWriter(w, 2, 2, 2, ' ', 0)
	for _, k := range keys {
		sub, unk := subtotal(groups[k])
		fmt.Fprintf(tw, "\n%s · %s\t\t%s\t\n", k.region, k.comp, amount(sub, unk))
		for _, r := range merge(groups[k]) {
			what := r.what
			if r.n > 1 {
				what = fmt.Sprintf("%s ×%d", r.what, r.n)
			}
			usd := "unknown"
			if r.known {
				usd = fmt.Sprintf("$%.2f", r.usd)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", what, usd, r.basis)
		}
	}
	tw.Flush()
	t, unk := e.Total()
	fmt.Fprintf(w, "\nTotal: %s a month", amount(t, unk))
	if e.Users > 0 {
		fmt.Fprintf(w, ", $%.2f per user (%d users)", e.PerUser(), e.Users)
	}
	fmt.Fprintln(w)
	free := 0
	for _, n := range e.Free {
		free += n
	}
	fmt.Fprintf(w, "%d resources cost nothing of their own (see docs/cost.md for each type's reason).\n", free)
}

func subtotal(lines []Line) (float64, int) {
	var t float64
	unk := 0
	for _, l := range lines {
		if l.Monthly == nil {
			unk++
			continue
		}
		t += *l.Monthly
	}
	return t, unk
}

func amount(usd float64, unknown int) string {
	if unknown > 0 {
		return fmt.Sprintf("$%.2f + %d unknown", usd, unknown)
	}
	return fmt.Sprintf("$%.2f", usd)
}

// merge folds lines of the same type and item whose basis is identical
// (alarms, keys, secrets) into one row with a count.
func merge(lines []Line) []row {
	var out []row
	idx := map[string]int{}
	for _, l := range lines {
		what := shortType(l.Type) + " " + l.Item
		k := what + "\x00" + l.Basis
		if i, ok := idx[k]; ok {
			out[i].n++
			if l.Monthly != nil {
				out[i].usd += *l.Monthly
			} else {
				out[i].known = false
			}
			continue
		}
		r := row{what: what, n: 1, known: l.Monthly != nil, basis: l.Basis}
		if l.Monthly != nil {
			r.usd = *l.Monthly
		}
		idx[k] = len(out)
		out = append(out, r)
	}
	return out
}

// shortType is "NodeGroup" for "aws:eks/nodeGroup:NodeGroup".
func shortType(t string) string { return t[strings.LastIndex(t, ":")+1:] }
