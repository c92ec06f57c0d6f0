// Package previewtest runs the committed stack files' offline previews for
// the tests of the packages that read them (the diagram, the resilience
// analysis).
package previewtest

import (
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

var (
	mu     sync.Mutex
	cached = map[string]*preview.Result{}
)

// Run runs the offline preview of a committed stack file of the project
// around the working directory, as the platform commands do.
func Run(t testing.TB, stack string) *preview.Result {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	proj, err := preview.FindProject(wd)
	require.NoError(t, err)
	sf, err := config.ReadStackFile(proj.StackFile(stack), proj.Name)
	require.NoError(t, err)
	res, err := preview.RunStackFile(proj.Name, stack, sf)
	require.NoError(t, err)
	return res
}

// Committed runs a stack's preview once per test binary; the result is
// shared and must be treated as read-only.
func Committed(t testing.TB, stack string) *preview.Result {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if res, ok := cached[stack]; ok {
		return res
	}
	cached[stack] = Run(t, stack)
	return cached[stack]
}
