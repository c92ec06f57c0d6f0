package thresholds

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the thresholds table of docs/config-reference.md")

// Every scalar field of Values has exactly one row, keyed by its JSON name:
// adding a threshold without its default and range fails here.
func TestTableCoversEveryField(t *testing.T) {
	t.Parallel()
	var v Values
	rows := map[string]Row{}
	for _, r := range Table {
		_, dup := rows[r.Key]
		require.False(t, dup, "row %s twice", r.Key)
		rows[r.Key] = r
	}
	rt := reflect.TypeOf(v)
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		key := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Type.Kind() == reflect.Slice {
			assert.Equal(t, EphemeralStorageKey, key)
			continue
		}
		r, ok := rows[key]
		require.True(t, ok, "field %s (%s) has no row in Table", f.Name, key)
		// The row's accessor points at this very field.
		assert.Equal(t, reflect.ValueOf(&v).Elem().Field(i).Addr().Pointer(), reflect.ValueOf(r.Field(&v)).Pointer(), key)
		delete(rows, key)
	}
	assert.Empty(t, rows, "rows without a field")
}

func TestDefaultsAreAllowed(t *testing.T) {
	t.Parallel()
	assert.Empty(t, Check(Defaults()))
	for _, r := range Table {
		assert.Equal(t, r.Default, *r.Field(ptr(Defaults())), r.Key)
	}
}

func TestCheckNamesTheKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(*Values)
		key  string
		msg  string
	}{
		{"percentage at 100", func(v *Values) { v.NodeCPUPercent = 100 }, "nodeCpuPercent", "between 0 and 100 (exclusive)"},
		{"below range", func(v *Values) { v.PodRestarts = 0.5 }, "podRestarts", "between 1 and 1000"},
		{"storage not rising", func(v *Values) { v.EphemeralStoragePercent = []float64{85, 70, 95} }, EphemeralStorageKey, "three rising percentages"},
		{"P99 under P95", func(v *Values) { v.APILatencyP99Ms = 400 }, "apiLatencyP99Ms", "at least apiLatencyP95Ms (500)"},
		{"every bound inclusive", func(v *Values) { v.CredentialExpiryDays = 60; v.LicenseExpiryDays = 180 }, "", ""},
		{"licence critical after warning", func(v *Values) { v.LicenseExpiryCriticalDays = 30 }, "licenseExpiryCriticalDays", "less than licenseExpiryDays (30)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Defaults()
			tc.edit(&v)
			ps := Check(v)
			if tc.key == "" {
				assert.Empty(t, ps)
				return
			}
			require.Len(t, ps, 1, "%+v", ps)
			assert.Equal(t, tc.key, ps[0].Key)
			assert.Contains(t, ps[0].Message, tc.msg)
		})
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
	want := "| key | default | allowed | meaning |\n|---|---|---|---|\n" + Reference("")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644))
		return
	}
	assert.Equal(t, want, doc[i+len(begin):j], "run go test ./components/observability/thresholds -update")
}

func ptr(v Values) *Values { return &v }
