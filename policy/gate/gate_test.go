package gate

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/policy/rules"
)

func writeConfig(t *testing.T, js string) string {
	p := filepath.Join(t.TempDir(), "policy-config.json")
	require.NoError(t, os.WriteFile(p, []byte(js), 0o644))
	return p
}

func TestReadConfig(t *testing.T) {
	t.Parallel()
	cfg, err := ReadConfig(writeConfig(t, `{"all":"advisory","log-retention":{"minDays":365},"required-tags":{"enforcementLevel":"disabled"},"vpc-flow-logs":"mandatory"}`))
	require.NoError(t, err)
	assert.Len(t, cfg, len(rules.Pack()))
	assert.Equal(t, rules.PolicyConfig{Enforcement: rules.Advisory, Properties: rules.Config{"minDays": float64(365)}}, cfg["log-retention"])
	assert.Equal(t, rules.Disabled, cfg["required-tags"].Enforcement)
	assert.Equal(t, rules.Mandatory, cfg["vpc-flow-logs"].Enforcement)
	assert.Equal(t, rules.Advisory, cfg["iam-no-wildcard"].Enforcement)
}

func TestReadConfigErrors(t *testing.T) {
	t.Parallel()
	for js, want := range map[string]string{
		`{"nope":"advisory"}`:                        `"nope" is not a policy of coder-platform`,
		`{"log-retention":"strict"}`:                 `log-retention: `,
		`{"log-retention":{"enforcementLevel":"x"}}`: `log-retention: `,
		`{"all":"sometimes"}`:                        `all: `,
		`{"log-retention":3}`:                        `must be an enforcement level or an object`,
		`not json`:                                   `invalid character`,
	} {
		_, err := ReadConfig(writeConfig(t, js))
		require.Error(t, err, js)
		assert.Contains(t, err.Error(), want, js)
	}
}
