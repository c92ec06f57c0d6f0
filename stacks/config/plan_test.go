package config

import (
	"reflect"
	"testing"

	"github.com/platformeng/coder-platform/sizing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The declared config holds only what a stack file can set: every field of
// Stack and the structs under it is a config key, except the stack's name
// and load instant. What Load derives lives in Plan.
func TestStackHoldsOnlyDeclaredKeys(t *testing.T) {
	t.Parallel()
	identity := map[string]bool{"Stack.Project": true, "Stack.Name": true, "Stack.Now": true}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || seen[rt] || rt.PkgPath() != reflect.TypeOf(Stack{}).PkgPath() {
			return
		}
		seen[rt] = true
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			if !f.IsExported() {
				continue
			}
			if jsonName(f) == "-" {
				assert.True(t, identity[rt.Name()+"."+f.Name], "%s.%s is derived, not declared: it belongs in Plan", rt.Name(), f.Name)
				continue
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(Stack{}))
	assert.Greater(t, len(seen), 20, "the walk reached the nested config structs")
}

// What a Plan hands out is a copy: a caller that changes it changes nothing
// the program reads next.
func TestPlanHandsOutCopies(t *testing.T) {
	t.Parallel()
	pl, err := Load(project, "workshop", readStack(t, "workshop").Source())
	require.NoError(t, err)

	shapes := pl.Shapes()
	require.NotEmpty(t, shapes)
	shapes[0].Share = 42
	assert.NotEqual(t, 42.0, pl.Shapes()[0].Share)

	composed := pl.Composed()
	require.NotEmpty(t, composed)
	composed[0] = nil
	assert.NotNil(t, pl.Composed()[0])

	ev := pl.Event()
	require.NotNil(t, ev)
	require.Equal(t, 2, len(ev.Upcoming)+len(ev.Passed), "one scale-up and one scale-down")
	for _, s := range [][]sizing.OneOff{ev.Upcoming, ev.Passed} {
		for i := range s {
			s[i].Name = "changed"
		}
	}
	again := pl.Event()
	for _, a := range append(again.Upcoming, again.Passed...) {
		assert.NotEqual(t, "changed", a.Name)
	}

	// A copy of a Plan is a copy of its config (the Stack is held by value).
	edited := *pl
	edited.Coder.Version = "v0.0.0"
	assert.NotEqual(t, "v0.0.0", pl.Coder.Version)

	tokens := pl.ProxyTokenRegions()
	tokens["us-east-2"] = true
	assert.False(t, pl.ProxyTokenInConfig("us-east-2"))
}

// Only Load builds a Plan; one made by hand says so.
func TestOnlyLoadBuildsAPlan(t *testing.T) {
	t.Parallel()
	assert.False(t, (&Plan{Stack: Stack{Name: "prod"}}).Built())
	assert.False(t, (*Plan)(nil).Built())
	pl, err := Load(project, "prod", readStack(t, "prod").Source())
	require.NoError(t, err)
	assert.True(t, pl.Built())
	assert.Nil(t, pl.Event(), "prod scales daily")
	assert.NotNil(t, pl.Daily())
}
