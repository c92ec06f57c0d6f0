package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/internal/preview"
)

// Both stacks retry failed workspace starts from their control plane
// only, as the Day-2 configuration's account (owner: the role that may
// start other users' workspaces), after that configuration.
func TestBuildRetriesRunInTheControlPlane(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		all := r.OfType(tokens.BuildRetries)
		require.Len(t, all, 1, "%s: one, in the control plane", name)
		c := all[0]
		assert.Equal(t, 3.0, num(c, "maxAttempts"), name)
		var cron map[string]any
		for _, res := range r.Resources {
			if res.Parent == c.URN && res.Type == tCronJob {
				assert.Equal(t, "Forbid", str(res, "spec.concurrencyPolicy"), name)
				assert.Equal(t, coder.ConfigServiceAccount, str(res, "spec.jobTemplate.spec.template.spec.serviceAccountName"), name)
				cron = map[string]any{"schedule": str(res, "spec.schedule")}
				c := mustInput(t, res, "spec.jobTemplate.spec.template.spec.containers").ArrayValue()[0].ObjectValue()
				for _, e := range c["env"].ArrayValue() {
					m := e.ObjectValue()
					if m["name"].StringValue() == "CODER_SESSION_TOKEN" {
						ref := m["valueFrom"].ObjectValue()["secretKeyRef"].ObjectValue()
						cron["token"] = ref["name"].StringValue() + "/" + ref["key"].StringValue()
					}
				}
			}
		}
		assert.Equal(t, map[string]any{"schedule": "*/2 * * * *", "token": coder.ConfigSecret + "/token"}, cron, name)
		assert.Empty(t, retryEnv(t, r)["SKIP_TEMPLATES"], "%s: without a scale test every template is retried", name)
	}
}

// retryEnv is the build-retry CronJob's plain environment.
func retryEnv(t *testing.T, r *preview.Result) map[string]string {
	t.Helper()
	all := r.OfType(tokens.BuildRetries)
	require.Len(t, all, 1)
	for _, res := range r.Resources {
		if res.Parent == all[0].URN && res.Type == tCronJob {
			out := map[string]string{}
			c := mustInput(t, res, "spec.jobTemplate.spec.template.spec.containers").ArrayValue()[0].ObjectValue()
			for _, e := range c["env"].ArrayValue() {
				if m := e.ObjectValue(); m["value"].IsString() {
					out[m["name"].StringValue()] = m["value"].StringValue()
				}
			}
			return out
		}
	}
	t.Fatal("no build-retry CronJob")
	return nil
}
