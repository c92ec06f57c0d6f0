package tests

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// owners applies .github/CODEOWNERS as GitHub does for the patterns it
// uses: the last matching line wins.
func owners(t *testing.T) func(file string) []string {
	t.Helper()
	data, err := os.ReadFile("../.github/CODEOWNERS")
	require.NoError(t, err)
	type rule struct {
		pattern string
		owners  []string
	}
	var rules []rule
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		rules = append(rules, rule{f[0], f[1:]})
	}
	match := func(p, file string) bool {
		switch {
		case p == "*":
			return true
		case strings.HasSuffix(p, "/"):
			return strings.HasPrefix("/"+file, p)
		}
		ok, _ := path.Match(strings.TrimPrefix(p, "/"), file)
		return ok
	}
	return func(file string) []string {
		var out []string
		for _, r := range rules {
			if match(r.pattern, file) {
				out = r.owners
			}
		}
		return out
	}
}

// The approval gates of template governance: security approves everything
// that decides what runs in a workspace or what the gate accepts.
func TestCodeOwnersGateTemplateChanges(t *testing.T) {
	t.Parallel()
	ownersOf := owners(t)
	const platform, security = "@acme-corp/platform-owners", "@acme-corp/security"
	checked := 0
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("..", p)
		file := filepath.ToSlash(rel)
		if strings.HasPrefix(file, ".git/") {
			return nil
		}
		got := ownersOf(file)
		assert.Contains(t, got, platform, "%s has the platform owners", file)
		needsSecurity := strings.HasPrefix(file, "policy/") || strings.HasPrefix(file, "templates/toolchains/") ||
			strings.HasPrefix(file, "templates/contract/") || strings.HasPrefix(file, "templates/scan/") ||
			(strings.HasPrefix(file, "templates/bases/") && path.Base(file) == "base.yaml")
		if needsSecurity {
			checked++
			assert.Contains(t, got, security, "%s needs security's approval", file)
		} else if strings.HasPrefix(file, "templates/") {
			assert.NotContains(t, got, security, "%s needs only the platform owners", file)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, checked, 20, "toolchains, bases, the contract, the scan and the policy pack were checked")
}
