package rules

import (
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// state is what a policy knows about one input.
type state int

const (
	absent  state = iota // not set
	unknown              // set, but not known until apply (or a masked secret)
	known
)

// unwrap looks through secrets and outputs; a value that hides its
// content is unknown.
func unwrap(v resource.PropertyValue) (resource.PropertyValue, state) {
	for {
		switch {
		case v.IsNull():
			return v, absent
		case v.IsComputed():
			return v, unknown
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput():
			o := v.OutputValue()
			if !o.Known {
				return v, unknown
			}
			v = o.Element
		default:
			return v, known
		}
	}
}

// at walks a path of object keys and array indexes.
func at(m resource.PropertyMap, path ...string) (resource.PropertyValue, state) {
	v := resource.NewObjectProperty(m)
	for _, key := range path {
		var s state
		if v, s = unwrap(v); s != known {
			return v, s
		}
		switch {
		case v.IsObject():
			next, ok := v.ObjectValue()[resource.PropertyKey(key)]
			if !ok {
				return resource.NewNullProperty(), absent
			}
			v = next
		case v.IsArray():
			i, err := strconv.Atoi(key)
			arr := v.ArrayValue()
			if err != nil || i < 0 || i >= len(arr) {
				return resource.NewNullProperty(), absent
			}
			v = arr[i]
		default:
			return resource.NewNullProperty(), absent
		}
	}
	return unwrap(v)
}

// str reads a string input; a non-string known value reads as its text.
func str(m resource.PropertyMap, path ...string) (string, state) {
	v, s := at(m, path...)
	if s != known {
		return "", s
	}
	switch {
	case v.IsString():
		return v.StringValue(), known
	case v.IsNumber():
		return strconv.FormatFloat(v.NumberValue(), 'f', -1, 64), known
	case v.IsBool():
		return strconv.FormatBool(v.BoolValue()), known
	}
	return "", absent
}

// boolean reads a bool input; the strings "true" and "false" count too, as
// launch templates and Kubernetes parameters use them.
func boolean(m resource.PropertyMap, path ...string) (bool, state) {
	v, s := at(m, path...)
	if s != known {
		return false, s
	}
	switch {
	case v.IsBool():
		return v.BoolValue(), known
	case v.IsString():
		b, err := strconv.ParseBool(v.StringValue())
		if err != nil {
			return false, absent
		}
		return b, known
	}
	return false, absent
}

// number reads a numeric input; numeric strings count too.
func number(m resource.PropertyMap, path ...string) (float64, state) {
	v, s := at(m, path...)
	if s != known {
		return 0, s
	}
	switch {
	case v.IsNumber():
		return v.NumberValue(), known
	case v.IsString():
		f, err := strconv.ParseFloat(v.StringValue(), 64)
		if err != nil {
			return 0, absent
		}
		return f, known
	}
	return 0, absent
}

// list reads an array input.
func list(m resource.PropertyMap, path ...string) ([]resource.PropertyValue, state) {
	v, s := at(m, path...)
	if s != known {
		return nil, s
	}
	if !v.IsArray() {
		return nil, absent
	}
	return v.ArrayValue(), known
}

// object reads an object input.
func object(m resource.PropertyMap, path ...string) (resource.PropertyMap, state) {
	v, s := at(m, path...)
	if s != known {
		return nil, s
	}
	if !v.IsObject() {
		return nil, absent
	}
	return v.ObjectValue(), known
}

// strings reads an array of strings; unknown if any element is unknown.
func strs(m resource.PropertyMap, path ...string) ([]string, state) {
	arr, s := list(m, path...)
	if s != known {
		return nil, s
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		e, es := unwrap(e)
		if es == unknown {
			return nil, unknown
		}
		if es == known && e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out, known
}

// elem is an array element as an object, for walking lists of blocks.
func elem(v resource.PropertyValue) (resource.PropertyMap, state) {
	v, s := unwrap(v)
	if s != known {
		return nil, s
	}
	if !v.IsObject() {
		return nil, absent
	}
	return v.ObjectValue(), known
}

// setNonEmpty reports whether a reference input (a key ARN, an ID) is set:
// unknown counts, since references to resources being created are unknown.
func setNonEmpty(m resource.PropertyMap, path ...string) (bool, state) {
	v, s := str(m, path...)
	if s == unknown {
		return true, unknown
	}
	return s == known && v != "", s
}
