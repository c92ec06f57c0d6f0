package resilience

import (
	"fmt"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/stacks/config"
)

// Kind is what is lost: one availability zone or a whole region.
type Kind string

// The kinds of failure `--lose` takes.
const (
	LoseAZ     Kind = "az"
	LoseRegion Kind = "region"
)

// Failure is the loss the analysis assumes: az:<zone> or region:<region>.
type Failure struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
}

func (f Failure) String() string { return string(f.Kind) + ":" + f.Name }

// Target is the config's kind of failure whose RTO and RPO apply.
func (f Failure) Target() config.Failure {
	if f.Kind == LoseAZ {
		return config.FailureAZ
	}
	return config.FailureRegion
}

// ParseFailure reads az:<zone> or region:<region>. Whether the stack has
// that zone or region is checked against the preview (Analyze).
func ParseFailure(s string) (Failure, error) {
	kind, name, ok := strings.Cut(s, ":")
	f := Failure{Kind: Kind(kind), Name: name}
	if !ok || name == "" || !slices.Contains([]Kind{LoseAZ, LoseRegion}, f.Kind) {
		return Failure{}, &InputError{fmt.Sprintf("--lose %q: want az:<zone> (such as az:us-east-1a) or region:<region> (such as region:us-east-2)", s)}
	}
	return f, nil
}

// InputError is a failure the stack cannot have: a zone or region it does
// not use, or a malformed --lose. The command exits 2 on it.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

// check rejects a zone or region the preview registered nothing in.
func (f Failure) check(g *graph) error {
	switch f.Kind {
	case LoseAZ:
		zones := g.zones()
		if !slices.Contains(zones, f.Name) {
			return &InputError{fmt.Sprintf("--lose az:%s: the stack has no subnet in zone %q; its zones are %s", f.Name, f.Name, strings.Join(zones, ", "))}
		}
	case LoseRegion:
		var names []string
		for _, r := range g.regions() {
			names = append(names, r.Name)
		}
		if !slices.Contains(names, f.Name) {
			return &InputError{fmt.Sprintf("--lose region:%s: the stack has no region %q; its regions are %s", f.Name, f.Name, strings.Join(names, ", "))}
		}
	}
	return nil
}
