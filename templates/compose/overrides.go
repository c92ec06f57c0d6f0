package compose

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/templates"
)

// ResolveOverrides checks each override against the base's bound for that
// field and fills every other field with the base's default. The result
// holds int, string, bool or []string values.
func ResolveOverrides(base *templates.Base, overrides map[string]any) (map[string]any, error) {
	fields := templates.SortedKeys(base.Overrides)
	for _, k := range templates.SortedKeys(overrides) {
		if _, ok := base.Overrides[k]; !ok {
			return nil, fmt.Errorf("overrides.%s: base %s has no overridable field %q; it allows %s", k, base.Name, k, strings.Join(fields, ", "))
		}
	}
	out := map[string]any{}
	for _, k := range fields {
		b := base.Overrides[k]
		v, given := overrides[k]
		if !given {
			v = b.Default
		}
		norm, err := CheckBound(b, v)
		if err != nil {
			if !given {
				return nil, fmt.Errorf("base %s: default of %s: %w", base.Name, k, err)
			}
			return nil, fmt.Errorf("overrides.%s: %w", k, err)
		}
		out[k] = norm
	}
	return out, nil
}

// CheckBound checks one value against its bound and returns it normalised.
func CheckBound(b templates.Bound, v any) (any, error) {
	switch b.Type {
	case "integer":
		n, ok := asInt(v)
		if !ok {
			return nil, fmt.Errorf("got %v; want an integer", v)
		}
		if b.Min != nil && n < *b.Min || b.Max != nil && n > *b.Max {
			return nil, fmt.Errorf("got %d; allowed %s", n, rangeText(b))
		}
		return n, nil
	case "boolean":
		x, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("got %v; want true or false", v)
		}
		return x, nil
	case "string":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("got %v; want a string", v)
		}
		if len(b.Allowed) > 0 && !slices.Contains(b.Allowed, s) {
			return nil, fmt.Errorf("got %q; allowed %s", s, strings.Join(b.Allowed, ", "))
		}
		return s, nil
	case "list":
		items, ok := asStrings(v)
		if !ok || len(items) == 0 {
			return nil, fmt.Errorf("got %v; want a non-empty list of %s", v, strings.Join(b.Allowed, ", "))
		}
		for _, s := range items {
			if len(b.Allowed) > 0 && !slices.Contains(b.Allowed, s) {
				return nil, fmt.Errorf("got %q in the list; allowed %s", s, strings.Join(b.Allowed, ", "))
			}
		}
		return items, nil
	}
	return nil, fmt.Errorf("unknown bound type %q", b.Type)
}

func rangeText(b templates.Bound) string {
	lo, hi := "-inf", "+inf"
	if b.Min != nil {
		lo = fmt.Sprint(*b.Min)
	}
	if b.Max != nil {
		hi = fmt.Sprint(*b.Max)
	}
	return lo + ".." + hi
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<31 {
			return int(n), true
		}
	}
	return 0, false
}

func asStrings(v any) ([]string, bool) {
	switch l := v.(type) {
	case []string:
		return slices.Clone(l), true
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}
