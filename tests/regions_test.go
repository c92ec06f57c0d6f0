package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/templates/compose"
)

// Builds are bound to the workspace's region: in the workshop every
// composed template asks for the region once (immutable, control plane by
// default) and tags its builds with it; in single-region prod the tag is
// fixed. The import job carries the default region's tag, since every
// provisioner key is region-tagged.
func TestTemplatesRouteBuildsToTheirRegion(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]struct {
		param   bool
		regions []string
	}{
		"workshop": {true, []string{"us-east-2", "us-west-2", "eu-west-2"}},
		"prod":     {false, []string{"us-east-1"}},
	} {
		for _, ct := range stack(t, name).Config.Composed() {
			main := string(ct.Files[compose.MainFile])
			require.Contains(t, main, `data "coder_workspace_tags" "region"`, "%s %s", name, ct.Name)
			if want.param {
				assert.Contains(t, main, `"region" = data.coder_parameter.region.value`, ct.Name)
				assert.Contains(t, main, "mutable      = false", ct.Name)
				assert.Contains(t, main, `default      = "us-east-2"`, ct.Name)
				for _, r := range want.regions {
					assert.Contains(t, main, `value = "`+r+`"`, ct.Name)
				}
			} else {
				assert.NotContains(t, main, `data "coder_parameter" "region"`, ct.Name)
				assert.Contains(t, main, `"region" = "us-east-1"`, ct.Name)
			}
			env := map[string]string{}
			for _, kv := range delivery.JobEnv(&delivery.TemplateArgs{Template: ct}) {
				env[kv[0]] = kv[1]
			}
			assert.Equal(t, "region="+want.regions[0], env["PROVISIONER_TAGS"], "%s %s import job", name, ct.Name)
		}
	}
}

// Every region's keys carry that region's tag, which is what the
// templates' workspace tags select.
func TestEachRegionsKeysCarryItsRegion(t *testing.T) {
	t.Parallel()
	s := stack(t, "workshop")
	for i := range s.Config.Regions {
		rc := &s.Config.Regions[i]
		for _, cmd := range stacks.ProvisionerKeyCommands(s.Config, rc) {
			assert.True(t, strings.HasSuffix(cmd, "--tag region="+rc.Name), cmd)
		}
	}
}
