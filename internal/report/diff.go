package report

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Base is a previous preview to compare with: the resources of a file
// written by `platform preview --json` or `pulumi preview --json`.
type Base struct {
	Name      string
	Resources []*preview.Resource
}

// Diff is what changes from the base to this preview, by URN.
type Diff struct {
	Base              string
	Added, Removed    []Ref
	Changed           []Changed
	Unchanged         int
	ChangedProperties int
}

// Ref names a resource.
type Ref struct{ URN, Type, Name string }

// Changed is a resource in both previews whose inputs differ.
type Changed struct {
	Ref
	Properties []Property
}

// Property is one changed input: its path and the old and new values as
// JSON, masked; "(absent)" when the input is only on one side.
type Property struct{ Path, Old, New string }

const absent = "(absent)"

func diff(base *Base, now []*preview.Resource) (*Diff, error) {
	d := &Diff{Base: base.Name}
	old := map[string]*preview.Resource{}
	for _, r := range base.Resources {
		old[r.URN] = r
	}
	seen := map[string]bool{}
	for _, r := range now {
		seen[r.URN] = true
		o, ok := old[r.URN]
		if !ok {
			d.Added = append(d.Added, ref(r))
			continue
		}
		props, err := changedInputs(o, r)
		if err != nil {
			return nil, fmt.Errorf("comparing %s: %w", r.URN, err)
		}
		if len(props) == 0 {
			d.Unchanged++
			continue
		}
		d.Changed = append(d.Changed, Changed{Ref: ref(r), Properties: props})
		d.ChangedProperties += len(props)
	}
	for _, r := range base.Resources {
		if !seen[r.URN] {
			d.Removed = append(d.Removed, ref(r))
		}
	}
	return d, nil
}

func ref(r *preview.Resource) Ref { return Ref{URN: r.URN, Type: r.Type, Name: r.Name} }

// changedInputs compares the plain inputs (Pulumi secrets already
// "[secret]" on both sides, so a secret's change never shows), and shows
// each changed value from the masked trees: a path into a masked value
// shows the mask.
func changedInputs(o, n *preview.Resource) ([]Property, error) {
	ov, nv := any(preview.Plain(o.Inputs)), any(preview.Plain(n.Inputs))
	mo, mn := Mask(ov), Mask(nv)
	var out []Property
	for _, p := range changedPaths(nil, ov, nv) {
		oldText, err := at(mo, p)
		if err != nil {
			return nil, err
		}
		newText, err := at(mn, p)
		if err != nil {
			return nil, err
		}
		out = append(out, Property{Path: pathString(p), Old: oldText, New: newText})
	}
	if o.Protect != n.Protect {
		out = append(out, Property{Path: "(protect)", Old: strconv.FormatBool(o.Protect), New: strconv.FormatBool(n.Protect)})
	}
	return out, nil
}

// step is a map key (string) or a list index (int).
type step = any

// changedPaths lists the paths where a and b differ: into maps by key and
// lists by index, a whole value where the kinds differ.
func changedPaths(path []step, a, b any) [][]step {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		var out [][]step
		for _, k := range sorted {
			out = append(out, changedPaths(extend(path, k), am[k], bm[k])...)
		}
		return out
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok {
		var out [][]step
		for i := 0; i < max(len(al), len(bl)); i++ {
			var x, y any = missing{}, missing{}
			if i < len(al) {
				x = al[i]
			}
			if i < len(bl) {
				y = bl[i]
			}
			out = append(out, changedPaths(extend(path, i), x, y)...)
		}
		return out
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return [][]step{path}
}

// missing marks a list element only one side has.
type missing struct{}

func extend(path []step, s step) []step {
	return append(append(make([]step, 0, len(path)+1), path...), s)
}

// at is the value at path as JSON; the mask where the path runs into a
// masked value; absent where it leads nowhere.
func at(v any, path []step) (string, error) {
	for _, s := range path {
		if v == preview.SecretText {
			break
		}
		switch k := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return absent, nil
			}
			if v, ok = m[k]; !ok {
				return absent, nil
			}
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return absent, nil
			}
			v = l[k]
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(data), nil
}

func pathString(path []step) string {
	s := ""
	for _, p := range path {
		switch k := p.(type) {
		case int:
			s += "[" + strconv.Itoa(k) + "]"
		case string:
			if s != "" {
				s += "."
			}
			s += k
		}
	}
	return s
}
