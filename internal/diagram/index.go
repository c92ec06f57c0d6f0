package diagram

import (
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/internal/preview"
)

// index answers the questions every view asks of a preview: a resource by
// URN, its children, its region and component, and the references its
// inputs make (the property dependencies the SDK records, which name the
// resource an input came from even where the mocks' values are
// placeholders).
type index struct {
	res       *preview.Result
	all       []*preview.Resource // sorted by URN: registration order is not stable
	byURN     map[string]*preview.Resource
	children  map[string][]*preview.Resource
	referrers map[string][]ref
}

// ref is one input of From that references To.
type ref struct {
	Prop     string
	From, To *preview.Resource
}

func newIndex(res *preview.Result) *index {
	ix := &index{res: res, byURN: map[string]*preview.Resource{}, children: map[string][]*preview.Resource{},
		referrers: map[string][]ref{}}
	ix.all = append(ix.all, res.Resources...)
	sort.Slice(ix.all, func(i, j int) bool { return ix.all[i].URN < ix.all[j].URN })
	for _, r := range ix.all {
		ix.byURN[r.URN] = r
	}
	for _, r := range ix.all {
		ix.children[r.Parent] = append(ix.children[r.Parent], r)
		for _, prop := range sortedKeys(r.PropertyDependencies) {
			for _, u := range r.PropertyDependencies[prop] {
				if to := ix.byURN[u]; to != nil {
					ix.referrers[u] = append(ix.referrers[u], ref{Prop: prop, From: r, To: to})
				}
			}
		}
	}
	return ix
}

// ofType returns the resources of type t, by URN.
func (ix *index) ofType(t string) []*preview.Resource {
	var out []*preview.Resource
	for _, r := range ix.all {
		if r.Type == t {
			out = append(out, r)
		}
	}
	return out
}

// under returns the resources of type t anywhere below parent.
func (ix *index) under(parent *preview.Resource, t string) []*preview.Resource {
	var out []*preview.Resource
	for _, r := range ix.ofType(t) {
		if ix.isUnder(r, parent) {
			out = append(out, r)
		}
	}
	return out
}

// isUnder reports whether anc is a proper ancestor of r.
func (ix *index) isUnder(r, anc *preview.Resource) bool {
	for p := ix.byURN[r.Parent]; p != nil; p = ix.byURN[p.Parent] {
		if p == anc {
			return true
		}
	}
	return false
}

// targets resolves the resources input prop of r references.
func (ix *index) targets(r *preview.Resource, prop string) []*preview.Resource {
	var out []*preview.Resource
	for _, u := range r.PropertyDependencies[prop] {
		if t := ix.byURN[u]; t != nil {
			out = append(out, t)
		}
	}
	return out
}

// target is the first resource input prop references, or nil.
func (ix *index) target(r *preview.Resource, prop string) *preview.Resource {
	if ts := ix.targets(r, prop); len(ts) > 0 {
		return ts[0]
	}
	return nil
}

// dependsOn lists what r's registration depends on, resolved.
func (ix *index) dependsOn(r *preview.Resource) []*preview.Resource {
	var out []*preview.Resource
	for _, u := range r.Dependencies {
		if t := ix.byURN[u]; t != nil {
			out = append(out, t)
		}
	}
	return out
}

// component is the nearest component (coder:*, not the region) at or
// above r, or nil.
func (ix *index) component(r *preview.Resource) *preview.Resource {
	for c := r; c != nil; c = ix.byURN[c.Parent] {
		if isComponent(c) {
			return c
		}
	}
	return nil
}

// region names the region component above r, or "" for stack-wide ones.
func (ix *index) region(r *preview.Resource) string {
	for c := r; c != nil; c = ix.byURN[c.Parent] {
		if c.Type == tokens.Region {
			return c.Name
		}
	}
	return ""
}

func isComponent(r *preview.Resource) bool {
	return !r.Custom && strings.HasPrefix(r.Type, "coder:") && r.Type != tokens.Region
}

// regionInfo is one region of the stack, in config order.
type regionInfo struct {
	Name, Role string
	Res        *preview.Resource
}

// regions lists the region components in the order the stack config
// declares them (the control plane first in both stacks); regions the
// config does not name follow by name.
func (ix *index) regions() []regionInfo {
	byName := map[string]*preview.Resource{}
	for _, r := range ix.ofType(tokens.Region) {
		byName[r.Name] = r
	}
	var out []regionInfo
	add := func(name string) {
		if r := byName[name]; r != nil {
			out = append(out, regionInfo{Name: name, Role: r.Str("role"), Res: r})
			delete(byName, name)
		}
	}
	if ix.res.Config != nil {
		for _, reg := range ix.res.Config.Regions {
			add(reg.Name)
		}
	}
	for _, name := range sortedKeys(byName) {
		add(name)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
