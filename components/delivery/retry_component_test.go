package delivery_test

import (
	"testing"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/internal/componenttest"
)

// The component records its policy and the classifier, and runs
// retry.sh as a CronJob, one run at a time, with the owner token.
func TestBuildRetriesAsRegistered(t *testing.T) {
	rs := componenttest.Run(t, func(ctx *pulumi.Context) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{})
		if err != nil {
			return err
		}
		_, err = delivery.NewBuildRetries(ctx, "cp-build-retries", &delivery.BuildRetriesArgs{
			MaxAttempts: 3, BaseDelay: 2 * time.Minute, MaxDelay: 15 * time.Minute, MaxPerRun: 20, Window: 24 * time.Hour,
			Schedule: "*/2 * * * *",
			Runner: delivery.Runner{CoderURL: "https://coder.example.com", Image: "ghcr.io/coder/coder:v2.35.1", Namespace: "coder",
				ServiceAccount: "coder-configuration", TokenSecret: "coder-configuration", TokenSecretName: "coder/prod/us-east-1/admin-token",
				NodeSelector: map[string]string{"coder.com/tier-control": "true"}, KubeProvider: k8s},
		})
		return err
	})
	c := rs.Named(tokens.BuildRetries, "cp-build-retries")
	require.NotNil(t, c)
	assert.Equal(t, 3.0, componenttest.Input(t, c, "maxAttempts"))
	assert.Equal(t, 120.0, componenttest.Input(t, c, "baseDelaySeconds"))
	assert.Equal(t, 900.0, componenttest.Input(t, c, "maxDelaySeconds"))
	assert.Equal(t, 86400.0, componenttest.Input(t, c, "windowSeconds"))
	assert.Equal(t, "coder-configuration", componenttest.Input(t, c, "serviceAccount"))
	assert.Contains(t, componenttest.Input(t, c, "retryOn"), "InsufficientInstanceCapacity")
	assert.Contains(t, componenttest.Input(t, c, "neverRetry"), "insufficient quota")

	cron := rs.Named("kubernetes:batch/v1:CronJob", "cp-build-retries-retry")
	require.NotNil(t, cron)
	assert.Equal(t, c.URN, cron.Parent)
	assert.Equal(t, "*/2 * * * *", componenttest.String(t, cron, "spec.schedule"))
	assert.Equal(t, "Forbid", componenttest.String(t, cron, "spec.concurrencyPolicy"), "one run at a time")
	assert.Equal(t, "coder", componenttest.String(t, cron, "metadata.namespace"))
	// A failed run is not run again by the Job: each run starts at most
	// MAX_PER_RUN builds, and the next scheduled run is the retry.
	assert.EqualValues(t, 0, componenttest.Input(t, cron, "spec.jobTemplate.spec.backoffLimit"))
	pod := "spec.jobTemplate.spec.template.spec."
	assert.Equal(t, "coder-configuration", componenttest.String(t, cron, pod+"serviceAccountName"))
	assert.Equal(t, "ghcr.io/coder/coder:v2.35.1", componenttest.String(t, cron, pod+"containers[0].image"))
	assert.Equal(t, []any{"/bin/bash", "-c", delivery.RetryScript()}, componenttest.Input(t, cron, pod+"containers[0].command"))
	env := map[string]any{}
	for _, e := range componenttest.Input(t, cron, pod+"containers[0].env").([]any) {
		m := e.(map[string]any)
		if v, ok := m["value"]; ok {
			env[m["name"].(string)] = v
		} else {
			env[m["name"].(string)] = m["valueFrom"].(map[string]any)["secretKeyRef"]
		}
	}
	assert.Equal(t, map[string]any{"name": "coder-configuration", "key": "token"}, env["CODER_SESSION_TOKEN"])
	for k, v := range map[string]string{"CODER_URL": "https://coder.example.com", "MAX_ATTEMPTS": "3", "BASE_DELAY_SECONDS": "120",
		"MAX_DELAY_SECONDS": "900", "MAX_PER_RUN": "20", "RETRY_WINDOW_SECONDS": "86400",
		"TOKEN_SECRET": "coder/prod/us-east-1/admin-token"} {
		assert.Equal(t, v, env[k], k)
	}
	assert.Contains(t, env["RETRY_ON"], "provisioner daemon was shutdown gracefully\tprovisioner stopped\n")
	assert.Contains(t, env["NEVER_RETRY"], "insufficient quota\tworkspace quota\n")
}

// The classifier's rows are distinct, classed, and none is both retried
// and never retried.
func TestFailuresTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range delivery.Failures {
		assert.NotEmpty(t, f.Class, f.Text)
		assert.False(t, seen[f.Text], "%s twice", f.Text)
		assert.NotContains(t, f.Text, "\t", "a row is one text<TAB>class line")
		assert.NotContains(t, f.Text, "\n")
		seen[f.Text] = true
	}
}
