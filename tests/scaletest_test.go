package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/cost"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/policy/rules"
)

const (
	tScaletest = "coder:scaletest:Scaletest"
	tCron      = "kubernetes:batch/v1:CronJob"
)

// The committed stacks have no scale test.
func TestScaletestOffByDefault(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		assert.Empty(t, r.OfType(tScaletest), name)
		for _, tpl := range r.OfType(tTemplate) {
			assert.NotContains(t, str(tpl, "name"), "scaletest", name)
		}
	}
}

// With the scale test on, each stack registers it in the control-plane
// region only, delivers the dedicated template granted to the empty
// scaletest group, and stays policy-clean.
func TestScaletestOn(t *testing.T) {
	t.Parallel()
	for name, control := range map[string]string{"prod": "us-east-1", "workshop": "us-east-2"} {
		t.Run(name, func(t *testing.T) {
			sf := stackFile(t, name)
			sf.Values["scaletest"] = `{"enabled": true}`
			r, err := preview.RunStackFile(project(t).Name, name, sf, preview.At(testNow))
			require.NoError(t, err)
			st := r.OfType(tScaletest)
			require.Len(t, st, 1)
			assert.Equal(t, control, str(st[0], "region"))
			assert.Equal(t, "pod-swdev-scaletest", str(st[0], "template"))
			want := map[string]float64{"prod": 1000, "workshop": 30}[name]
			assert.Equal(t, want, num(st[0], "workspaces"))

			var tpl *preview.Resource
			for _, x := range r.OfType(tTemplate) {
				if str(x, "name") == "pod-swdev-scaletest" {
					tpl = x
				}
			}
			require.NotNil(t, tpl, "the scale-test template is delivered")
			assert.Equal(t, []string{"scaletest"}, strs(tpl, "access.groups"))
			assert.False(t, boolean(tpl, "access.everyone"))

			assert.Equal(t, "pod-swdev-scaletest", retryEnv(t, r)["SKIP_TEMPLATES"], "its failures are measured, not retried")

			crons := 0
			for _, c := range r.OfType(tCron) {
				if under(r, c, st[0].URN) {
					crons++
					assert.True(t, boolean(c, "spec.suspend"), "runs start by hand")
				}
			}
			assert.Equal(t, 1, crons)

			// Every type the scale test registers is priced or known free.
			for _, res := range r.Resources {
				if res.URN == st[0].URN || under(r, res, st[0].URN) {
					_, free := cost.FreeTypes[res.Type]
					assert.True(t, free || cost.Priced(res.Type), "%s is neither priced nor free (internal/cost)", res.Type)
				}
			}

			// What the scale test adds breaks no mandatory policy (the
			// rest of the stack is TestCommittedStacksPassThePolicyPack's).
			for _, v := range gate.Evaluate(r.Resources, nil).Violations {
				if strings.Contains(v.URN, "scaletest") {
					assert.NotEqual(t, rules.Mandatory, v.Enforcement, "%s: %s", v.Policy, v.Message)
				}
			}
		})
	}
}
