package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/platformeng/coder-platform/internal/preview"
)

// A copy of the preview file, edited: one step dropped (so the resource is
// added now), one made up (removed now) and one input changed.
func TestChangesAgainstAnEditedBase(t *testing.T) {
	res := prod(t)
	data, err := json.Marshal(res.JSON())
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))

	steps := doc["steps"].([]any)
	var kept []any
	var dropped, changed string
	for _, s := range steps {
		step := s.(map[string]any)
		ns := step["newState"].(map[string]any)
		switch {
		case dropped == "" && ns["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm":
			dropped = step["urn"].(string)
			continue
		case changed == "" && ns["type"] == "aws:ec2/subnet:Subnet":
			changed = step["urn"].(string)
			ns["inputs"].(map[string]any)["cidrBlock"] = "10.99.0.0/24"
		}
		kept = append(kept, s)
	}
	gone := strings.Replace(dropped, "::coder-prod", "::retired-coder-prod", 1)
	kept = append(kept, map[string]any{"op": "create", "urn": gone, "newState": map[string]any{
		"urn": gone, "type": "aws:cloudwatch/metricAlarm:MetricAlarm", "custom": true, "inputs": map[string]any{"threshold": 1}}})
	doc["steps"] = kept
	path := filepath.Join(t.TempDir(), "base.json")
	edited, err := json.Marshal(doc)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, edited, 0o644))

	base, err := preview.ReadDocument(path)
	require.NoError(t, err)
	page, _ := render(t, res, &Base{Name: "base.json", Resources: preview.ResourcesFromDocument(base)})
	sec := byID(t, page, Changes)
	assert.Equal(t, "1", attr(sec, "data-added"))
	assert.Equal(t, "1", attr(sec, "data-removed"))
	assert.Equal(t, "1", attr(sec, "data-changed"))
	assert.Equal(t, []string{dropped}, urns(all(sec, tag("ul", "added"))[0]))
	assert.Equal(t, []string{gone}, urns(all(sec, tag("ul", "removed"))[0]))

	d := all(sec, tag("details", "changed"))
	require.Len(t, d, 1)
	assert.Equal(t, changed, attr(d[0], "data-urn"))
	rows := all(d[0], func(n *html.Node) bool { return n.Data == "tr" && attr(n, "data-path") != "" })
	require.Len(t, rows, 1)
	assert.Equal(t, "cidrBlock", attr(rows[0], "data-path"))
	now := res.Lookup(changed).Inputs["cidrBlock"].StringValue()
	var cells []string
	for _, td := range all(rows[0], tag("td")) {
		cells = append(cells, text(td))
	}
	assert.Equal(t, []string{"cidrBlock", `"10.99.0.0/24"`, `"` + now + `"`}, cells)
}

// A preview compared with its own file changes nothing: the file round
// trip (secrets, unknowns, numbers) is lossless for the comparison.
func TestNoChangesAgainstItself(t *testing.T) {
	res := prod(t)
	data, err := json.Marshal(res.JSON())
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "self.json")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	doc, err := preview.ReadDocument(path)
	require.NoError(t, err)
	d, err := diff(&Base{Name: "self.json", Resources: preview.ResourcesFromDocument(doc)}, res.Resources)
	require.NoError(t, err)
	assert.Empty(t, d.Added)
	assert.Empty(t, d.Removed)
	assert.Empty(t, d.Changed)
	assert.Equal(t, len(res.Resources), d.Unchanged)
}

// Lists compare by index; a value only one side has is "(absent)".
func TestChangedPaths(t *testing.T) {
	a := map[string]any{"x": []any{1.0, 2.0}, "y": map[string]any{"z": "a"}, "gone": true}
	b := map[string]any{"x": []any{1.0, 3.0, 4.0}, "y": map[string]any{"z": "b"}, "new": "v"}
	var got []string
	for _, p := range changedPaths(nil, a, b) {
		o, err := at(a, p)
		require.NoError(t, err)
		n, err := at(b, p)
		require.NoError(t, err)
		got = append(got, pathString(p)+": "+o+" → "+n)
	}
	assert.Equal(t, []string{
		"gone: true → (absent)", "new: (absent) → \"v\"",
		"x[1]: 2 → 3", "x[2]: (absent) → 4", "y.z: \"a\" → \"b\"",
	}, got)
}

func urns(n *html.Node) []string {
	var out []string
	for _, li := range all(n, tag("li")) {
		out = append(out, attr(li, "data-urn"))
	}
	return out
}
