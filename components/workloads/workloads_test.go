package workloads

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every tier and every role has its row.
func TestEveryTierAndRoleHasARow(t *testing.T) {
	t.Parallel()
	require.Len(t, tiers, len(Tiers))
	groups := map[string]bool{}
	for _, tier := range Tiers {
		assert.NotEmpty(t, tier.Group(), tier)
		assert.False(t, groups[tier.Group()], "%s: one group key per tier", tier)
		groups[tier.Group()] = true
	}
	assert.Equal(t, []Role{ControlPlane, Proxy}, Roles())
	for _, r := range Roles() {
		assert.True(t, r.Valid())
		assert.NotEmpty(t, r.About())
		assert.NotEqual(t, r.RunsCoderd(), r.RunsProxy(), "%s runs coderd or a proxy", r)
	}
	assert.False(t, Role("edge").Valid())
}

// Code asks a role what it runs and never compares roles, so that a new
// role is one constant and one row of roles.
func TestNoCodeComparesRoles(t *testing.T) {
	t.Parallel()
	compare := regexp.MustCompile(`Role\s*[!=]=\s*workloads\.|case workloads\.(ControlPlane|Proxy)\b`)
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "tools" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			assert.False(t, compare.MatchString(line), "%s:%d compares roles; ask Role.RunsCoderd or RunsProxy: %s", path, i+1, strings.TrimSpace(line))
		}
		return nil
	})
	require.NoError(t, err)
}
