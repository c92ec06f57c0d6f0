package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// workflow is the part of a GitHub Actions workflow these tests read.
type workflow struct {
	Permissions map[string]string `json:"permissions"`
	Jobs        map[string]struct {
		Permissions map[string]string `json:"permissions"`
		Timeout     int               `json:"timeout-minutes"`
		Environment string            `json:"environment"`
		Concurrency *struct {
			Group            string `json:"group"`
			CancelInProgress bool   `json:"cancel-in-progress"`
		} `json:"concurrency"`
		Strategy struct {
			MaxParallel int `json:"max-parallel"`
		} `json:"strategy"`
		Steps []struct {
			Uses string         `json:"uses"`
			Run  string         `json:"run"`
			With map[string]any `json:"with"`
		} `json:"steps"`
	} `json:"jobs"`
}

func workflows(t *testing.T) map[string]workflow {
	t.Helper()
	files, err := filepath.Glob("../../.github/workflows/*.yml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string]workflow{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var w workflow
		require.NoError(t, yaml.Unmarshal(data, &w), f)
		out[filepath.Base(f)] = w
	}
	return out
}

var pinned = regexp.MustCompile(`^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$`)

// Every action is pinned by commit SHA, with the release it is in a comment.
func TestWorkflowActionsArePinned(t *testing.T) {
	files, err := filepath.Glob("../../.github/workflows/*.yml")
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for i, line := range strings.Split(string(data), "\n") {
			_, ref, ok := strings.Cut(line, "uses: ")
			if ok {
				assert.Regexp(t, pinned, strings.TrimSpace(ref), "%s:%d", filepath.Base(f), i+1)
			}
		}
	}
}

// Workflows read by default; a job asks for a write permission only when a
// step of it uses it: id-token for the AWS role, pull-requests for the
// summary comment, issues for opening the check's issue.
func TestWorkflowPermissionsAreLeast(t *testing.T) {
	for name, w := range workflows(t) {
		assert.Equal(t, map[string]string{"contents": "read"}, w.Permissions, "%s: the workflow's default", name)
		for job, j := range w.Jobs {
			assert.Positive(t, j.Timeout, "%s/%s has no timeout-minutes", name, job)
			uses := map[string]bool{}
			for _, s := range j.Steps {
				script, _ := s.With["script"].(string)
				switch {
				case strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@"):
					uses["id-token"] = true
				case strings.Contains(script, "issues.createComment") && strings.Contains(script, "issues.create("):
					uses["issues"] = true
				case strings.Contains(script, "issues.updateComment") || strings.Contains(script, "issues.createComment"):
					uses["pull-requests"] = true
				}
			}
			for scope, level := range j.Permissions {
				if level == "write" {
					assert.True(t, uses[scope], "%s/%s asks for %s: write but no step uses it", name, job, scope)
				}
			}
			for scope := range uses {
				assert.Equal(t, "write", j.Permissions[scope], "%s/%s needs %s: write", name, job, scope)
			}
		}
	}
}

// Two deploys of one stack never overlap, stacks deploy one at a time, and
// each behind its environment.
func TestDeployWorkflowSerialises(t *testing.T) {
	j := workflows(t)["deploy.yml"].Jobs["deploy"]
	require.NotNil(t, j.Concurrency)
	assert.Equal(t, "deploy-${{ matrix.stack }}", j.Concurrency.Group)
	assert.False(t, j.Concurrency.CancelInProgress, "a deploy is never cancelled half-way")
	assert.Equal(t, 1, j.Strategy.MaxParallel)
	assert.Equal(t, "${{ matrix.stack }}", j.Environment)
}

var platformCall = regexp.MustCompile(`go run \./cmd/platform ([^|>&;\n]+)`)

// Every platform command a workflow runs exists, with the flags it passes.
func TestWorkflowCommandsExist(t *testing.T) {
	calls := 0
	for name, w := range workflows(t) {
		for job, j := range w.Jobs {
			for _, s := range j.Steps {
				for _, m := range platformCall.FindAllStringSubmatch(s.Run, -1) {
					calls++
					var sub, flags []string
					for _, f := range strings.Fields(m[1]) {
						switch {
						case strings.HasPrefix(f, "--"):
							flags = append(flags, strings.TrimPrefix(strings.SplitN(f, "=", 2)[0], "--"))
						case len(flags) == 0 && !strings.ContainsAny(f, `"$/.`):
							sub = append(sub, f)
						}
					}
					// -h prints the subcommand's flags (exit 2 for help).
					_, _, help := runCLI(t, append(sub, "-h")...)
					require.NotContains(t, help, "unknown command", "%s/%s: platform %v", name, job, sub)
					for _, f := range flags {
						// The flag package prints "  -name type" or, for a
						// boolean, "  -name" alone on its line.
						assert.Regexp(t, `(?m)^\s+-`+regexp.QuoteMeta(f)+`(\s|$)`, help, "%s/%s: platform %v has no flag --%s", name, job, sub, f)
					}
				}
			}
		}
	}
	assert.GreaterOrEqual(t, calls, 6)
}
