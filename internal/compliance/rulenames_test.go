package compliance

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Rule names come from the registered aws:cfg/rule:Rule inputs, in their
// provider's region; an auto-named rule is skipped.
func TestDeployedRules(t *testing.T) {
	prov := &preview.Resource{URN: "urn:p", Type: "pulumi:providers:aws", Inputs: resource.NewPropertyMapFromMap(map[string]any{"region": "eu-west-2"})}
	rule := func(name, id string) *preview.Resource {
		in := map[string]any{"source": map[string]any{"owner": "AWS", "sourceIdentifier": id}}
		if name != "" {
			in["name"] = name
		}
		return &preview.Resource{URN: "urn:r-" + id, Type: tConfigRule, Provider: "urn:p::id", Inputs: resource.NewPropertyMapFromMap(in)}
	}
	got := DeployedRules([]*preview.Resource{prov, rule("coder-x-encrypted-volumes", "ENCRYPTED_VOLUMES"), rule("", "SNS_ENCRYPTED_KMS")})
	assert.Equal(t, RuleNames{"eu-west-2": {"ENCRYPTED_VOLUMES": "coder-x-encrypted-volumes"}}, got)
}
