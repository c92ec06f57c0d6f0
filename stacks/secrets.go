package stacks

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/stacks/config"
)

// secretsReady asks Secrets Manager which operator-filled secrets hold a
// value: a current version exists. It lists version metadata only
// (secretsmanager:ListSecretVersionIds) and never reads a value. A secret
// that does not exist yet is not ready.
func secretsReady(ctx *pulumi.Context, cfg *config.Stack, r *Region, purposes []string) map[string]bool {
	ready := map[string]bool{}
	for _, p := range purposes {
		res, err := secretsmanager.GetSecretVersions(ctx, &secretsmanager.GetSecretVersionsArgs{
			SecretId: coder.SecretName(cfg.Name, r.Config.Name, p),
		}, pulumi.Provider(r.Provider))
		ready[p] = err == nil && hasCurrent(res.Versions)
	}
	return ready
}

func hasCurrent(versions []secretsmanager.GetSecretVersionsVersion) bool {
	for _, v := range versions {
		if slices.Contains(v.VersionStages, "AWSCURRENT") {
			return true
		}
	}
	return false
}

// proxyToken reads one region's token from the secret config object (its
// shape and coverage were validated before anything was registered); the
// value stays a secret.
func proxyToken(ctx *pulumi.Context, cfg *config.Stack, region string) pulumi.StringOutput {
	raw := pconfig.RequireSecret(ctx, cfg.Project+":"+config.SecretProxyTokens)
	return pulumi.ToSecret(raw.ApplyT(func(s string) (string, error) {
		if s == config.OfflineSecret {
			return s, nil // the offline preview cannot decrypt secure values
		}
		var tokens map[string]string
		if err := json.Unmarshal([]byte(s), &tokens); err != nil {
			return "", fmt.Errorf("%s must be a JSON object of region to token", config.SecretProxyTokens)
		}
		t, ok := tokens[region]
		if !ok || t == "" {
			return "", fmt.Errorf("%s has no token for %s", config.SecretProxyTokens, region)
		}
		return t, nil
	})).(pulumi.StringOutput)
}
