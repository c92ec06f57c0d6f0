// Package config loads a stack's configuration into typed structs once,
// fills defaults from the stack profile and Coder's guidance, and validates
// all of it before any resource is registered.
package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Problem is one invalid config value.
type Problem struct {
	Key     string // full key path, e.g. regions[1].vpcCidr
	Value   string // the value given, rendered; secrets are never rendered
	Allowed string // what is allowed, or why the value is wrong
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: got %s; %s", p.Key, p.Value, p.Allowed)
}

// ValidationError carries every problem found in one pass.
type ValidationError struct {
	Stack    string
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "  - " + p.String()
	}
	return fmt.Sprintf("stack %q config is invalid (%d problem(s)); nothing was created:\n%s",
		e.Stack, len(e.Problems), strings.Join(lines, "\n"))
}

// IsValidationError reports whether err is (or wraps) a ValidationError.
func IsValidationError(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve)
}

// problems collects Problems while validating.
type problems struct{ list []Problem }

func (p *problems) add(key string, value any, allowed string, args ...any) {
	p.list = append(p.list, Problem{Key: key, Value: render(value), Allowed: fmt.Sprintf(allowed, args...)})
}

func (p *problems) err(stack string) error {
	if len(p.list) == 0 {
		return nil
	}
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].Key < p.list[j].Key })
	return &ValidationError{Stack: stack, Problems: p.list}
}

func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		if x == "" {
			return "nothing"
		}
		return fmt.Sprintf("%q", x)
	case []string:
		if len(x) == 0 {
			return "nothing"
		}
		return fmt.Sprintf("%q", x)
	case []int:
		if len(x) == 0 {
			return "nothing"
		}
		return fmt.Sprint(x)
	case description:
		return string(x)
	case secretValue:
		return "[secret]"
	default:
		return fmt.Sprintf("%v", x)
	}
}

// description renders verbatim, for values described rather than quoted.
type description string

// secretValue renders as [secret] in problems.
type secretValue struct{}
