package compliance

import (
	"testing"

	"github.com/platformeng/coder-platform/policy/controls"
	"github.com/platformeng/coder-platform/policy/rules"
)

// A stack policy a control cites must list what it judges, or the control
// would pass on a stack without any such resource.
func TestCitedStackPoliciesHaveSubjects(t *testing.T) {
	for _, c := range controls.All() {
		for _, name := range c.Policies {
			if p := rules.Lookup(name); p != nil && p.CheckStack != nil && len(stackSubjects[name]) == 0 {
				t.Errorf("%s cites stack policy %s, which has no entry in stackSubjects", c.ID, name)
			}
		}
	}
	for name := range stackSubjects {
		if p := rules.Lookup(name); p == nil || p.CheckStack == nil {
			t.Errorf("stackSubjects names %s, which is not a stack policy of the pack", name)
		}
	}
}
