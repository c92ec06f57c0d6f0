package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fuzzNow is the fixed instant the fuzz target loads at (LoadAt).
var fuzzNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// badStackFiles are hand-made seeds: stack files that are not YAML, or not
// of a stack file's shape.
var badStackFiles = []string{
	"config: 5\n",
	"config: [a, b]\n",
	"- config\n",
	"5\n",
	"",
	"config:\n  coder-platform:profile: enterprise\n   coder-platform:tags: x\n",
	"config:\n  coder-platform:regions: [us-east-1\n",
	"config:\n\tcoder-platform:profile: workshop\n",
	"config:\n  coder-platform:profile: \x01\n",
	"config:\n  coder-platform:profile: workshop\n  coder-platform:profile: enterprise\n",
	"config:\n  5: x\n  ~: y\n  ? [a]\n  : b\n",
	"config:\n  coder-platform:coder:\n    secure: 5\n",
	"config:\n  coder-platform:coder:\n    secure: AAABAKx0aGlzIGlzIG5vdCBhIHJlYWwgY2lwaGVydGV4dA==\n",
	"config:\n  coder-platform:coder: *nowhere\n",
	"config:\n  coder-platform:coder: {version: !!int v2}\n",
	"config: &c\n  coder-platform:profile: workshop\nother: *c\n",
}

// FuzzLoadStackFile feeds the stack-file loader and the validator bytes
// grown from both committed stack files: whatever it is given, it neither
// panics nor fails with anything but a *ValidationError (exit 2).
func FuzzLoadStackFile(f *testing.F) {
	for _, name := range []string{"../../Pulumi.prod.yaml", "../../Pulumi.workshop.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatalf("seed %s: %v", name, err)
		}
		f.Add(data)
	}
	for _, s := range badStackFiles {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := ParseNamedStackFile("Pulumi.fuzz.yaml", data, project)
		if err != nil {
			requireExit2(t, err, "Pulumi.fuzz.yaml:")
			return
		}
		if _, err := LoadAt(project, "prod", sf.Source(), fuzzNow); err != nil {
			requireExit2(t, err, "")
		}
	})
}

// requireExit2 fails unless err is one the CLI exits 2 on: a
// *ValidationError with problems, each naming the file when prefix is set.
func requireExit2(t *testing.T, err error, prefix string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *ValidationError (exit 2), got %T: %v", err, err)
	}
	if len(ve.Problems) == 0 {
		t.Fatalf("a ValidationError without problems: %v", err)
	}
	for _, p := range ve.Problems {
		if !strings.HasPrefix(p.Key, prefix) {
			t.Fatalf("problem %q does not name the file and line (%s)", p, prefix)
		}
	}
}

// Found by fuzzing the committed stacks' values: a workload of 10^18 users
// (or 3·10^9 workspaces) made the capacity plan pack one entry per pod and
// exhaust memory before any problem was reported. Both are bounded now.
func TestHugeWorkloadIsAProblem(t *testing.T) {
	data, err := os.ReadFile("../../Pulumi.prod.yaml")
	require.NoError(t, err)
	for _, c := range []struct{ from, to, want string }{
		{"    users: 3000\n", "    users: 1000000000000000000\n", "workload.users: got 1000000000000000000; must be at most 100000"},
		{"    workspaces: 3000\n", "    workspaces: 3000000000\n", "workload.workspaces: got 3000000000; must be at most 100000"},
	} {
		bad := strings.Replace(string(data), c.from, c.to, 1)
		require.NotEqual(t, string(data), bad)
		sf, err := ParseNamedStackFile("Pulumi.prod.yaml", []byte(bad), project)
		require.NoError(t, err)
		_, err = LoadAt(project, "prod", sf.Source(), fuzzNow)
		require.True(t, IsValidationError(err), "%v", err)
		assert.Contains(t, err.Error(), c.want)
	}
}
