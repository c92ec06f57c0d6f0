package diagram

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/internal/preview/previewtest"
)

var stacksUnderTest = []string{"prod", "workshop"}

var (
	previewMu sync.Mutex
	rendered  = map[string][]byte{}
)

// previewOf runs the committed stack file's offline preview once per test
// binary, as `platform diagram` does.
func previewOf(t *testing.T, stack string) *preview.Result { return previewtest.Committed(t, stack) }

// runPreview runs the preview of the committed stack file afresh.
func runPreview(t *testing.T, stack string) *preview.Result { return previewtest.Run(t, stack) }

// renderOf renders one stack's view in a format once per test binary.
func renderOf(t *testing.T, stack string, view View, format Format) []byte {
	t.Helper()
	res := previewOf(t, stack)
	key := stack + "/" + string(view) + "/" + string(format)
	previewMu.Lock()
	out, ok := rendered[key]
	previewMu.Unlock()
	if ok {
		return out
	}
	out, err := Render(context.Background(), res, view, format)
	require.NoError(t, err)
	previewMu.Lock()
	rendered[key] = out
	previewMu.Unlock()
	return out
}

func build(t *testing.T, stack string, view View) *Graph {
	t.Helper()
	g, err := Build(previewOf(t, stack), view)
	require.NoError(t, err)
	return g
}

// edgesBetween returns the edges from a node whose ID has fromPrefix to
// one whose ID has toPrefix.
func edgesBetween(g *Graph, fromPrefix, toPrefix string) []Edge {
	var out []Edge
	for _, e := range g.Edges() {
		if strings.HasPrefix(e.From, fromPrefix) && strings.HasPrefix(e.To, toPrefix) {
			out = append(out, e)
		}
	}
	return out
}

// labelOf is the label of the node with id, or "".
func labelOf(g *Graph, id string) string {
	if n := g.Node(id); n != nil {
		return n.Label
	}
	return ""
}

// edgesFromTo returns the edges from exactly one node to exactly another.
func edgesFromTo(g *Graph, from, to string) []Edge {
	var out []Edge
	for _, e := range g.Edges() {
		if e.From == from && e.To == to {
			out = append(out, e)
		}
	}
	return out
}
