package report

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
)

// Helpers shared by the tests: the committed prod stack previewed once, and
// a small query language over the parsed page.

var prodOnce struct {
	sync.Once
	res *preview.Result
	err error
}

// prod is the offline preview of the committed prod stack.
func prod(t *testing.T) *preview.Result {
	t.Helper()
	prodOnce.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			prodOnce.err = err
			return
		}
		proj, err := preview.FindProject(wd)
		if err != nil {
			prodOnce.err = err
			return
		}
		prodOnce.res, prodOnce.err = preview.Run(proj, "prod", "")
	})
	require.NoError(t, prodOnce.err)
	return prodOnce.res
}

// render renders a result's page with the policy verdict and parses it.
func render(t *testing.T, res *preview.Result, base *Base) (*html.Node, string) {
	t.Helper()
	data, err := Render(Input{Result: res, Policy: gate.Evaluate(res.Resources, nil), Base: base})
	require.NoError(t, err)
	doc, err := html.Parse(bytes.NewReader(data))
	require.NoError(t, err)
	return doc, string(data)
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// all returns the elements under n (n included) that match.
func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(x *html.Node) {
		if x.Type == html.ElementNode && match(x) {
			out = append(out, x)
		}
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func tag(name string, classes ...string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		if n.Data != name {
			return false
		}
		for _, c := range classes {
			if !hasClass(n, c) {
				return false
			}
		}
		return true
	}
}

func byID(t *testing.T, doc *html.Node, id string) *html.Node {
	t.Helper()
	found := all(doc, func(n *html.Node) bool { return attr(n, "id") == id })
	require.Len(t, found, 1, "one element with id %q", id)
	return found[0]
}

// text is the text under n, spaces collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(x *html.Node) {
		if x.Type == html.TextNode {
			b.WriteString(x.Data)
		}
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}
