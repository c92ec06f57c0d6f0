package observability_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
	"github.com/platformeng/coder-platform/templates"
)

// The start-time SLO tells a template's kind by its name's prefix: every
// composition of the catalog is named for its base's platform, and each
// kind's default threshold is its bases' promised start (startMinutes).
func TestTemplateKindsFollowTheCatalog(t *testing.T) {
	t.Parallel()
	cat, err := templates.Load(templates.Embedded())
	require.NoError(t, err)
	kinds := map[string]string{templates.PlatformKubernetes: thresholds.KindPod, templates.PlatformEC2: thresholds.KindEC2}
	defaults := map[string]float64{}
	for _, r := range thresholds.Table {
		switch r.Key {
		case "podStartP95Seconds":
			defaults[thresholds.KindPod] = r.Default
		case "ec2StartP95Seconds":
			defaults[thresholds.KindEC2] = r.Default
		}
	}
	require.NotEmpty(t, cat.Compositions)
	for _, c := range cat.Compositions {
		base, ok := cat.Bases[c.Base.Name]
		require.True(t, ok, "%s: base %s", c.Name, c.Base.Name)
		kind, ok := kinds[base.Platform]
		require.True(t, ok, "%s: platform %q has no template kind in the start-time SLO", c.Name, base.Platform)
		assert.True(t, strings.HasPrefix(c.Name, thresholds.TemplatePrefixes[kind]),
			"%s runs on %s: its name starts with %q, or the start-time SLO counts it as another kind", c.Name, base.Platform, thresholds.TemplatePrefixes[kind])
		assert.Equal(t, float64(base.StartMinutes*60), defaults[kind], "%s: the %s start threshold is its base's startMinutes", c.Name, kind)
	}
}
