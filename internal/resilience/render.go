package resilience

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

// WriteText prints the report for a person: each tier's verdict with its
// facts, the recovery path and the RPO, and the outcome.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Stack %s, losing %s (%s)\n\n", r.Stack, r.Failure, r.Region)
	for _, t := range r.Tiers {
		crit := ""
		if t.Critical {
			crit = " [critical]"
		}
		fmt.Fprintf(w, "%-13s %-10s %s%s\n", t.Tier, t.Status, t.Capacity, crit)
		for _, d := range t.Details {
			fmt.Fprintf(w, "    - %s\n", d)
		}
	}
	rc := r.Recovery
	fmt.Fprintf(w, "\nRecovery: about %s on the critical path", duration(rc.Total))
	if rc.RTO != "" {
		fmt.Fprintf(w, " against the declared RTO %s (resilience.rto.%s): %s", rc.RTO, r.Failure.Target(), metText(rc.Met))
	}
	fmt.Fprintln(w)
	for _, s := range rc.Path {
		kind := ""
		if s.Type != "" {
			kind = " (" + preview.DisplayType(s.Type) + ")"
		}
		fmt.Fprintf(w, "    %6s  %s%s\n", duration(s.Time), s.What, kind)
	}
	if len(rc.Path) == 0 {
		fmt.Fprintln(w, "    nothing to rebuild or restore")
	}
	if n := len(rc.Steps) - len(rc.Path); n > 0 && n <= 10 {
		fmt.Fprintln(w, "  alongside:")
		for _, s := range rc.Steps {
			if !slices.ContainsFunc(rc.Path, func(p Step) bool { return p.What == s.What && p.Type == s.Type }) {
				fmt.Fprintf(w, "    %6s  %s\n", duration(s.Time), s.What)
			}
		}
	} else if n > 10 {
		fmt.Fprintf(w, "  and %d other resources rebuilt alongside (--json lists them)\n", n)
	}
	if p := r.RPO; p.Target != "" {
		fmt.Fprintf(w, "RPO: the design loses up to %s (%s) against the declared %s (resilience.rpo.%s): %s\n",
			rpoText(p.Design), p.Why, p.Target, r.Failure.Target(), metText(p.Met))
		if p.Note != "" {
			fmt.Fprintf(w, "    note: %s\n", p.Note)
		}
	}
	fmt.Fprintln(w)
	switch stopped := r.Stopped(); {
	case len(stopped) > 0:
		fmt.Fprintf(w, "FAIL: critical tiers stop: %s\n", strings.Join(stopped, ", "))
	case r.Failed():
		fmt.Fprintln(w, "FAIL: the declared RTO or RPO is missed")
	default:
		fmt.Fprintln(w, "OK: every critical tier keeps serving, within the declared RTO and RPO")
	}
}

func metText(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func rpoText(d time.Duration) string {
	if d == config.Unbounded {
		return "everything since the last copy, which does not exist"
	}
	return duration(d)
}

// duration prints 1h35m, 30m or 45s.
func duration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}

// SummaryTable is the Markdown table of reports (one row each) that
// docs/disaster-recovery.md keeps between its resilience markers.
func SummaryTable(reps []*Report) string {
	var b strings.Builder
	b.WriteString("| stack | lose | " + strings.Join(config.Tiers, " | ") + " | recovery (RTO) | RPO (target) | exit |\n")
	b.WriteString("|---|---|" + strings.Repeat("---|", len(config.Tiers)) + "---|---|---|\n")
	for _, r := range reps {
		cells := []string{r.Stack, "`" + r.Failure.String() + "`"}
		for _, t := range r.Tiers {
			cell := string(t.Status)
			if t.Status != Unaffected && t.Capacity != "" {
				cell += ": " + t.Capacity
			}
			if t.Critical && t.Status == Stops {
				cell = "**" + cell + "**"
			}
			cells = append(cells, cell)
		}
		cells = append(cells, sprintf("%s (%s, %s)", duration(r.Recovery.Total), r.Recovery.RTO, strings.ToLower(metText(r.Recovery.Met))))
		cells = append(cells, sprintf("%s (%s, %s)", rpoShort(r.RPO.Design), r.RPO.Target, strings.ToLower(metText(r.RPO.Met))))
		exit := "0"
		if r.Failed() {
			exit = "1"
		}
		cells = append(cells, exit)
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}

func rpoShort(d time.Duration) string {
	if d == config.Unbounded {
		return "unbounded"
	}
	return duration(d)
}
