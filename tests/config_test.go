package tests

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

func mustJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// An invalid config makes the real program (as main.go runs it) fail with a
// ValidationError before it registers a single resource.
func TestInvalidConfigRegistersNothing(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "prod")
	sf.Values["coder"] = `{"version":"v2.35.1","accessUrl":"http://coder.acme-corp.com"}`
	values, secrets := sf.PulumiConfig("coder-platform")
	rec := preview.NewRecorder("coder-platform", "prod")
	err := pulumi.RunErr(stacks.Program(stacks.Options{Offline: true}), pulumi.WithMocks("coder-platform", "prod", rec),
		preview.WithConfig(values, secrets))
	require.Error(t, err)
	assert.True(t, config.IsValidationError(err))
	assert.Contains(t, err.Error(), `coder.accessUrl: got "http://coder.acme-corp.com"; must use https`)
	assert.Empty(t, rec.Resources(), "nothing may be registered for an invalid config")
}

// The program loads config from the engine's map exactly as the preview does.
func TestProgramLoadsConfigFromEngine(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "workshop")
	values, secrets := sf.PulumiConfig("coder-platform")
	rec := preview.NewRecorder("coder-platform", "workshop")
	err := pulumi.RunErr(stacks.Program(stacks.Options{Now: testNow, Offline: true}), pulumi.WithMocks("coder-platform", "workshop", rec),
		preview.WithConfig(values, secrets))
	require.NoError(t, err)
	assert.Equal(t, len(stack(t, "workshop").Resources), len(rec.Resources()))
}
