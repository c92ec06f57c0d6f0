package preview

// Typed reads of a registered input. A value of another type, an unknown
// one or a secret reads as absent.

// Str is the string input at path, or "".
func (r *Resource) Str(path string) string {
	v, ok := r.Input(path)
	if !ok || !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// Num is the number input at path, and whether there is one.
func (r *Resource) Num(path string) (float64, bool) {
	v, ok := r.Input(path)
	if !ok || !v.IsNumber() {
		return 0, false
	}
	return v.NumberValue(), true
}

// Bool is the boolean input at path, and whether there is one.
func (r *Resource) Bool(path string) (value, ok bool) {
	v, found := r.Input(path)
	if !found || !v.IsBool() {
		return false, false
	}
	return v.BoolValue(), true
}

// Strs are the string elements of the list input at path.
func (r *Resource) Strs(path string) []string {
	v, ok := r.Input(path)
	if !ok || !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}
