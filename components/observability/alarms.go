package observability

import (
	"fmt"
	"strings"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
	"github.com/platformeng/coder-platform/sizing"
)

// Alarm is one CloudWatch alarm of a region: a row of thresholds.Table made
// concrete, its text filled in, with the threshold it compares and the
// dimensions of its own (the component adds its source's).
type Alarm struct {
	thresholds.Alarm
	Threshold  float64
	Dimensions map[string]string
}

// Rule is one Prometheus alerting rule in the region's AMP workspace, a
// row of thresholds.Table made concrete.
type Rule struct {
	thresholds.Alarm
	Threshold float64
}

// ComparisonSigns are CloudWatch's operators, written as a reader expects.
var ComparisonSigns = map[string]string{
	"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": "≥",
	"LessThanThreshold": "<", "LessThanOrEqualToThreshold": "≤",
}

// Condition is the alarm's rule in words, as the preview prints it.
func (a Alarm) Condition() string {
	return fmt.Sprintf("%s(%s/%s) %s %s for %d of %d × %ds", a.Statistic, a.Namespace, a.Metric,
		ComparisonSigns[a.Comparison], trim(a.Threshold)+a.Unit, a.Breaching, a.Evaluations, a.Period)
}

func trim(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", f), "0"), ".")
}

// scope is what a region's alarms are made concrete with: its thresholds
// and the things watched one alarm each.
type scope struct {
	t     Thresholds
	stack string
	// namespaces are the Kubernetes namespaces of PerNamespace alarms.
	namespaces []string
	// maxACU sizes the database's connection threshold (ConnectionsThreshold).
	maxACU float64
	// credentials are watched one alarm each.
	credentials []Credential
}

// alarms are the region's CloudWatch alarms that watch on, in table order.
func (s scope) alarms(on thresholds.Source) []Alarm {
	var out []Alarm
	for _, r := range thresholds.Table {
		if r.Alarm.On == on && !on.Prometheus() {
			out = append(out, s.concrete(r)...)
		}
	}
	return out
}

// rules are the region's Prometheus rules that watch on, in table order.
func (s scope) rules(on thresholds.Source) []Rule {
	var out []Rule
	for _, r := range thresholds.Table {
		if r.Alarm.On == on && on.Prometheus() {
			for _, a := range s.concrete(r) {
				out = append(out, Rule{Alarm: a.Alarm, Threshold: a.Threshold})
			}
		}
	}
	return out
}

// concrete makes a row's alarm concrete: one per level of a list-valued
// threshold, per namespace or per credential, else one.
func (s scope) concrete(r thresholds.Row) []Alarm {
	type instance struct {
		suffix, runbook string
		value           float64
		dims            map[string]string
		vars            map[string]string
	}
	var insts []instance
	value := r.Default
	if r.Field != nil {
		value = *r.Field(&s.t)
	}
	switch {
	case r.List != nil:
		values := *r.List(&s.t)
		for i, level := range r.Levels {
			insts = append(insts, instance{suffix: level, value: values[i], vars: map[string]string{"level": level}})
		}
	case r.Alarm.PerNamespace:
		for _, ns := range s.namespaces {
			insts = append(insts, instance{suffix: ns, value: value, vars: map[string]string{"namespace": ns}})
		}
	case r.Alarm.On == thresholds.Credentials:
		// Each credential's threshold is its own: credentialExpiryDays, or
		// a third of a shorter lifetime (coder.Credential.WarnDays).
		for _, c := range s.credentials {
			insts = append(insts, instance{suffix: c.Purpose, runbook: c.Runbook, value: c.WarnDays,
				dims: map[string]string{"Secret": c.Secret}, vars: map[string]string{"secret": c.Secret}})
		}
	default:
		insts = append(insts, instance{value: value})
	}
	var out []Alarm
	for _, in := range insts {
		a := r.Alarm
		if in.suffix != "" {
			a.Name += "-" + in.suffix
		}
		if in.runbook != "" {
			a.Runbook = in.runbook
		}
		threshold := in.value
		vars := map[string]string{"stack": s.stack}
		for k, v := range in.vars {
			vars[k] = v
		}
		switch a.Scale {
		case thresholds.MiBToBytes:
			threshold *= 1 << 20
		case thresholds.PercentOfMaxConnections:
			threshold = ConnectionsThreshold(s.maxACU, in.value)
			vars["maxConnections"], vars["maxACU"] = fmt.Sprint(sizing.MaxConnections(s.maxACU, s.maxACU)), trim(s.maxACU)
		}
		vars["threshold"] = trim(threshold)
		var pairs []string
		for k, v := range vars {
			pairs = append(pairs, "{"+k+"}", v)
		}
		fill := strings.NewReplacer(pairs...)
		for _, f := range []*string{&a.Summary, &a.Namespace, &a.Query, &a.Expr, &a.For} {
			*f = fill.Replace(*f)
		}
		out = append(out, Alarm{Alarm: a, Threshold: threshold, Dimensions: in.dims})
	}
	return out
}
