package report

import (
	"fmt"

	"github.com/platformeng/coder-platform/internal/preview"
)

// str is a registered input as text, masked ("" when absent).
func str(r *preview.Resource, path string) string {
	v, ok := r.Input(path)
	if !ok {
		return ""
	}
	switch p := Mask(preview.PlainValue(v)).(type) {
	case nil:
		return ""
	case string:
		return p
	default:
		return fmt.Sprint(p)
	}
}

// num is a registered number input (0 when absent).
func num(r *preview.Resource, path string) float64 { n, _ := r.Num(path); return n }
