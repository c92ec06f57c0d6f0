package templates

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// overlay is the embedded catalog with one file replaced.
func overlay(t *testing.T, path, content string) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	require.NoError(t, fs.WalkDir(Embedded(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Embedded(), p)
		out[p] = &fstest.MapFile{Data: b}
		return err
	}))
	out[path] = &fstest.MapFile{Data: []byte(content)}
	return out
}

// Workspace apps are served on subdomains only: coderd runs with
// CODER_DISABLE_PATH_APPS, so a path-based app is refused at load time.
// Regression: swdev's code-server was path-based (swdev 1.1.0).
func TestToolchainAppsUseSubdomains(t *testing.T) {
	t.Parallel()
	_, err := Load(Embedded())
	require.NoError(t, err)
	const f = "toolchains/swdev/toolchain.yaml"
	b, err := fs.ReadFile(Embedded(), f)
	require.NoError(t, err)
	require.Contains(t, string(b), ", subdomain: true}")
	_, err = Load(overlay(t, f, strings.Replace(string(b), ", subdomain: true}", "}", 1)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "toolchains/swdev/toolchain.yaml: app code-server: subdomain must be true")
}
