package diagram

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Reading registered inputs. A value the mocks leave unknown, or a secret,
// reads as absent: a diagram prints what the program declared, never a
// placeholder.

// inBool is the boolean input at path, or def.
func inBool(r *preview.Resource, path string, def bool) bool {
	if v, ok := r.Bool(path); ok {
		return v
	}
	return def
}

// inMap is the object at path as plain values.
func inMap(r *preview.Resource, path string) map[string]any {
	v, ok := r.Input(path)
	if !ok || !v.IsObject() {
		return nil
	}
	m, _ := preview.PlainValue(v).(map[string]any)
	return m
}

// tag is the resource's tag key, or "".
func tag(r *preview.Resource, key string) string {
	v, ok := r.InputAt("tags", key)
	if !ok || !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// helmEnv is the env of a Helm release of Coder's charts (coder.env), by
// name; values from secrets are left out.
func helmEnv(r *preview.Resource) map[string]string {
	out := map[string]string{}
	v, ok := r.Input("values.coder.env")
	if !ok || !v.IsArray() {
		return out
	}
	for _, e := range v.ArrayValue() {
		if !e.IsObject() {
			continue
		}
		m := e.ObjectValue()
		if n, val := m["name"], m["value"]; n.IsString() && val.IsString() {
			out[n.StringValue()] = val.StringValue()
		}
	}
	return out
}

// num prints a number without a trailing ".0".
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// short drops the stack-and-region prefix resources are named with:
// "coder-prod-us-east-1-ebs" in us-east-1 → "ebs"; a name that is only the
// prefix gives "".
func short(name, stackPrefix, region string) string {
	if name == stackPrefix+"-"+region || name == stackPrefix {
		return ""
	}
	for _, p := range []string{stackPrefix + "-" + region + "-", stackPrefix + "-"} {
		if s, ok := strings.CutPrefix(name, p); ok && s != "" {
			return s
		}
	}
	return name
}

// counted prints "name" or "name ×n".
func counted(name string, n int) string {
	if n == 1 {
		return name
	}
	return fmt.Sprintf("%s ×%d", name, n)
}

// uniqSorted returns the distinct values of xs, sorted.
func uniqSorted(xs []string) []string {
	set := map[string]bool{}
	for _, x := range xs {
		if x != "" {
			set[x] = true
		}
	}
	out := make([]string, 0, len(set))
	for x := range set {
		out = append(out, x)
	}
	sort.Strings(out)
	return out
}

func joinComma(xs []string) string { return strings.Join(xs, ", ") }
