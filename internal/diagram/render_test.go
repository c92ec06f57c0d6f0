package diagram

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every view of both stacks compiles as D2, renders as SVG that parses as
// XML, and as a well-formed Mermaid flowchart.
func TestDiagramEveryViewRenders(t *testing.T) {
	for _, stack := range stacksUnderTest {
		for _, view := range Views {
			t.Run(stack+"/"+string(view), func(t *testing.T) {
				diagram, err := CompileD2(context.Background(), string(renderOf(t, stack, view, D2Source)))
				require.NoError(t, err)
				assert.NotEmpty(t, diagram.Shapes)
				assert.NotEmpty(t, diagram.Connections)

				svg := renderOf(t, stack, view, SVG)
				root := parseXML(t, svg)
				assert.Equal(t, "svg", root)
				assert.Contains(t, string(svg), "10.") // CIDRs survive the rounding of coordinates
				checkMermaid(t, string(renderOf(t, stack, view, MermaidFC)))
			})
		}
	}
}

// The same preview gives the same bytes, and so does a second preview run:
// committed files can be compared.
func TestDiagramOutputIsDeterministic(t *testing.T) {
	again := runPreview(t, "workshop")
	for _, view := range Views {
		for _, format := range []Format{D2Source, MermaidFC} {
			out, err := Render(context.Background(), again, view, format)
			require.NoError(t, err)
			assert.Equal(t, string(renderOf(t, "workshop", view, format)), string(out), "%s %s", view, format)
		}
	}
	svg, err := Render(context.Background(), previewOf(t, "prod"), Traffic, SVG)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(renderOf(t, "prod", Traffic, SVG), svg))
}

// Rounding touches coordinates only.
func TestDiagramRoundGeometryKeepsText(t *testing.T) {
	in := `<path d="M 1.123456 -2.000000 L 3.5 4.004999" /><text x="12.345678">10.40.111.128/26 1.234567</text>`
	assert.Equal(t, `<path d="M 1.12 -2 L 3.5 4" /><text x="12.35">10.40.111.128/26 1.234567</text>`, string(roundGeometry([]byte(in))))
}

// Keys are unique, keyword-proof and stable.
func TestDiagramKeys(t *testing.T) {
	g := NewGraph("t", "down")
	g.Add(Node{ID: "a/b-c"})
	g.Add(Node{ID: "a/b_c"})
	g.Add(Node{ID: "end"})
	g.Add(Node{ID: "x", Parent: "end"})
	k := newKeys(g)
	assert.Equal(t, "na_b_c", k.local["a/b-c"])
	assert.Equal(t, "na_b_c_2", k.local["a/b_c"])
	assert.Equal(t, "nend", k.global["end"])
	assert.Equal(t, "nend.nx", k.path("x"))
	require.NoError(t, g.Validate())
	g.Connect(Edge{From: "x", To: "missing"})
	assert.ErrorContains(t, g.Validate(), `node "missing" does not exist`)
}

func TestDiagramParseFlags(t *testing.T) {
	_, err := ParseView("network")
	assert.ErrorContains(t, err, "want components, traffic, security")
	f, err := ParseFormat("mermaid")
	require.NoError(t, err)
	assert.Equal(t, MermaidFC, f)
}

// parseXML reads the whole document and returns the root element's name.
func parseXML(t *testing.T, data []byte) string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	return root
}

var (
	mmdNode     = regexp.MustCompile(`^(n[a-z0-9_]+)(\[\(|\(\(|\{\{|\[)"([^"]*)"(\)\]|\)\)|\}\}|\]):::([a-z]+)$`)
	mmdSubgraph = regexp.MustCompile(`^subgraph (n[a-z0-9_]+)\["([^"]*)"\]$`)
	mmdEdge     = regexp.MustCompile(`^(n[a-z0-9_]+) <?(==>|-\.->|-->)(\|"([^"]*)"\|)? (n[a-z0-9_]+)$`)
	mmdClassDef = regexp.MustCompile(`^classDef [a-z]+ [a-zA-Z0-9#:,]+$`)
	mmdShapes   = map[string]string{"[(": ")]", "((": "))", "{{": "}}", "[": "]"}
)

// checkMermaid checks a flowchart line by line: front matter, direction,
// balanced subgraphs, every node declared once before edges use it,
// matching brackets, no raw quote in a label.
func checkMermaid(t *testing.T, src string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	require.GreaterOrEqual(t, len(lines), 5)
	assert.Equal(t, "---", lines[0])
	assert.Regexp(t, `^title: "[^"]+"$`, lines[1])
	assert.Equal(t, "---", lines[2])
	assert.Regexp(t, `^flowchart (TB|LR)$`, lines[3])
	declared := map[string]bool{}
	depth, edges := 0, 0
	for i, raw := range lines[4:] {
		line := strings.TrimSpace(raw)
		switch {
		case line == "end":
			depth--
			require.GreaterOrEqual(t, depth, 0, "line %d: end without subgraph", i+5)
		case mmdSubgraph.MatchString(line):
			id := mmdSubgraph.FindStringSubmatch(line)[1]
			require.False(t, declared[id], "line %d: %s declared twice", i+5, id)
			declared[id] = true
			depth++
		case mmdNode.MatchString(line):
			m := mmdNode.FindStringSubmatch(line)
			require.False(t, declared[m[1]], "line %d: %s declared twice", i+5, m[1])
			assert.Equal(t, mmdShapes[m[2]], m[4], "line %d: brackets", i+5)
			declared[m[1]] = true
		case mmdEdge.MatchString(line):
			m := mmdEdge.FindStringSubmatch(line)
			assert.True(t, declared[m[1]], "line %d: edge from undeclared %s", i+5, m[1])
			assert.True(t, declared[m[5]], "line %d: edge to undeclared %s", i+5, m[5])
			edges++
		case mmdClassDef.MatchString(line):
		default:
			t.Errorf("line %d is not Mermaid this renderer writes: %q", i+5, line)
		}
	}
	assert.Zero(t, depth, "unbalanced subgraphs")
	assert.Positive(t, edges)
}
