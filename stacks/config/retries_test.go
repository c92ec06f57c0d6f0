package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// retries sets coder.buildRetries to fields in a committed stack's coder key.
func retries(fields map[string]any) func(any) any { return set("buildRetries", fields) }

// Every rule of coder.buildRetries, on a bad value in a committed stack.
func TestBuildRetriesValidation(t *testing.T) {
	cases := []struct {
		name   string
		stack  string
		fields map[string]any
		want   string
	}{
		{"no attempts", "prod", map[string]any{"maxAttempts": -1},
			`coder.buildRetries.maxAttempts: got -1; must be from 1 to 10 retries of one failure`},
		{"too many attempts", "workshop", map[string]any{"maxAttempts": 11},
			`coder.buildRetries.maxAttempts: got 11; must be from 1 to 10 retries of one failure`},
		{"base delay not a duration", "prod", map[string]any{"baseDelay": "2 minutes"},
			`coder.buildRetries.baseDelay: got "2 minutes"; must be a duration from 1m to 1h, such as 2m or 15m`},
		{"base delay below the CronJob's minute", "prod", map[string]any{"baseDelay": "30s"},
			`coder.buildRetries.baseDelay: got "30s"; must be a duration from 1m to 1h, such as 2m or 15m`},
		{"max delay beyond the window", "workshop", map[string]any{"maxDelay": "12h"},
			`coder.buildRetries.maxDelay: got "12h"; must be a duration from 1m to 6h, such as 2m or 15m`},
		{"max delay below the base", "prod", map[string]any{"baseDelay": "10m", "maxDelay": "5m"},
			`coder.buildRetries.maxDelay: got "5m"; must not be shorter than coder.buildRetries.baseDelay (10m)`},
		{"no starts a run", "prod", map[string]any{"maxPerRun": -5},
			`coder.buildRetries.maxPerRun: got -5; must be from 1 to 500 starts a run`},
		{"schedule of six fields", "workshop", map[string]any{"schedule": "0 */2 * * * *"},
			`coder.buildRetries.schedule: got "0 */2 * * * *"; must be a five-field cron schedule in UTC, such as */2 * * * *`},
		{"schedule not cron", "prod", map[string]any{"schedule": "every 2 minutes"},
			`coder.buildRetries.schedule: got "every 2 minutes"; must be a five-field cron schedule in UTC, such as */2 * * * *`},
		{"enabled not a boolean", "prod", map[string]any{"enabled": "yes"}, `coder.buildRetries.enabled`},
		{"unknown key", "prod", map[string]any{"maxRetries": 3}, `coder.buildRetries.maxRetries`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mutate(t, c.stack, "coder", retries(c.fields))
			require.NotEmpty(t, got)
			found := false
			for _, g := range got {
				found = found || (len(g) >= len(c.want) && g[:len(c.want)] == c.want)
			}
			assert.True(t, found, "want %q in %q", c.want, got)
		})
	}
}

// Without the key both profiles retry: three retries two, four and eight
// minutes after each failure, capped at fifteen, every two minutes.
func TestBuildRetriesDefaults(t *testing.T) {
	for _, p := range []Profile{ProfileEnterprise, ProfileWorkshop} {
		r := DefaultedStack(p).Coder.BuildRetries
		assert.True(t, r.On(), p)
		assert.Equal(t, 3, r.MaxAttempts, p)
		base, max := r.Delays()
		assert.Equal(t, [2]time.Duration{2 * time.Minute, 15 * time.Minute}, [2]time.Duration{base, max}, p)
		assert.Equal(t, 20, r.MaxPerRun, p)
		assert.Equal(t, "*/2 * * * *", r.Schedule, p)
	}
	assert.Empty(t, retryProblems(mutate(t, "prod", "coder", retries(map[string]any{"enabled": false}))), "off is allowed")
	assert.Empty(t, retryProblems(mutate(t, "workshop", "coder", retries(map[string]any{"maxAttempts": 5, "baseDelay": "1m", "maxDelay": "1h"}))))
	assert.Less(t, maxRetryDelay, BuildRetryWindow, "every wait ends inside the window, counted from the latest failure")
}

// retryProblems are the problems of this section alone.
func retryProblems(got []string) []string {
	var out []string
	for _, g := range got {
		if strings.HasPrefix(g, "coder.buildRetries") {
			out = append(out, g)
		}
	}
	return out
}
