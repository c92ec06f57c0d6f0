package cost

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// lineKey names a line across two stacks: the URN without the stack.
func lineKey(l Line) string {
	urn := l.URN
	if i := strings.Index(urn, "::"); i >= 0 {
		urn = urn[i+2:]
	}
	// Drop the project too; names still carry the stack, so strip it.
	return l.Type + " " + l.Region + " " + l.Item + " " + urn
}

// WriteCompare prints what changes from base to other, line by line and
// in total.
func WriteCompare(w io.Writer, base, other *Estimate, otherName string) {
	b := map[string]Line{}
	for _, l := range base.Lines {
		b[normalise(lineKey(l), base.Stack)] = l
	}
	o := map[string]Line{}
	for _, l := range other.Lines {
		o[normalise(lineKey(l), other.Stack)] = l
	}
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range o {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	fmt.Fprintf(w, "\nDifference: %s (%s) → %s\n", base.Stack, "committed", otherName)
	tw := tabwriter.NewWriter(w, 2, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "REGION\tITEM\tBEFORE\tAFTER\tCHANGE")
	changed := 0
	for _, k := range sorted {
		lb, inB := b[k]
		lo, inO := o[k]
		vb, vo := value(lb, inB), value(lo, inO)
		if vb == vo {
			continue
		}
		changed++
		l := lo
		if !inO {
			l = lb
		}
		fmt.Fprintf(tw, "%s\t%s %s %s\t%s\t%s\t%s\n", l.Region, shortType(l.Type), resourceName(l.URN), l.Item, vb, vo, delta(lb, inB, lo, inO))
	}
	tw.Flush()
	tb, ub := base.Total()
	to, uo := other.Total()
	fmt.Fprintf(w, "%d line(s) differ. Total: %s → %s (%+.2f a month); per user $%.2f → $%.2f\n",
		changed, amount(tb, ub), amount(to, uo), to-tb, base.PerUser(), other.PerUser())
}

func normalise(k, stack string) string { return strings.ReplaceAll(k, stack, "<stack>") }

func resourceName(urn string) string { return urn[strings.LastIndex(urn, "::")+2:] }

func value(l Line, ok bool) string {
	switch {
	case !ok:
		return "—"
	case l.Monthly == nil:
		return "unknown"
	}
	return fmt.Sprintf("$%.2f", *l.Monthly)
}

func delta(a Line, okA bool, b Line, okB bool) string {
	av, bv := 0.0, 0.0
	if okA {
		if a.Monthly == nil {
			return "unknown"
		}
		av = *a.Monthly
	}
	if okB {
		if b.Monthly == nil {
			return "unknown"
		}
		bv = *b.Monthly
	}
	return fmt.Sprintf("%+.2f", bv-av)
}
