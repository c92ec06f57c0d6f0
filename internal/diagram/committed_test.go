package diagram

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
)

//go:generate go test -run TestDiagramCommittedFilesAreCurrent -update .

var update = flag.Bool("update", false, "rewrite docs/diagrams and the inline diagram of docs/architecture.md")

// inline is the diagram docs/architecture.md shows as Mermaid, between
// its markers.
const inline = "prod-traffic.mmd"

// The committed diagrams are what the program draws today: each is drawn
// again from a fresh preview and compared byte for byte. A change to the
// program that changes a diagram fails here until the files are
// regenerated: go test ./internal/diagram -run Diagram -update.
func TestDiagramCommittedFilesAreCurrent(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	proj, err := preview.FindProject(wd)
	require.NoError(t, err)
	dir := filepath.Join(proj.Dir, "docs", "diagrams")
	if *update {
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	for _, stack := range stacksUnderTest {
		for _, view := range Views {
			for ext, format := range map[string]Format{".svg": SVG, ".mmd": MermaidFC} {
				name := fmt.Sprintf("%s-%s%s", stack, view, ext)
				want := renderOf(t, stack, view, format)
				path := filepath.Join(dir, name)
				if *update {
					require.NoError(t, os.WriteFile(path, want, 0o644))
					continue
				}
				got, err := os.ReadFile(path)
				require.NoError(t, err, "run: go test ./internal/diagram -run Diagram -update")
				assert.True(t, string(got) == string(want),
					"docs/diagrams/%s is stale against the program; run: go test ./internal/diagram -run Diagram -update", name)
			}
		}
	}
	checkInline(t, filepath.Join(proj.Dir, "docs", "architecture.md"), renderOf(t, "prod", Traffic, MermaidFC))
}

const (
	inlineBegin = "<!-- diagram:begin " + inline + " (generated: go test ./internal/diagram -run Diagram -update) -->\n"
	inlineEnd   = "<!-- diagram:end -->"
)

// checkInline compares (or, with -update, rewrites) the Mermaid block
// between the markers in the architecture document.
func checkInline(t *testing.T, path string, mmd []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	doc := string(data)
	start := strings.Index(doc, inlineBegin)
	require.GreaterOrEqual(t, start, 0, "%s has no %q marker", path, strings.TrimSpace(inlineBegin))
	start += len(inlineBegin)
	end := strings.Index(doc[start:], inlineEnd)
	require.GreaterOrEqual(t, end, 0, "%s: no %s after the begin marker", path, inlineEnd)
	block := "```mermaid\n" + string(mmd) + "```\n"
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(doc[:start]+block+doc[start+end:]), 0o644))
		return
	}
	assert.True(t, doc[start:start+end] == block,
		"the Mermaid diagram in %s is stale; run: go test ./internal/diagram -run Diagram -update", path)
}
