package preview

import (
	"sort"

	"github.com/platformeng/coder-platform/components/tokens"
)

// Index answers what every reader of a preview asks of it: a resource by
// URN or type, its children, the region component above it, and the
// resources its inputs reference (the property dependencies the SDK
// records, which name the resource an input came from even where the
// mocks' values are placeholders). The diagram and the resilience
// analysis read through it.
type Index struct {
	Res *Result
	// All are the resources by URN: registration order is not stable.
	All      []*Resource
	ByURN    map[string]*Resource
	Children map[string][]*Resource
}

// NewIndex indexes a preview.
func NewIndex(res *Result) *Index {
	ix := &Index{Res: res, ByURN: map[string]*Resource{}, Children: map[string][]*Resource{}}
	ix.All = append(ix.All, res.Resources...)
	sort.Slice(ix.All, func(i, j int) bool { return ix.All[i].URN < ix.All[j].URN })
	for _, r := range ix.All {
		ix.ByURN[r.URN] = r
		ix.Children[r.Parent] = append(ix.Children[r.Parent], r)
	}
	return ix
}

// OfType returns the resources of type t, by URN.
func (ix *Index) OfType(t string) []*Resource {
	var out []*Resource
	for _, r := range ix.All {
		if r.Type == t {
			out = append(out, r)
		}
	}
	return out
}

// Targets resolves the resources input prop of r references.
func (ix *Index) Targets(r *Resource, prop string) []*Resource {
	var out []*Resource
	for _, u := range r.PropertyDependencies[prop] {
		if t := ix.ByURN[u]; t != nil {
			out = append(out, t)
		}
	}
	return out
}

// Region names the region component above r, "" for stack-wide ones.
func (ix *Index) Region(r *Resource) string {
	for c := r; c != nil; c = ix.ByURN[c.Parent] {
		if c.Type == tokens.Region {
			return c.Name
		}
	}
	return ""
}

// RegionInfo is one region component of the stack and its role.
type RegionInfo struct {
	Name, Role string
	Res        *Resource
}

// Regions lists the region components in the order the stack config
// declares them (the control plane first in both stacks); regions the
// config does not name follow by name.
func (ix *Index) Regions() []RegionInfo {
	byName := map[string]*Resource{}
	for _, r := range ix.OfType(tokens.Region) {
		byName[r.Name] = r
	}
	var out []RegionInfo
	add := func(name string) {
		if r := byName[name]; r != nil {
			out = append(out, RegionInfo{Name: name, Role: r.Str("role"), Res: r})
			delete(byName, name)
		}
	}
	if ix.Res.Config != nil {
		for _, reg := range ix.Res.Config.Regions {
			add(reg.Name)
		}
	}
	for _, name := range SortedKeys(byName) {
		add(name)
	}
	return out
}

// SortedKeys are a map's keys in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
