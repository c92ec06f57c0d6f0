package report

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
)

// Every section is there, once, with a heading; changes only with a base;
// nothing is loaded from anywhere and there is no script.
func TestPageHasEverySection(t *testing.T) {
	doc, page := render(t, prod(t), nil)
	for _, id := range Sections {
		s := byID(t, doc, id)
		assert.Equal(t, "section", s.Data, id)
		assert.Len(t, all(s, tag("h2")), 1, "%s has one heading", id)
	}
	assert.Empty(t, all(doc, func(n *html.Node) bool { return attr(n, "id") == Changes }), "no changes without a base")
	assert.Empty(t, all(doc, tag("script")))
	for _, n := range all(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if a.Key == "src" || (a.Key == "href" && n.Data != "a") {
				t.Errorf("<%s %s=%q> loads from elsewhere", n.Data, a.Key, a.Val)
			}
			if a.Key == "href" && !strings.HasPrefix(a.Val, "#") {
				t.Errorf("a link leaves the page: %q", a.Val)
			}
		}
	}
	assert.Contains(t, page, `Content-Security-Policy" content="default-src 'none';`)
}

// The tree accounts for every registration exactly once, and each
// component's total is what the preview registered under it.
func TestResourceCountsMatchThePreview(t *testing.T) {
	res := prod(t)
	doc, _ := render(t, res, nil)
	sec := byID(t, doc, "resources")
	assert.Equal(t, strconv.Itoa(len(res.Resources)), attr(sec, "data-total"))

	components := all(sec, tag("details", "component"))
	require.NotEmpty(t, components)
	assert.Equal(t, res.Root, attr(components[0], "data-urn"))
	counted := len(components) - 1 // every component but the stack is a registration
	for _, li := range all(sec, func(n *html.Node) bool { return n.Data == "li" && attr(n, "data-count") != "" }) {
		n, err := strconv.Atoi(attr(li, "data-count"))
		require.NoError(t, err)
		counted += n
	}
	assert.Equal(t, len(res.Resources), counted)

	under := descendants(res)
	for _, c := range components {
		assert.Equal(t, strconv.Itoa(under[attr(c, "data-urn")]), attr(c, "data-total"), attr(c, "data-urn"))
	}

	byType := 0
	for _, tr := range all(sec, func(n *html.Node) bool { return n.Data == "tr" && attr(n, "data-type") != "" }) {
		assert.Contains(t, text(tr), strconv.Itoa(res.ByType()[attr(tr, "data-type")]))
		byType++
	}
	assert.Equal(t, len(res.ByType()), byType)
}

// descendants counts the registrations under each URN, at any depth.
func descendants(res *preview.Result) map[string]int {
	parent := map[string]string{}
	for _, r := range res.Resources {
		parent[r.URN] = r.Parent
	}
	out := map[string]int{}
	for _, r := range res.Resources {
		for p := r.Parent; p != ""; p = parent[p] {
			out[p]++
		}
	}
	return out
}

// The other sections hold one entry per thing the preview has.
func TestSectionCountsMatchThePreview(t *testing.T) {
	res := prod(t)
	doc, _ := render(t, res, nil)
	verdict := gate.Evaluate(res.Resources, nil)

	helm := byID(t, doc, "helm")
	releases := res.OfType(helmRelease)
	require.NotEmpty(t, releases)
	assert.Len(t, all(helm, tag("details", "release")), len(releases))
	for _, d := range all(helm, tag("details", "release")) {
		assert.NotEmpty(t, text(all(d, tag("pre"))[0]), "every release shows its values")
	}

	alarmsSec := byID(t, doc, "alarms")
	assert.Len(t, all(all(alarmsSec, tag("table", "alarms"))[0], tag("tr")), 1+len(res.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")))
	rs, err := promRules(res)
	require.NoError(t, err)
	require.NotEmpty(t, rs)
	assert.Equal(t, strconv.Itoa(len(rs)), attr(alarmsSec, "data-rules"))
	assert.Len(t, all(all(alarmsSec, tag("table", "rules"))[0], tag("tr")), 1+len(rs))

	capSec := byID(t, doc, "capacity")
	assert.Len(t, all(capSec, tag("tr")), 1+len(res.Config.Capacity().Rows))

	net := byID(t, doc, "network")
	articles := all(net, tag("article", "region"))
	require.Len(t, articles, len(res.Config.Regions))
	for i, a := range articles {
		region := res.Config.Regions[i].Name
		assert.Equal(t, region, attr(a, "data-region"))
		plan := res.Config.Region(region).Network
		assert.Len(t, all(a, tag("rect")), len(plan.Demands)+1, "a segment per tier and the free space")
		for _, s := range plan.Subnets {
			assert.Contains(t, text(a), s.CIDR.String())
		}
	}

	pol := byID(t, doc, "policy")
	assert.Equal(t, strconv.Itoa(len(verdict.Violations)), attr(pol, "data-violations"))
	assert.Equal(t, strconv.Itoa(verdict.Mandatory()), attr(pol, "data-mandatory"))
	findings := 0
	for _, d := range all(pol, tag("details", "verdict")) {
		n, err := strconv.Atoi(attr(d, "data-count"))
		require.NoError(t, err)
		assert.Len(t, all(d, tag("li")), n)
		findings += n
	}
	assert.Equal(t, len(verdict.Violations), findings)
	if len(verdict.Violations) > 0 {
		assert.Contains(t, text(pol), "Fix:", "remediation is shown")
	}

	assert.Equal(t, strconv.Itoa(len(res.Diagnostics)), attr(byID(t, doc, "diagnostics"), "data-count"))
}

// Figures are inlined as SVG; a figure that is not SVG, or carries a
// script, is refused.
func TestFiguresAreInlineSVG(t *testing.T) {
	res := prod(t)
	svg := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`
	data, err := Render(Input{Result: res, Figures: []Figure{{View: "components", SVG: []byte(svg)}}})
	require.NoError(t, err)
	assert.Contains(t, string(data), `<figure class="diagram" id="diagram-components">`)
	assert.NotContains(t, string(data), "<?xml")
	assert.Contains(t, string(data), `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">`)

	for _, bad := range []string{`<p>not svg</p>`, `<svg><script>alert(1)</script></svg>`} {
		_, err := Render(Input{Result: res, Figures: []Figure{{View: "x", SVG: []byte(bad)}}})
		assert.Error(t, err, bad)
	}
}
