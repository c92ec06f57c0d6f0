package cost

import "github.com/platformeng/coder-platform/internal/preview"

// str reads a string input ("" when absent or unknown).
func str(r *preview.Resource, path string) string {
	v, ok := r.Input(path)
	if ok && v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !ok || !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// num reads a number input.
func num(r *preview.Resource, path string) (float64, bool) { return r.Num(path) }

// count is the length of a list input.
func count(r *preview.Resource, path string) int {
	v, ok := r.Input(path)
	if !ok || !v.IsArray() {
		return 0
	}
	return len(v.ArrayValue())
}
