package report

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
)

// Figure is a diagram of the stack, an SVG document drawn elsewhere
// (internal/diagram) and inlined into the page.
type Figure struct {
	// View names the figure (components, traffic, security); it is also
	// its anchor on the page.
	View, Title string
	SVG         []byte
}

// inlineFigure is a figure ready for the page.
type inlineFigure struct {
	View, Title string
	SVG         template.HTML
}

// prolog is what a standalone SVG file starts with and inline SVG must not.
var prolog = regexp.MustCompile(`(?s)^\s*(<\?xml.*?\?>\s*)?(<!DOCTYPE[^>]*>\s*)?`)

// inline trusts a figure's SVG as markup: the page's own diagrams, never
// user input. It refuses what would break the page's promise of no script
// and no fetch.
func inline(f Figure) (inlineFigure, error) {
	svg := prolog.ReplaceAll(f.SVG, nil)
	switch {
	case !bytes.HasPrefix(svg, []byte("<svg")):
		return inlineFigure{}, fmt.Errorf("figure %s: not an SVG document", f.View)
	case bytes.Contains(bytes.ToLower(svg), []byte("<script")):
		return inlineFigure{}, fmt.Errorf("figure %s: SVG with a script", f.View)
	}
	title := f.Title
	if title == "" {
		title = f.View
	}
	return inlineFigure{View: f.View, Title: title, SVG: template.HTML(svg)}, nil
}
