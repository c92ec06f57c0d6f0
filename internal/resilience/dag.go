package resilience

import (
	"sort"
	"time"
)

// Step is one thing a recovery rebuilds or restores.
type Step struct {
	What string `json:"what"`
	// Type is the resource type whose typical time it takes, if any.
	Type    string        `json:"type,omitempty"`
	Time    time.Duration `json:"-"`
	Minutes float64       `json:"minutes"`
	Source  string        `json:"source"`
}

// dag is what a recovery must do, keyed by URN (or a made-up key for work
// no resource stands for), each waiting for its deps.
type dag struct {
	nodes map[string]*dagNode
}

type dagNode struct {
	step *Step // nil: nothing to do, only passed through
	deps []string
}

func newDAG() *dag { return &dag{nodes: map[string]*dagNode{}} }

func (d *dag) node(key string) *dagNode {
	n := d.nodes[key]
	if n == nil {
		n = &dagNode{}
		d.nodes[key] = n
	}
	return n
}

// longest is the critical path: the chain of steps, each waiting for the
// one before, whose times add up to the most. A cycle (which the engine
// would refuse) is cut where it closes.
func (d *dag) longest() ([]Step, time.Duration) {
	type result struct {
		total time.Duration
		next  string
	}
	memo := map[string]result{}
	visiting := map[string]bool{}
	var walk func(k string) time.Duration
	walk = func(k string) time.Duration {
		if r, ok := memo[k]; ok {
			return r.total
		}
		if visiting[k] {
			return 0
		}
		visiting[k] = true
		n := d.nodes[k]
		best := result{}
		if n != nil {
			deps := append([]string(nil), n.deps...)
			sort.Strings(deps)
			for _, dep := range deps {
				if t := walk(dep); t > best.total {
					best = result{t, dep}
				}
			}
			if n.step != nil {
				best.total += n.step.Time
			}
		}
		visiting[k] = false
		memo[k] = best
		return best.total
	}
	keys := make([]string, 0, len(d.nodes))
	for k := range d.nodes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	start, total := "", time.Duration(0)
	for _, k := range keys {
		if t := walk(k); t > total {
			start, total = k, t
		}
	}
	var path []Step
	for k := start; k != ""; k = memo[k].next {
		if n := d.nodes[k]; n != nil && n.step != nil {
			path = append(path, *n.step)
		}
	}
	// The walk goes from the last step back to the first.
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path, total
}

// steps are every step, whether on the critical path or beside it.
func (d *dag) steps() []Step {
	var out []Step
	for _, n := range d.nodes {
		if n.step != nil {
			out = append(out, *n.step)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].What < out[j].What })
	return out
}
