package observability_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// A small reader of the PromQL the rules and dashboards write: enough to
// find every series name a query reads, the labels it matches on and
// groups by, and the values its equality matchers compare with. Names are
// looked up in thresholds.Exported and thresholds.Recordings.

var (
	pqString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	pqVariable = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)
	pqGrouping = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	pqSelector = regexp.MustCompile(`([A-Za-z_:][A-Za-z0-9_:]*)?\s*\{([^}]*)\}`)
	pqMatcher  = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"`)
	pqRange    = regexp.MustCompile(`\[[^\]]*\]`)
	pqName     = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	pqNumber   = regexp.MustCompile(`\d[0-9.eE+-]*$`)
	// Keywords, and the function and aggregation names that are followed
	// by "(" but may also appear before a grouping clause.
	pqKeywords = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
		"bool": true, "and": true, "or": true, "unless": true, "offset": true, "inf": true, "nan": true, "Inf": true, "NaN": true,
		"sum": true, "max": true, "min": true, "avg": true, "count": true, "topk": true, "bottomk": true, "quantile": true, "stddev": true, "group": true}
)

// querySelector is one series a query reads and the matchers on it.
type querySelector struct {
	name     string
	matchers []pqMatch
}

type pqMatch struct{ label, op, value string }

// parseQuery returns the series a query reads and its grouping labels.
func parseQuery(expr string) ([]querySelector, []string) {
	var sels []querySelector
	var grouping []string
	// Matchers first, while their strings are still there.
	rest := pqSelector.ReplaceAllStringFunc(pqVariable.ReplaceAllString(expr, " "), func(m string) string {
		sub := pqSelector.FindStringSubmatch(m)
		sel := querySelector{name: sub[1]}
		for _, mm := range pqMatcher.FindAllStringSubmatch(sub[2], -1) {
			sel.matchers = append(sel.matchers, pqMatch{mm[1], mm[2], mm[3]})
		}
		sels = append(sels, sel)
		return " "
	})
	rest = pqString.ReplaceAllString(rest, " ")
	rest = pqGrouping.ReplaceAllStringFunc(rest, func(m string) string {
		for _, l := range strings.Split(pqGrouping.FindStringSubmatch(m)[2], ",") {
			if l = strings.TrimSpace(l); l != "" {
				grouping = append(grouping, l)
			}
		}
		return " "
	})
	rest = pqRange.ReplaceAllString(rest, " ")
	for _, loc := range pqName.FindAllStringIndex(rest, -1) {
		name := rest[loc[0]:loc[1]]
		after := strings.TrimLeft(rest[loc[1]:], " \t\n")
		if pqKeywords[name] || strings.HasPrefix(after, "(") || (loc[0] > 0 && pqNumber.MatchString(rest[:loc[0]])) {
			continue // a function, aggregation, keyword or a number's exponent
		}
		sels = append(sels, querySelector{name: name})
	}
	return sels, grouping
}

// queryProblems are the names a query reads that no pinned version
// exports, the labels it matches or groups on that its series lack, and
// the values it compares with that a label never takes.
func queryProblems(expr string) []string {
	var out []string
	sels, grouping := parseQuery(expr)
	if len(sels) == 0 {
		return []string{fmt.Sprintf("%q reads no series", expr)}
	}
	known := map[string]bool{}
	for _, s := range sels {
		if s.name == "" {
			out = append(out, fmt.Sprintf("%q: a selector without a metric name", expr))
			continue
		}
		series, ok := thresholds.Lookup(s.name)
		if !ok {
			out = append(out, fmt.Sprintf("%q: %s is not a metric the pinned versions export (thresholds.Exported) nor a recording", expr, s.name))
			continue
		}
		for _, l := range series.Labels {
			known[l] = true
		}
		for _, m := range s.matchers {
			if !slices.Contains(series.Labels, m.label) {
				out = append(out, fmt.Sprintf("%q: %s has no label %s (it has %v)", expr, s.name, m.label, series.Labels))
				continue
			}
			values, listed := series.Values[m.label]
			if !listed || (m.op != "=" && m.op != "=~") {
				continue
			}
			for _, v := range strings.Split(m.value, "|") {
				if m.op == "=~" && strings.ContainsAny(v, ".*+?[]()") {
					continue // a pattern, not a value
				}
				if !slices.Contains(values, v) {
					out = append(out, fmt.Sprintf("%q: %s{%s} is never %q (it is one of %v)", expr, s.name, m.label, v, values))
				}
			}
		}
	}
	for _, l := range grouping {
		if !known[l] {
			out = append(out, fmt.Sprintf("%q: groups by %s, a label none of its series has", expr, l))
		}
	}
	return out
}
