package diagram

import (
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
	*preview.Index
	referrers map[string][]ref
}

// ref is one input of From that references To.
type ref struct {
	Prop     string
	From, To *preview.Resource
}

func newIndex(res *preview.Result) *index {
	ix := &index{Index: preview.NewIndex(res), referrers: map[string][]ref{}}
	for _, r := range ix.All {
		for _, prop := range preview.SortedKeys(r.PropertyDependencies) {
			for _, u := range r.PropertyDependencies[prop] {
				if to := ix.ByURN[u]; to != nil {
					ix.referrers[u] = append(ix.referrers[u], ref{Prop: prop, From: r, To: to})
				}
			}
		}
	}
	return ix
}

// under returns the resources of type t anywhere below parent.
func (ix *index) under(parent *preview.Resource, t string) []*preview.Resource {
	var out []*preview.Resource
	for _, r := range ix.OfType(t) {
		if ix.isUnder(r, parent) {
			out = append(out, r)
		}
	}
	return out
}

// isUnder reports whether anc is a proper ancestor of r.
func (ix *index) isUnder(r, anc *preview.Resource) bool {
	for p := ix.ByURN[r.Parent]; p != nil; p = ix.ByURN[p.Parent] {
		if p == anc {
			return true
		}
	}
	return false
}

// target is the first resource input prop references, or nil.
func (ix *index) target(r *preview.Resource, prop string) *preview.Resource {
	if ts := ix.Targets(r, prop); len(ts) > 0 {
		return ts[0]
	}
	return nil
}

// dependsOn lists what r's registration depends on, resolved.
func (ix *index) dependsOn(r *preview.Resource) []*preview.Resource {
	var out []*preview.Resource
	for _, u := range r.Dependencies {
		if t := ix.ByURN[u]; t != nil {
			out = append(out, t)
		}
	}
	return out
}

// component is the nearest component (coder:*, not the region) at or
// above r, or nil.
func (ix *index) component(r *preview.Resource) *preview.Resource {
	for c := r; c != nil; c = ix.ByURN[c.Parent] {
		if isComponent(c) {
			return c
		}
	}
	return nil
}

func isComponent(r *preview.Resource) bool {
	return !r.Custom && strings.HasPrefix(r.Type, "coder:") && r.Type != tokens.Region
}
