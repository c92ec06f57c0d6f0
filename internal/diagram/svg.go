package diagram

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"oss.terrastruct.com/d2/d2graph"
	"oss.terrastruct.com/d2/d2layouts/d2dagrelayout"
	"oss.terrastruct.com/d2/d2lib"
	"oss.terrastruct.com/d2/d2renderers/d2svg"
	"oss.terrastruct.com/d2/d2target"
	"oss.terrastruct.com/d2/d2themes/d2themescatalog"
	d2log "oss.terrastruct.com/d2/lib/log"
	"oss.terrastruct.com/d2/lib/textmeasure"
)

// CompileD2 lays D2 source out with dagre, in process (D2 runs dagre's
// JavaScript in an embedded interpreter; no binary is needed).
func CompileD2(ctx context.Context, src string) (*d2target.Diagram, error) {
	ruler, err := textmeasure.NewRuler()
	if err != nil {
		return nil, fmt.Errorf("loading D2's fonts: %w", err)
	}
	// D2 logs through its context; its progress lines are not ours to print.
	ctx = d2log.With(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	layout := func(string) (d2graph.LayoutGraph, error) { return d2dagrelayout.DefaultLayout, nil }
	diagram, _, err := d2lib.Compile(ctx, src, &d2lib.CompileOptions{LayoutResolver: layout, Ruler: ruler}, renderOpts())
	if err != nil {
		return nil, fmt.Errorf("compiling D2: %w", err)
	}
	return diagram, nil
}

// RenderSVG compiles D2 source and renders it as SVG.
func RenderSVG(ctx context.Context, src string) ([]byte, error) {
	diagram, err := CompileD2(ctx, src)
	if err != nil {
		return nil, err
	}
	out, err := d2svg.Render(diagram, renderOpts())
	if err != nil {
		return nil, fmt.Errorf("rendering SVG: %w", err)
	}
	return roundGeometry(out), nil
}

func renderOpts() *d2svg.RenderOpts {
	pad := int64(24)
	theme := d2themescatalog.NeutralDefault.ID
	return &d2svg.RenderOpts{Pad: &pad, ThemeID: &theme}
}
