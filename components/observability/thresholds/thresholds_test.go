package thresholds

import (
	"flag"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the thresholds table of docs/config-reference.md")

// Every field of Values has exactly one row, keyed by its JSON name, whose
// accessor is that field: adding a threshold without its default, range
// and alarm fails here.
func TestTableCoversEveryField(t *testing.T) {
	t.Parallel()
	var v Values
	rows := map[string]Row{}
	for _, r := range Table {
		if r.Key == "" {
			continue
		}
		_, dup := rows[r.Key]
		require.False(t, dup, "row %s twice", r.Key)
		rows[r.Key] = r
	}
	rt := reflect.TypeOf(v)
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		key := strings.Split(f.Tag.Get("json"), ",")[0]
		r, ok := rows[key]
		require.True(t, ok, "field %s (%s) has no row in Table", f.Name, key)
		field := reflect.ValueOf(&v).Elem().Field(i).Addr().Pointer()
		if f.Type.Kind() == reflect.Slice {
			assert.Equal(t, EphemeralStorageKey, key, "Check validates the one list-valued threshold")
			require.NotNil(t, r.List, "%s is a list: its row has List", key)
			assert.Equal(t, field, reflect.ValueOf(r.List(&v)).Pointer(), key)
		} else {
			require.NotNil(t, r.Field, "%s: its row has Field", key)
			assert.Equal(t, field, reflect.ValueOf(r.Field(&v)).Pointer(), key)
		}
		delete(rows, key)
	}
	assert.Empty(t, rows, "rows without a field")
}

// Every row declares one alarm or rule, whole: a name no other row has, a
// runbook section, what it watches, and the fields its kind needs. A row
// with a key configures its threshold (Field, or List with a default per
// level); a row without one has a fixed threshold and nothing to document.
func TestEveryRowDeclaresOneAlarm(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	placeholder := regexp.MustCompile(`\{([A-Za-z]+)\}`)
	for _, r := range Table {
		a := r.Alarm
		if !assert.NotEmpty(t, a.Name, "row %q declares no alarm", r.Key) {
			continue
		}
		t.Run(a.Name, func(t *testing.T) {
			assert.False(t, names[a.Name], "two rows declare %s", a.Name)
			names[a.Name] = true
			assert.Regexp(t, `^[a-z0-9]+(-[a-z0-9]+)*$`, a.Runbook, "the runbook section (anchor alarm-<runbook>)")
			assert.Contains(t, Sources, a.On, "what it watches")
			assert.NotEmpty(t, a.Summary)
			if r.Key == "" {
				assert.True(t, r.Field == nil && r.List == nil && r.Meaning == "" && r.Min == 0 && r.Max == 0 && len(r.Levels) == 0,
					"a fixed threshold has nothing to configure or document")
			} else {
				assert.True(t, (r.Field == nil) != (r.List == nil), "a threshold is a value (Field) or a list (List)")
				assert.NotEmpty(t, r.Meaning)
				assert.Equal(t, len(r.Levels), len(r.Defaults), "a default per level")
				assert.Equal(t, r.List != nil, len(r.Levels) > 0, "a list names its levels")
			}
			if a.On.Prometheus() {
				assert.Regexp(t, `^[A-Z][A-Za-z0-9]+$`, a.Name, "a Prometheus alert name")
				assert.NotEmpty(t, a.Expr)
				assert.NotEmpty(t, a.For)
				assert.True(t, a.Metric == "" && a.Namespace == "" && a.Statistic == "" && a.Comparison == "" && a.Period == 0 && a.Query == "",
					"a Prometheus rule has no CloudWatch fields")
				assert.Equal(t, AsIs, a.Scale)
			} else {
				assert.Regexp(t, `^[a-z0-9]+(-[a-z0-9]+)*$`, a.Name, "a CloudWatch alarm's suffix")
				assert.True(t, a.Expr == "" && a.For == "", "a CloudWatch alarm has no Prometheus fields")
				assert.NotEmpty(t, a.Namespace)
				assert.NotEmpty(t, a.Metric)
				assert.Contains(t, []string{"Average", "Maximum", "Minimum", "Sum", "SampleCount"}, a.Statistic)
				assert.Contains(t, []string{"GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"}, a.Comparison)
				assert.Contains(t, []string{"missing", "notBreaching", "breaching", "ignore"}, a.Missing)
				assert.True(t, a.Period >= 60 && a.Period%60 == 0, "period %d: whole minutes", a.Period)
				assert.True(t, a.Breaching >= 1 && a.Breaching <= a.Evaluations, "%d of %d periods", a.Breaching, a.Evaluations)
			}
			assert.False(t, a.PerTargetGroup && a.On != LoadBalancer, "only the load balancer has target groups")
			assert.False(t, a.PerNamespace && a.On != Nodes, "namespaces are the cluster's")
			assert.False(t, a.PerNamespace && len(r.Levels) > 0, "one alarm per namespace or per level, not both")
			assert.False(t, a.Scale == PercentOfMaxConnections && a.On != Database, "max_connections is the database's")
			for _, text := range []string{a.Summary, a.Namespace, a.Query, a.Expr, a.For} {
				for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
					assert.Contains(t, Placeholders, m[1], "%q names an unknown placeholder", text)
				}
			}
		})
	}
}

// Every alarm's runbook section exists in docs/runbooks.md (a credential's
// alarm links the credential's own section; package coder names those).
func TestEveryAlarmHasARunbookSection(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../../docs/runbooks.md")
	require.NoError(t, err)
	sections := map[string]bool{}
	for _, m := range regexp.MustCompile(`<a id="alarm-([a-z0-9-]+)"></a>`).FindAllStringSubmatch(string(data), -1) {
		sections[m[1]] = true
	}
	require.NotEmpty(t, sections)
	for _, r := range Table {
		assert.True(t, sections[r.Alarm.Runbook], "%s: docs/runbooks.md has no section alarm-%s; add one under ## Alarms, headed by <a id=\"alarm-%s\"></a>",
			r.Alarm.Name, r.Alarm.Runbook, r.Alarm.Runbook)
	}
}

// docs/config-reference.md shows Reference between its markers.
func TestReferenceIsCurrent(t *testing.T) {
	const path = "../../../docs/config-reference.md"
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	doc := string(data)
	const begin, end = "<!-- thresholds:begin -->\n", "<!-- thresholds:end -->"
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	require.True(t, i >= 0 && j > i, "docs/config-reference.md has the thresholds markers")
	want := ReferenceHeader + Reference("")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644))
		return
	}
	assert.Equal(t, want, doc[i+len(begin):j], "run go test ./components/observability/thresholds -update")
}
