package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/platformeng/coder-platform/policy/rules"
)

// The CLI publishes the pack under the version PulumiPolicy.yaml declares;
// the analyzer reports rules.PackVersion. They must agree.
func TestPulumiPolicyYAMLMatchesThePack(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("PulumiPolicy.yaml")
	require.NoError(t, err)
	var manifest struct {
		Runtime any    `json:"runtime"`
		Version string `json:"version"`
	}
	require.NoError(t, yaml.Unmarshal(data, &manifest))
	assert.Equal(t, "go", manifest.Runtime)
	assert.Equal(t, rules.PackVersion, manifest.Version)
}
