package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/engine"
	"github.com/platformeng/coder-platform/internal/fakeaws"
)

// shortAccount has room for everything but on-demand standard vCPUs.
func shortAccount(t *testing.T) *fakeaws.Server {
	fake := engine.FakeAccount(t)
	fake.Applied["us-east-1/ec2/L-1216C47A"] = 64
	return fake
}

// A real `pulumi up` of the real program stops on a quota shortfall before
// it registers anything, naming the quota and the request to file.
func TestEngineUpBlockedByQuotaShortfall(t *testing.T) {
	fake := shortAccount(t)
	cfg := fake.Config()
	s := newStackWith(t, "prod", engine.Options{AWS: &cfg})
	ctx := context.Background()
	res, err := s.Up(ctx)
	require.Error(t, err, "the update must fail")
	out := res.StdOut + res.StdErr + err.Error()
	assert.Contains(t, out, "quota pre-flight")
	assert.Contains(t, out, "L-1216C47A")
	assert.Contains(t, out, "--quota-code L-1216C47A --desired-value 5320")
	assert.Contains(t, out, "Nothing was created")
	dep, err := s.Export(ctx)
	require.NoError(t, err)
	var state struct {
		Resources []struct {
			Type string `json:"type"`
		} `json:"resources"`
	}
	require.NoError(t, json.Unmarshal(dep.Deployment, &state))
	for _, r := range state.Resources {
		assert.Equal(t, "pulumi:pulumi:Stack", r.Type, "nothing but the stack itself may be in the state")
	}
	assert.Positive(t, fake.CallCount("servicequotas:GetServiceQuota"), "the program read the account")
}

// preflight: warn reports the shortfall and deploys anyway.
func TestEngineUpWarnsOnShortfallWhenAsked(t *testing.T) {
	fake := shortAccount(t)
	cfg := fake.Config()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Pulumi.prod.yaml"))
	require.NoError(t, err)
	file := strings.Replace(string(data), "config:\n", "config:\n  coder-platform:preflight: warn\n", 1)
	s := newStackWith(t, "prod", engine.Options{AWS: &cfg, StackFile: []byte(file)})
	res, err := s.Up(context.Background())
	require.NoError(t, err)
	assert.Contains(t, res.StdOut+res.StdErr, "L-1216C47A")
	assert.Contains(t, res.StdOut+res.StdErr, "preflight: warn, so the update goes on")
	assert.Positive(t, (*res.Summary.ResourceChanges)["create"])

	// The update filled the region's pull-through caches by tag, with the
	// token ECR issued, before anything pulled by digest.
	filled := 0
	for _, c := range fake.Calls {
		if strings.HasPrefix(c, "registry:GET us-east-1/ecr-public/") {
			filled++
		}
	}
	assert.Positive(t, filled, "the public ECR images were pulled through the cache")
	assert.Positive(t, fake.CallCount("ecr:GetAuthorizationToken"))
	for k := range fake.Cached {
		assert.True(t, strings.HasPrefix(k, "us-east-1/"), "prod runs in one region: %s", k)
	}
}
