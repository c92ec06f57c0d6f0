package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every rule of the images section, on a bad value in a committed stack.
func TestImagesValidation(t *testing.T) {
	good := "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cases := []struct {
		name, stack string
		value       any
		want        string
	}{
		{"digest not sha256", "prod", map[string]any{"digests": map[string]any{"ghcr.io/coder/coder:v2.35.1": "md5:abc"}},
			"images.digests.ghcr.io/coder/coder:v2.35.1: got \"md5:abc\"; must be a manifest digest: sha256: and 64 lower-case hex digits (`platform images pin --stack prod` prints them)"},
		{"key without a tag", "workshop", map[string]any{"digests": map[string]any{"ghcr.io/coder/coder": good}},
			"images.digests.ghcr.io/coder/coder: got \"ghcr.io/coder/coder\"; must be an image reference with its registry host and a tag and no digest, such as ghcr.io/coder/coder:v2.35.1"},
		{"key without a registry host", "prod", map[string]any{"digests": map[string]any{"postgres:16": good}},
			"images.digests.postgres:16: got \"postgres:16\"; must be an image reference with its registry host and a tag and no digest, such as ghcr.io/coder/coder:v2.35.1"},
		{"ecr not a boolean", "prod", map[string]any{"ecr": "yes"}, "images.ecr"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mutate(t, c.stack, "images", set("", c.value))
			require.NotEmpty(t, got)
			found := false
			for _, g := range got {
				found = found || g == c.want || (len(g) >= len(c.want) && g[:len(c.want)] == c.want)
			}
			assert.True(t, found, "want %q in %q", c.want, got)
		})
	}
	// A good pin and the default (on) pass.
	assert.Empty(t, mutate(t, "prod", "images", set("", map[string]any{"ecr": true, "digests": map[string]any{"ghcr.io/coder/coder:v2.35.1": good}})))
	assert.Empty(t, mutate(t, "workshop", "images", set("", nil)))
}
