package compliance

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/controls"
	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/stacks/config"
)

// previewStack runs the offline preview of a committed stack file, edited
// first when edit is given, as an operator would change it.
func previewStack(t *testing.T, stack string, edit func(sf *config.StackFile)) *preview.Result {
	t.Helper()
	sf, err := config.ReadStackFile(filepath.Join("..", "..", "Pulumi."+stack+".yaml"), "coder-platform")
	require.NoError(t, err)
	if edit != nil {
		edit(sf)
	}
	res, err := preview.RunStackFile("coder-platform", stack, sf)
	require.NoError(t, err)
	return res
}

func report(t *testing.T, res *preview.Result) *Report {
	t.Helper()
	std, cs, err := Claimed(res.Config)
	require.NoError(t, err)
	return Build(res, std, cs)
}

// Both committed stacks: every claimed control in table order, none
// failing, and each policy's verdict is the pack's own.
func TestBothStacksPass(t *testing.T) {
	for _, stack := range []string{"prod", "workshop"} {
		t.Run(stack, func(t *testing.T) {
			res := previewStack(t, stack, nil)
			rep := report(t, res)
			assert.Equal(t, Standard, rep.Standard)
			assert.Equal(t, stack, rep.Stack)
			require.Len(t, rep.Controls, len(controls.All()))
			violated := map[string]bool{}
			for _, v := range gate.Evaluate(res.Resources, nil).Violations {
				violated[v.Policy] = true
			}
			for i, c := range controls.All() {
				got := rep.Controls[i]
				assert.Equal(t, c.ID, got.ID)
				assert.Equal(t, c.ConfigRule, got.ConfigRule)
				assert.NotEqual(t, Fail, got.Verdict, "%s: %v", c.ID, got.Failing)
				assert.Empty(t, got.Failing, c.ID)
				for j, p := range got.Policies {
					assert.Equal(t, c.Policies[j], p.Name)
					assert.False(t, violated[p.Name])
				}
				if len(c.Policies) == 0 {
					assert.Equal(t, Unchecked, got.Verdict, c.ID)
				}
			}
			assert.False(t, rep.Failed())
			for _, id := range []string{"S3.5", "EC2.6", "RDS.7", "KMS.4"} {
				assert.Equal(t, Pass, control(t, rep, id).Verdict, id)
			}
		})
	}
}

func control(t *testing.T, rep *Report, id string) ControlResult {
	t.Helper()
	i := slices.IndexFunc(rep.Controls, func(c ControlResult) bool { return c.ID == id })
	require.GreaterOrEqual(t, i, 0, id)
	return rep.Controls[i]
}

// Turning off the database's deletion protection in a copy of prod fails
// RDS.7 on the cluster, through data-store-protection, and nothing else.
func TestDeletionProtectionOffFailsRDS7(t *testing.T) {
	res := previewStack(t, "prod", func(sf *config.StackFile) {
		db := map[string]any{}
		require.NoError(t, json.Unmarshal([]byte(sf.Values["database"]), &db))
		db["deletionProtection"] = false
		raw, err := json.Marshal(db)
		require.NoError(t, err)
		sf.Values["database"] = string(raw)
	})
	rep := report(t, res)
	require.True(t, rep.Failed())
	rds7 := control(t, rep, "RDS.7")
	assert.Equal(t, Fail, rds7.Verdict)
	assert.Equal(t, []PolicyResult{{Name: "data-store-protection", Verdict: Fail}}, rds7.Policies)
	require.NotEmpty(t, rds7.Failing)
	for _, f := range rds7.Failing {
		assert.Equal(t, "data-store-protection", f.Policy)
		assert.Contains(t, f.URN, "aws:rds/cluster:Cluster")
		assert.Contains(t, f.Message, "deletion")
	}
	assert.Equal(t, 1, rep.Count()[Fail])

	var md bytes.Buffer
	rep.WriteMarkdown(&md)
	assert.Contains(t, md.String(), "| RDS.7 | RDS clusters should have deletion protection enabled | `data-store-protection` (fail) |")
	assert.Contains(t, md.String(), "### RDS.7 RDS clusters should have deletion protection enabled\n\n- `data-store-protection` urn:pulumi:prod::")
}

// A preview without resources judges nothing: every control a policy
// enforces is not applicable, the others unchecked.
func TestNothingToJudgeIsNotApplicable(t *testing.T) {
	rep := Build(&preview.Result{Stack: "empty"}, Standard, controls.All())
	for _, c := range rep.Controls {
		want := NotApplicable
		if len(c.Policies) == 0 {
			want = Unchecked
		}
		assert.Equal(t, want, c.Verdict, c.ID)
	}
	assert.False(t, rep.Failed())
}

// A control citing a policy the pack lacks fails: nothing enforces it.
func TestUnknownPolicyFails(t *testing.T) {
	rep := Build(&preview.Result{Stack: "x"}, Standard, []controls.Control{{ID: "X.1", Title: "t", Policies: []string{"no-such-policy"}}})
	assert.Equal(t, Fail, rep.Controls[0].Verdict)
	assert.Contains(t, rep.Controls[0].Failing[0].Message, "not in the pack")
}

func TestStackWithoutFSBPIsRefused(t *testing.T) {
	plan := &config.Plan{}
	plan.Security.SecurityHub.Standards = []string{config.StandardCIS}
	_, _, err := Claimed(plan)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "security.securityHub.standards is [cis]")
}

// The JSON is one object of the documented shape; live is null offline.
func TestJSONShape(t *testing.T) {
	rep := report(t, previewStack(t, "workshop", nil))
	var buf bytes.Buffer
	require.NoError(t, rep.WriteJSON(&buf))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	assert.Equal(t, "workshop", doc["stack"])
	assert.Equal(t, Standard, doc["standard"])
	assert.Equal(t, []any{"us-east-2", "us-west-2", "eu-west-2"}, doc["regions"])
	cs := doc["controls"].([]any)
	require.Len(t, cs, len(controls.All()))
	for _, c := range cs {
		m := c.(map[string]any)
		for _, k := range []string{"id", "title", "fsbp", "policies", "configRule", "verdict", "failing", "live"} {
			assert.Contains(t, m, k)
		}
		assert.Nil(t, m["live"])
		assert.IsType(t, []any{}, m["policies"])
		assert.IsType(t, []any{}, m["failing"])
	}
	first := cs[0].(map[string]any)
	assert.Equal(t, "S3.2", first["id"])
	assert.Equal(t, []any{map[string]any{"name": "s3-public-access-block", "verdict": "pass"}}, first["policies"])
}

// The Markdown has one table per control group, in table order.
func TestMarkdownGroups(t *testing.T) {
	rep := report(t, previewStack(t, "prod", nil))
	var buf bytes.Buffer
	rep.WriteMarkdown(&buf)
	out := buf.String()
	assert.True(t, strings.HasPrefix(out, "# Compliance of stack prod: "+Standard+"\n"))
	var groups []string
	for _, c := range controls.All() {
		if g := "\n## " + group(c.ID) + "\n"; !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	last := -1
	for _, g := range groups {
		i := strings.Index(out, g)
		require.Greater(t, i, last, g)
		last = i
	}
	assert.Equal(t, len(groups), strings.Count(out, "| control | title | policies | Config rule | verdict |\n"))
	assert.Contains(t, out, "| CloudTrail.2 | CloudTrail should have encryption at-rest enabled | – | `CLOUD_TRAIL_ENCRYPTION_ENABLED` | **unchecked** |")
	assert.Contains(t, out, "(outside FSBP, still claimed)")
}
