package scaletest

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// Targets are the acceptance criteria, from the stack's alarm thresholds
// (observability.thresholds): one definition for the alerts and the
// report.
type Targets struct {
	APIP95, APIP99 time.Duration
	// Start is the start-time P95 target by template kind
	// (thresholds.KindPod, thresholds.KindEC2).
	Start map[string]time.Duration
	// SuccessPercent is the share of builds that must succeed.
	SuccessPercent float64
}

// TargetsOf reads the targets from a stack's thresholds.
func TargetsOf(v thresholds.Values) Targets {
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	ms := func(m float64) time.Duration { return time.Duration(m * float64(time.Millisecond)) }
	return Targets{
		APIP95: ms(v.APILatencyP95Ms), APIP99: ms(v.APILatencyP99Ms),
		Start:          map[string]time.Duration{thresholds.KindPod: sec(v.PodStartP95Seconds), thresholds.KindEC2: sec(v.EC2StartP95Seconds)},
		SuccessPercent: v.BuildSuccessPercent,
	}
}

// Verdict is a criterion's outcome.
type Verdict string

const (
	Pass Verdict = "pass"
	Miss Verdict = "MISS"
	// NotMeasured: no file given proves it.
	NotMeasured Verdict = "not measured"
	// Info is a figure with no target.
	Info Verdict = "info"
)

// Row is one criterion (or figure) of the report.
type Row struct {
	Criterion, Measured, Target string
	Verdict                     Verdict
	// Source names the files it was measured from.
	Source string
}

// Report is the judged run.
type Report struct {
	Stack string
	Rows  []Row
	// Notes say what the measurements are and are not.
	Notes []string
}

// Missed counts the criteria missed.
func (r *Report) Missed() int {
	n := 0
	for _, row := range r.Rows {
		if row.Verdict == Miss {
			n++
		}
	}
	return n
}

// KindOf is a template's kind: the prefix of its name
// (thresholds.TemplatePrefixes); "" when none matches.
func KindOf(template string) string {
	for _, k := range slices.Sorted(maps.Keys(thresholds.TemplatePrefixes)) {
		if strings.HasPrefix(template, thresholds.TemplatePrefixes[k]) {
			return k
		}
	}
	return ""
}

// Build judges the files. A create-workspaces file of a template of no
// known kind is bad input.
func Build(stack string, t Targets, files []File) (*Report, error) {
	r := &Report{Stack: stack}
	byCmd := map[Command][]File{}
	var hist []File
	for _, f := range files {
		if f.Results == nil {
			hist = append(hist, f)
			continue
		}
		if f.Command == CreateWorkspaces && KindOf(f.Template) == "" {
			return nil, fmt.Errorf("%s: template %q has no kind: its name must start with %s", f.Path, f.Template, prefixes())
		}
		byCmd[f.Command] = append(byCmd[f.Command], f)
	}
	r.latency(t, hist)
	r.startTimes(t, byCmd[CreateWorkspaces])
	r.success(t, byCmd[CreateWorkspaces])
	r.traffic(byCmd[WorkspaceTraffic])
	r.dashboard(byCmd[Dashboard])
	return r, nil
}

func prefixes() string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(thresholds.TemplatePrefixes)) {
		out = append(out, thresholds.TemplatePrefixes[k])
	}
	return strings.Join(out, " or ")
}

func names(files []File) string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name())
	}
	return strings.Join(out, ", ")
}

// latency is API P95 and P99 from the Prometheus exports, merged.
func (r *Report) latency(t Targets, files []File) {
	rows := []struct {
		q      float64
		name   string
		target time.Duration
	}{{0.95, "API latency P95", t.APIP95}, {0.99, "API latency P99", t.APIP99}}
	if len(files) == 0 {
		for _, x := range rows {
			r.Rows = append(r.Rows, Row{Criterion: x.name, Measured: "-", Target: "≤ " + ms(x.target), Verdict: NotMeasured,
				Source: "give a Prometheus export of " + APILatencyQuery})
		}
		return
	}
	merged := map[float64]float64{}
	for _, f := range files {
		for _, b := range f.Histogram {
			merged[b.LE] += b.Count
		}
	}
	var h Histogram
	for _, le := range slices.Sorted(maps.Keys(merged)) {
		h = append(h, Bucket{LE: le, Count: merged[le]})
	}
	for _, x := range rows {
		v := time.Duration(h.Quantile(x.q) * float64(time.Second))
		r.Rows = append(r.Rows, Row{Criterion: x.name, Measured: fmt.Sprintf("%s (%.0f requests)", ms(v), h.Total()),
			Target: "≤ " + ms(x.target), Verdict: judge(v <= x.target), Source: names(files)})
	}
	r.Notes = append(r.Notes, "API latency is coderd's own histogram ("+APILatencyMetric+") over the window exported; "+
		"its precision is the bucket bounds, interpolated as histogram_quantile does.")
}

// startTimes is the P95 of create-workspaces run durations by template
// kind; a failed run counts as not started.
func (r *Report) startTimes(t Targets, files []File) {
	for _, kind := range slices.Sorted(maps.Keys(t.Start)) {
		target := t.Start[kind]
		name := fmt.Sprintf("start time P95, %s", kind)
		var ds []time.Duration
		var from []File
		for _, f := range files {
			if KindOf(f.Template) != kind {
				continue
			}
			from = append(from, f)
			for _, run := range f.Results.Runs {
				d := time.Duration(run.DurationMS) * time.Millisecond
				if !run.Passed() {
					d = time.Duration(math.MaxInt64)
				}
				ds = append(ds, d)
			}
		}
		if len(from) == 0 {
			r.Rows = append(r.Rows, Row{Criterion: name, Measured: "-", Target: "≤ " + secs(target), Verdict: NotMeasured,
				Source: fmt.Sprintf("give a create-workspaces result of a %s template", thresholds.TemplatePrefixes[kind])})
			continue
		}
		p := percentile(ds, 0.95)
		measured := fmt.Sprintf("%s (%d workspaces)", secs(p), len(ds))
		if p == time.Duration(math.MaxInt64) {
			measured = fmt.Sprintf("none: over 5 %% of %d workspaces failed", len(ds))
		}
		r.Rows = append(r.Rows, Row{Criterion: name, Measured: measured, Target: "≤ " + secs(target), Verdict: judge(p <= target), Source: names(from)})
	}
	if len(files) > 0 {
		r.Notes = append(r.Notes, "Start time is each create-workspaces run's duration: creating its user, the build and the agent "+
			"connecting, so an upper bound of the start; a failed run counts as not started.")
	}
}

// success is the share of create-workspaces runs that passed.
func (r *Report) success(t Targets, files []File) {
	target := fmt.Sprintf("≥ %g %%", t.SuccessPercent)
	if len(files) == 0 {
		r.Rows = append(r.Rows, Row{Criterion: "workspace build success", Measured: "-", Target: target, Verdict: NotMeasured,
			Source: "give a create-workspaces result"})
		return
	}
	var runs, pass, retried int
	var elapsed time.Duration
	for _, f := range files {
		runs += f.Results.TotalRuns
		pass += f.Results.TotalPass
		elapsed += time.Duration(f.Results.ElapsedMS) * time.Millisecond
		for _, run := range f.Results.Runs {
			if run.Retried() {
				retried++
			}
		}
	}
	rate := 100 * float64(pass) / float64(runs)
	r.Rows = append(r.Rows, Row{Criterion: "workspace build success", Measured: fmt.Sprintf("%.2f %% (%d of %d)", rate, pass, runs),
		Target: target, Verdict: judge(rate >= t.SuccessPercent), Source: names(files)})
	if retried > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d workspaces passed only after a retry (--retry): the success rate counts them as passed.", retried))
	}
	if elapsed > 0 {
		r.Rows = append(r.Rows, Row{Criterion: "creation throughput", Verdict: Info, Source: names(files),
			Measured: fmt.Sprintf("%.1f workspaces/min (%d in %s)", float64(pass)/elapsed.Minutes(), pass, elapsed.Round(time.Second))})
	}
}

// traffic is workspace-traffic: every connection held for the run, and the
// bytes moved.
func (r *Report) traffic(files []File) {
	if len(files) == 0 {
		return
	}
	var runs, pass int
	var bytes float64
	var elapsed time.Duration
	for _, f := range files {
		runs += f.Results.TotalRuns
		pass += f.Results.TotalPass
		elapsed = max(elapsed, time.Duration(f.Results.ElapsedMS)*time.Millisecond)
		for _, run := range f.Results.Runs {
			for _, m := range []string{BytesRead, BytesWritten} {
				if v, ok := run.Metrics[m].(float64); ok {
					bytes += v
				}
			}
		}
	}
	measured := fmt.Sprintf("%d of %d workspaces", pass, runs)
	if elapsed > 0 {
		measured += fmt.Sprintf(", %.2f MB/s read and written", bytes/elapsed.Seconds()/1e6)
	}
	r.Rows = append(r.Rows, Row{Criterion: "workspace traffic throughput", Measured: measured, Target: "every workspace's connection held",
		Verdict: judge(pass == runs), Source: names(files)})
}

// dashboard is the dashboard command: its file proves only that sessions
// ran without error; its timings are Prometheus metrics.
func (r *Report) dashboard(files []File) {
	if len(files) == 0 {
		return
	}
	var runs, pass int
	for _, f := range files {
		runs += f.Results.TotalRuns
		pass += f.Results.TotalPass
	}
	r.Rows = append(r.Rows, Row{Criterion: "dashboard sessions", Measured: fmt.Sprintf("%d of %d without error", pass, runs),
		Target: "every session", Verdict: judge(pass == runs), Source: names(files)})
	r.Notes = append(r.Notes, "A dashboard result holds no latency: the command exports its page timings as the Prometheus metric "+
		"coderd_scaletest_dashboard_duration_seconds while it runs; API latency comes from coderd's histogram.")
}

func judge(ok bool) Verdict {
	if ok {
		return Pass
	}
	return Miss
}

// percentile is the nearest-rank percentile.
func percentile(ds []time.Duration, q float64) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[max(0, i)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

func secs(d time.Duration) string { return fmt.Sprintf("%.0f s", d.Seconds()) }

// Write prints the report: one line per criterion, then the notes and the
// verdict.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "Scale test of stack %s\n\n", r.Stack)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CRITERION\tMEASURED\tTARGET\tVERDICT\tFROM")
	for _, row := range r.Rows {
		target := row.Target
		if target == "" {
			target = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", row.Criterion, row.Measured, target, row.Verdict, row.Source)
	}
	_ = tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n- %s", n)
	}
	unmeasured := 0
	for _, row := range r.Rows {
		if row.Verdict == NotMeasured {
			unmeasured++
		}
	}
	fmt.Fprintf(w, "\n\n%d criteria missed, %d not measured.\n", r.Missed(), unmeasured)
}
