package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/policy/rules"
)

// previewFile writes a stack's offline preview file and returns its path.
func previewFile(t *testing.T, stack string, extra ...string) (string, int, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), stack+".json")
	code, out, errOut := runCLI(t, append([]string{"preview", "--stack", stack, "--json", path}, extra...)...)
	require.FileExists(t, path, errOut)
	return path, code, out
}

// weaken rewrites a preview file: every step of the type gets f applied.
func weaken(t *testing.T, path, typ string, f func(step map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	for _, s := range doc["steps"].([]any) {
		step := s.(map[string]any)
		if ns := step["newState"].(map[string]any); ns["type"] == typ {
			f(ns)
		}
	}
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	bad := filepath.Join(t.TempDir(), "weakened.json")
	require.NoError(t, os.WriteFile(bad, out, 0o644))
	return bad
}

func TestPreviewGatesOnThePack(t *testing.T) {
	path, code, out := previewFile(t, "prod")
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, fmt.Sprintf("Policy pack coder-platform 0.1.0: %d policies over", len(rules.Pack())))
	// The only reports are the advisory ones for the templates' accepted
	// supply-chain exceptions and the pull through cache credentials on the
	// AWS-managed key (GHCR, Docker Hub); they never block.
	assert.Contains(t, out, "template-accepted-risks (advisory, low): 5 violation(s)")
	assert.Contains(t, out, "pull-through-credential-key (advisory, low): 2 violation(s)")
	assert.Contains(t, out, "7 violation(s), 0 mandatory")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc struct {
		PolicyViolations []rules.Violation `json:"policyViolations"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	require.Len(t, doc.PolicyViolations, 7)
	for _, v := range doc.PolicyViolations {
		assert.Equal(t, rules.Advisory, v.Enforcement, v.Message)
	}

	t.Run("a mandatory violation fails the preview and lands in the file", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "policy-config.json")
		require.NoError(t, os.WriteFile(cfg, []byte(`{"log-retention": {"minDays": 400}}`), 0o644))
		path, code, out := previewFile(t, "prod", "--policy-config", cfg)
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, out, "log-retention (mandatory, medium):")
		var doc struct {
			PolicyViolations []map[string]string `json:"policyViolations"`
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, &doc))
		require.NotEmpty(t, doc.PolicyViolations)
		v := doc.PolicyViolations[0]
		assert.Equal(t, "log-retention", v["policyName"])
		assert.Equal(t, "mandatory", v["enforcementLevel"])
		assert.Equal(t, "medium", v["severity"])
		assert.True(t, strings.HasPrefix(v["urn"], "urn:pulumi:prod::coder-platform::"), v["urn"])
		assert.Contains(t, v["message"], "below 400. Fix: ")
	})
}

func TestPolicyCheckJudgesAPreviewFile(t *testing.T) {
	path, code, out := previewFile(t, "workshop")
	require.Equal(t, exitOK, code, out)

	code, out, errOut := runCLI(t, "policy", "check", path)
	assert.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "7 violation(s), 0 mandatory", "code-server, accepted in swdev, and the six pull through cache credentials on the AWS-managed key are reported")

	groups := 0
	bad := weaken(t, path, "aws:cloudwatch/logGroup:LogGroup", func(ns map[string]any) {
		ns["inputs"].(map[string]any)["retentionInDays"] = 30
		groups++
	})
	n := strconv.Itoa(groups)
	code, out, errOut = runCLI(t, "policy", "check", bad)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, out, "log-retention (mandatory, medium): "+n+" violation(s)")
	assert.Contains(t, out, "retentionInDays is 30, below 90.")
	assert.Contains(t, out, "fix: set retentionInDays", "the fix is printed once per policy")
	assert.Equal(t, 1, strings.Count(out, "fix: set retentionInDays"))
	assert.Contains(t, errOut, n+" mandatory policy violation(s)")

	t.Run("policy config makes it advisory", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "policy-config.json")
		require.NoError(t, os.WriteFile(cfg, []byte(`{"log-retention": "advisory"}`), 0o644))
		code, out, _ := runCLI(t, "policy", "check", "--policy-config", cfg, bad)
		assert.Equal(t, exitOK, code)
		assert.Contains(t, out, "log-retention (advisory, medium): "+n+" violation(s)")
	})

	t.Run("unknown policy in the config", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "policy-config.json")
		require.NoError(t, os.WriteFile(cfg, []byte(`{"no-such-policy": "advisory"}`), 0o644))
		code, _, errOut := runCLI(t, "policy", "check", "--policy-config", cfg, bad)
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errOut, `"no-such-policy" is not a policy of coder-platform`)
	})

	t.Run("secrets as pulumi preview --json writes them", func(t *testing.T) {
		// A real preview signs secrets; a master password set in code shows up so.
		engine := weaken(t, path, "aws:rds/cluster:Cluster", func(ns map[string]any) {
			in := ns["inputs"].(map[string]any)
			in["manageMasterUserPassword"] = false
			in["masterPassword"] = map[string]any{
				"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
				"ciphertext":                       "AAABAHVzZXJzZWNyZXQ=",
			}
		})
		code, out, _ := runCLI(t, "policy", "check", engine)
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, out, "the master password is set in code; it cannot rotate.")
	})
}

func TestPolicyCheckUsage(t *testing.T) {
	for _, args := range [][]string{
		{"policy"},
		{"policy", "lint"},
		{"policy", "check"},
		{"policy", "check", "a.json", "b.json"},
		{"policy", "check", "/no/such/file.json"},
	} {
		code, _, _ := runCLI(t, args...)
		assert.Equal(t, exitUsage, code, "%v", args)
	}
}

// docs/policy.md embeds `platform policy list`; they must not drift apart.
func TestPolicyDocsListEveryPolicy(t *testing.T) {
	data, err := os.ReadFile("../../docs/policy.md")
	require.NoError(t, err)
	doc := string(data)
	start := strings.Index(doc, "<!-- policy-table -->\n")
	end := strings.Index(doc, "<!-- /policy-table -->")
	require.True(t, start >= 0 && end > start, "docs/policy.md has the table markers")
	code, out, _ := runCLI(t, "policy", "list")
	require.Equal(t, exitOK, code)
	assert.Equal(t, out, doc[start+len("<!-- policy-table -->\n"):end], "regenerate with: go run ./cmd/platform policy list")
}
