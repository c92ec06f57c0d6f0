package diagram

import (
	"context"
	"fmt"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Format is an output format.
type Format string

// The formats.
const (
	SVG       Format = "svg"
	D2Source  Format = "d2"
	MermaidFC Format = "mermaid"
)

// Formats lists every format.
var Formats = []Format{SVG, D2Source, MermaidFC}

// ParseFormat reads a --format argument.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want svg, d2 or mermaid)", s)
}

// Render draws view of a previewed stack in format.
func Render(ctx context.Context, res *preview.Result, view View, format Format) ([]byte, error) {
	g, err := Build(res, view)
	if err != nil {
		return nil, err
	}
	switch format {
	case D2Source:
		return []byte(D2(g)), nil
	case MermaidFC:
		return []byte(Mermaid(g)), nil
	case SVG:
		out, err := RenderSVG(ctx, D2(g))
		if err != nil {
			return nil, fmt.Errorf("%s view of %s: %w", view, res.Stack, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown format %q (want svg, d2 or mermaid)", format)
}
