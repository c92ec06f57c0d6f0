package stacks

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/stacks/config"
)

// secretsReady asks Secrets Manager which operator-filled secrets hold a
// value: a current version exists. It lists version metadata only
// (secretsmanager:ListSecretVersionIds) and never reads a value.
//
// Only two answers mean "wait": the secret has no current version (created,
// not filled yet), or it does not exist yet (ResourceNotFoundException, the
// ListSecretVersionIds error for an unknown secret: on the first `pulumi up`
// this program has not created it yet). Any other failure (throttling,
// AccessDenied, a network error) is an error: reading it as "not filled"
// would leave coderd, the provisioners and template delivery out of the
// program, and on a running stack `pulumi up` would plan to delete them.
//
// It also returns each filled secret's current version ID: a job that
// reads a secret at run time (the Day-2 configuration reads the licence)
// carries it, so a new value runs the job again.
func secretsReady(ctx *pulumi.Context, cfg *config.Plan, r *Region, purposes []string) (map[string]bool, map[string]string, error) {
	ready, versions := map[string]bool{}, map[string]string{}
	for _, p := range purposes {
		name := coder.SecretName(cfg.Name, r.Config.Name, p)
		res, err := secretsmanager.GetSecretVersions(ctx, &secretsmanager.GetSecretVersionsArgs{SecretId: name},
			pulumi.Provider(r.Provider))
		switch {
		case err == nil:
			versions[p] = currentVersion(res.Versions)
			ready[p] = versions[p] != ""
		case secretNotCreated(err):
			ready[p] = false
		default:
			return nil, nil, fmt.Errorf("secret %s in %s: cannot tell whether it holds a value (%w); "+
				"nothing was planned: a failed lookup must never remove the workloads that use it, "+
				"so fix access to Secrets Manager and run again", name, r.Config.Name, err)
		}
	}
	return ready, versions, nil
}

// SecretNotFound is the error code Secrets Manager answers
// ListSecretVersionIds with for a secret that does not exist (AWS Secrets
// Manager API Reference, ListSecretVersionIds, Errors).
const SecretNotFound = "ResourceNotFoundException"

func secretNotCreated(err error) bool { return strings.Contains(err.Error(), SecretNotFound) }

// currentVersion is the ID of the AWSCURRENT version, "" when none.
func currentVersion(versions []secretsmanager.GetSecretVersionsVersion) string {
	for _, v := range versions {
		if slices.Contains(v.VersionStages, "AWSCURRENT") {
			return v.VersionId
		}
	}
	return ""
}

// proxyToken reads one region's token from the secret config object (its
// shape and coverage were validated before anything was registered); the
// value stays a secret.
func proxyToken(ctx *pulumi.Context, cfg *config.Plan, region string) pulumi.StringOutput {
	if cfg.Secret(config.SecretProxyTokens) == config.SecretSealed {
		// Present but unreadable here (the offline preview holds only its
		// ciphertext): a secret whose value this process cannot know.
		return pulumi.ToSecret(pulumi.String("")).(pulumi.StringOutput)
	}
	raw := pconfig.RequireSecret(ctx, cfg.Project+":"+config.SecretProxyTokens)
	return pulumi.ToSecret(raw.ApplyT(func(s string) (string, error) {
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
