// Package tests runs both stacks whole through the real program under the
// Pulumi mock monitor and asserts on the inputs the program registered.
package tests

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

func project(t testing.TB) *preview.Project {
	_, here, _, _ := runtime.Caller(0)
	p, err := preview.FindProject(filepath.Dir(here))
	require.NoError(t, err)
	return p
}

// testNow is the clock every test runs the stacks at: the committed
// workshop event is ahead of it, whatever the wall clock says.
var testNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

var (
	cacheMu sync.Mutex
	cache   = map[string]*preview.Result{}
)

// stack runs a committed stack once per test binary; results are read-only.
func stack(t testing.TB, name string) *preview.Result {
	t.Helper()
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if r, ok := cache[name]; ok {
		return r
	}
	p := project(t)
	r, err := preview.Run(p, name, "", preview.At(testNow))
	require.NoError(t, err)
	cache[name] = r
	return r
}

// stackFile reads a committed stack file for mutation.
func stackFile(t testing.TB, name string) *config.StackFile {
	p := project(t)
	sf, err := config.ReadStackFile(p.StackFile(name), p.Name)
	require.NoError(t, err)
	return sf
}

// index maps mock IDs to resources, to follow references between inputs.
type index struct {
	byID map[string]*preview.Resource
}

func indexOf(r *preview.Result) index {
	ix := index{byID: map[string]*preview.Resource{}}
	for _, res := range r.Resources {
		if res.ID != "" {
			ix.byID[res.ID] = res
		}
	}
	return ix
}

// ref follows an ID-valued input to the resource it names.
func (ix index) ref(res *preview.Resource, path string) *preview.Resource {
	v, ok := res.Input(path)
	if !ok || !v.IsString() {
		return nil
	}
	return ix.byID[v.StringValue()]
}

func str(res *preview.Resource, path string) string { return res.Str(path) }

func num(res *preview.Resource, path string) float64 { n, _ := res.Num(path); return n }

func boolean(res *preview.Resource, path string) bool { b, _ := res.Bool(path); return b }

func strs(res *preview.Resource, path string) []string { return res.Strs(path) }

// tag returns a resource's tag value.
func tag(res *preview.Resource, key string) string {
	if res == nil {
		return ""
	}
	v, ok := res.InputAt("tags", key)
	if !ok || !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// regionOf returns the region of the provider a resource is registered with.
func regionOf(r *preview.Result, res *preview.Resource) string {
	if p := providerOf(r, res.Provider); p != nil {
		return str(p, "region")
	}
	return ""
}

// providerOf resolves a provider reference ("urn::id") to its registration.
func providerOf(r *preview.Result, ref string) *preview.Resource {
	if i := strings.LastIndex(ref, "::"); i > 0 {
		return r.Lookup(ref[:i])
	}
	return nil
}

// under reports whether res is a descendant of the component ancestor.
func under(r *preview.Result, res *preview.Resource, ancestor string) bool {
	for p := res.Parent; p != ""; {
		if p == ancestor {
			return true
		}
		next := ""
		for _, x := range r.Resources {
			if x.URN == p {
				next = x.Parent
				break
			}
		}
		p = next
	}
	return false
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}
