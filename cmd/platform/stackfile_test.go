package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A stack file that is not valid YAML, or not of a stack file's shape,
// exits 2 (invalid config) from every command that reads one, and the
// message names the file and the line.
func TestBadStackFileExits2(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"config is a number", "config: 5\n",
			`Pulumi.prod.yaml:1:9: config: got 5; must be a mapping of config keys to values`},
		{"not YAML", "config:\n  coder-platform:profile: enterprise\n   coder-platform:tags: x\n",
			`Pulumi.prod.yaml:3: got invalid YAML; mapping values are not allowed in this context`},
		{"top level a list", "- config\n",
			`Pulumi.prod.yaml:1:1: (top level): got a list; must be a mapping with a config: key`},
		{"secure not a string", "config:\n  coder-platform:profile:\n    secure: 5\n",
			`Pulumi.prod.yaml:3:13: coder-platform:profile.secure: got the number 5; must be a string`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "Pulumi.prod.yaml")
			require.NoError(t, os.WriteFile(path, []byte(c.yaml), 0o644))
			for _, args := range [][]string{
				{"preview", "--stack", "prod", "--config-file", path},
				{"capacity", "--stack", "prod", "--config-file", path},
				{"preflight", "--stack", "prod", "--config-file", path},
			} {
				code, out, errOut := runCLI(t, args...)
				assert.Equal(t, exitUsage, code, "%v: %s", args, errOut)
				assert.Contains(t, errOut, `stack "prod" config is invalid (1 problem(s)); nothing was created:`, args)
				assert.Contains(t, errOut, filepath.Dir(path)+string(filepath.Separator)+c.want, args)
				assert.NotContains(t, out, "Resource tree", args)
			}
		})
	}

	// A stack file that cannot be read at all is a usage error: exit 2.
	code, _, errOut := runCLI(t, "preview", "--stack", "prod", "--config-file", t.TempDir())
	assert.Equal(t, exitUsage, code, errOut)
	assert.Contains(t, errOut, "is a directory")
}

// exitCode maps a config error to 2 whatever status the command chose.
func TestExitCodeOfInvalidConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Pulumi.x.yaml")
	require.NoError(t, os.WriteFile(path, []byte("config: [\n"), 0o644))
	_, _, _, err := readProjectStackFile("", "x", path)
	require.Error(t, err)
	assert.Equal(t, exitUsage, exitCode(exitFailure, err))
	assert.Equal(t, exitUsage, exitCode(exitFailure, usageError{"bad flag"}))
	assert.Equal(t, exitFailure, exitCode(exitFailure, os.ErrDeadlineExceeded))
}
