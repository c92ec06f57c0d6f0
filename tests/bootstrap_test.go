package tests

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	bootstrap "github.com/platformeng/coder-platform/bootstrap/program"
	"github.com/platformeng/coder-platform/components/state"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/stacks/config"
)

const (
	tReplication = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
	tIAMPolicy   = "aws:iam/policy:Policy"
	tAttachment  = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
)

// bootstrapStack previews a committed stack of the bootstrap project.
func bootstrapStack(t *testing.T, name string) *preview.Result {
	t.Helper()
	p, err := preview.OpenProject(filepath.Join(project(t).Dir, "bootstrap"))
	require.NoError(t, err)
	require.Equal(t, bootstrap.Project, p.Name)
	r, err := preview.Run(p, name, "")
	require.NoError(t, err)
	return r
}

// bucketNamed is the bucket whose name prefix is prefix, and its children by type.
func bucketNamed(t *testing.T, r *preview.Result, prefix string) (*preview.Resource, map[string]*preview.Resource) {
	t.Helper()
	for _, b := range r.OfType(tBucketV2) {
		if str(b, "bucketPrefix") == prefix+"-" {
			kids := map[string]*preview.Resource{}
			for _, res := range r.Resources {
				if res.Parent == b.URN {
					kids[res.Type] = res
				}
			}
			return b, kids
		}
	}
	t.Fatalf("no bucket %s", prefix)
	return nil, nil
}

func TestBootstrapStateBucket(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		t.Run(name, func(t *testing.T) {
			r := bootstrapStack(t, name)
			sf, err := config.ReadStackFile(filepath.Join(project(t).Dir, "bootstrap", "Pulumi."+name+".yaml"), bootstrap.Project)
			require.NoError(t, err)
			cfg, err := config.LoadBootstrap(bootstrap.Project, name, sf.Source())
			require.NoError(t, err)

			state, kids := bucketNamed(t, r, "state")
			assert.True(t, state.Protect, "the state bucket is protected")
			assert.Equal(t, cfg.Region, regionOf(r, state))
			assert.Equal(t, "Enabled", str(kids[tBucketVer], "versioningConfiguration.status"))
			sse := kids[tBucketSSE]
			assert.Equal(t, "aws:kms", str(sse, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"))
			stateKey := keyByArn(r, str(sse, "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId"))
			require.NotNil(t, stateKey)
			assert.Equal(t, "state", tag(stateKey, "coder:key-purpose"))
			for _, f := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				assert.True(t, boolean(kids[tBucketPAB], f), f)
			}

			// Current state is never expired; replaced versions are, after the configured days.
			lc := kids[tBucketLC]
			_, expires := lc.Input("rules[0].expiration.days")
			assert.False(t, expires, "current state objects must not expire")
			assert.True(t, boolean(lc, "rules[0].expiration.expiredObjectDeleteMarker"), "lock objects' delete markers go once their versions have")
			assert.Equal(t, float64(cfg.NoncurrentVersionDays), num(lc, "rules[0].noncurrentVersionExpiration.noncurrentDays"))

			// TLS only, and no principal of another account.
			pol := policyOf(t, str(kids[tBucketPolicy], "policy"))
			sids := map[string]statement{}
			for _, s := range pol {
				sids[s.Sid] = s
			}
			assert.Equal(t, "Deny", sids["DenyInsecureTransport"].Effect)
			other := sids["DenyOtherAccounts"]
			assert.Equal(t, "Deny", other.Effect)
			assert.Contains(t, other.Condition, "StringNotEquals")

			// Replication to the replica region, under the replica's own key.
			repl := kids[tReplication]
			require.NotNil(t, repl, "the state bucket replicates")
			assert.Equal(t, "Enabled", str(repl, "rules[0].deleteMarkerReplication.status"))
			assert.Equal(t, "Enabled", str(repl, "rules[0].sourceSelectionCriteria.sseKmsEncryptedObjects.status"))
			replicaKey := keyByArn(r, str(repl, "rules[0].destination.encryptionConfiguration.replicaKmsKeyId"))
			require.NotNil(t, replicaKey)
			assert.Equal(t, cfg.ReplicaRegion, regionOf(r, replicaKey))
			assert.NotEqual(t, stateKey.URN, replicaKey.URN)
			replica, rkids := bucketNamed(t, r, "state-replica")
			assert.Equal(t, cfg.ReplicaRegion, regionOf(r, replica))
			assert.Equal(t, "arn:aws:s3:::"+replica.ID, str(repl, "rules[0].destination.bucket"))
			assert.Equal(t, "Enabled", str(rkids[tBucketVer], "versioningConfiguration.status"))
			assert.Contains(t, repl.Dependencies, kids[tBucketVer].URN, "replication waits for versioning")
			// The replication role may use the replica's key as S3 does with
			// a Bucket Key: encrypt, and decrypt (a regression: without
			// kms:Decrypt every replication fails).
			var role *preview.Resource
			for _, rr := range r.OfType(tRole) {
				if rr.Name == "state-replication" {
					role = rr
				}
			}
			require.NotNil(t, role, "the replication role")
			replGrants := map[string][]string{}
			for _, st := range inlinePolicy(t, r, role) {
				replGrants[st.Sid] = st.Action
			}
			assert.ElementsMatch(t, []string{"kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"}, replGrants["EncryptReplica"])
			assert.Equal(t, []string{"kms:Decrypt"}, replGrants["DecryptSource"])

			// Access logging: a trail of the state objects' data events.
			trails := r.OfType(tTrail)
			require.Len(t, trails, 1)
			assert.Equal(t, []string{"arn:aws:s3:::" + state.ID + "/"}, strs(trails[0], "advancedEventSelectors[0].fieldSelectors[2].startsWiths"))
			assert.True(t, boolean(trails[0], "enableLogFileValidation"))
			assert.NotEmpty(t, str(trails[0], "kmsKeyId"))

			// The deployer policy: exactly the state objects and the two keys.
			pols := r.OfType(tIAMPolicy)
			require.Len(t, pols, 1)
			grants := map[string][]string{}
			for _, s := range policyOf(t, str(pols[0], "policy")) {
				assert.Equal(t, "Allow", s.Effect)
				for _, res := range s.Resource {
					assert.NotEqual(t, "*", res, s.Sid)
				}
				grants[s.Sid] = s.Action
			}
			assert.Equal(t, []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}, grants["ReadWriteState"])
			assert.Equal(t, []string{"kms:Encrypt", "kms:Decrypt"}, grants["SecretsProviderKey"])
			var deployers []string
			for _, a := range r.OfType(tAttachment) {
				if strings.HasPrefix(a.Name, "state-deployer-") {
					deployers = append(deployers, str(a, "role"))
				}
			}
			require.Len(t, deployers, len(cfg.DeployerRoleArns))
			assert.Equal(t, cfg.DeployerRoleArns[0][strings.LastIndex(cfg.DeployerRoleArns[0], "/")+1:], deployers[0])

			// The secrets-provider key exists under the alias the README names.
			aliases := map[string]bool{}
			for _, a := range r.OfType("aws:kms/alias:Alias") {
				aliases[str(a, "name")] = true
			}
			assert.True(t, aliases["alias/"+bootstrap.AliasPrefix+"/stack-secrets"])

			assert.Zero(t, gate.Evaluate(r.Resources, nil).Mandatory(), "the policy pack passes the bootstrap project")
		})
	}
}

// The main stacks' deployer roles are the bootstrap stacks' deployers: a
// stack deployed as a role the state policy is not attached to cannot log in.
func TestBootstrapCoversEveryStacksDeployer(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := bootstrapStack(t, name)
		var roles []string
		for _, a := range r.OfType(tAttachment) {
			roles = append(roles, str(a, "role"))
		}
		arn := stack(t, name).Config.Cluster.DeployerRoleArn
		assert.Contains(t, roles, arn[strings.LastIndex(arn, "/")+1:], name)
	}
}

func TestBootstrapConfigRules(t *testing.T) {
	t.Parallel()
	good := map[string]any{
		"tags": map[string]string{"owner": "a", "costCenter": "b"}, "region": "us-east-2",
		"replicaRegion": "us-west-2", "deployerRoleArns": []string{"arn:aws:iam::123456789012:role/d"},
	}
	cases := []struct {
		key  string
		val  any
		want string
	}{
		{"region", "mars-1", `region: got "mars-1"; must be a commercial AWS region`},
		{"replicaRegion", "us-east-2", `replicaRegion: got "us-east-2"; must differ from region`},
		{"noncurrentVersionDays", 3, "noncurrentVersionDays: got 3; must be 7-3650"},
		{"accessLogRetentionDays", 30, "accessLogRetentionDays: got 30; must be 90-3650 days"},
		{"deployerRoleArns", []string{}, "deployerRoleArns: got nothing; list the IAM roles"},
		{"deployerRoleArns", []string{"bob"}, `deployerRoleArns[0]: got "bob"; must be an IAM role ARN`},
		{"deployerRoleArns", []string{"arn:aws:iam::123456789012:role/d", "arn:aws:iam::123456789012:role/d"}, "deployerRoleArns[1]: got \"arn:aws:iam::123456789012:role/d\"; is listed twice"},
		{"tags", map[string]string{"owner": "a"}, `tags.costCenter: got nothing; a cost center is required`},
		{"deployerRoleArns", []string{"arn:aws:iam::123456789012:role/d", "arn:aws:iam::210987654321:role/e"},
			`deployerRoleArns[1]: got "arn:aws:iam::210987654321:role/e"; is in account 210987654321, not 123456789012: one bootstrap stack serves one account`},
		{"colour", "red", "colour: got \"set\"; unknown key"},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			values := map[string]string{}
			for k, v := range good {
				values[k] = mustJSON(t, v)
			}
			values["region"], values["replicaRegion"] = "us-east-2", "us-west-2"
			if s, ok := c.val.(string); ok {
				values[c.key] = s
			} else {
				values[c.key] = mustJSON(t, c.val)
			}
			_, err := config.LoadBootstrap(bootstrap.Project, "x", config.MapSource{Values: values})
			require.Error(t, err)
			assert.True(t, config.IsValidationError(err))
			assert.Contains(t, err.Error(), c.want)
		})
	}
	values := map[string]string{"region": "us-east-2", "replicaRegion": "us-west-2"}
	for _, k := range []string{"tags", "deployerRoleArns"} {
		values[k] = mustJSON(t, good[k])
	}
	b, err := config.LoadBootstrap(bootstrap.Project, "x", config.MapSource{Values: values})
	require.NoError(t, err)
	assert.Equal(t, config.DefaultNoncurrentVersionDays, b.NoncurrentVersionDays)
	assert.Equal(t, config.DefaultAccessLogRetentionDays, b.AccessLogRetentionDays)
}

func TestBootstrapGitHubRoles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := bootstrapStack(t, name)
		providers := r.OfType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
		require.Len(t, providers, 1)
		assert.Equal(t, "https://token.actions.githubusercontent.com", str(providers[0], "url"))
		assert.Equal(t, []string{"sts.amazonaws.com"}, strs(providers[0], "clientIdLists"))

		roles := map[string]*preview.Resource{}
		for _, role := range r.OfType(tRole) {
			roles[role.Name] = role
		}
		subjects := func(role *preview.Resource) any {
			var doc struct {
				Statement []struct {
					Condition map[string]map[string]any
				}
			}
			require.NoError(t, json.Unmarshal([]byte(str(role, "assumeRolePolicy")), &doc))
			require.Len(t, doc.Statement, 1)
			assert.Equal(t, "sts.amazonaws.com", doc.Statement[0].Condition["StringEquals"]["token.actions.githubusercontent.com:aud"])
			return doc.Statement[0].Condition["StringEquals"]["token.actions.githubusercontent.com:sub"]
		}
		assert.Equal(t, []any{"repo:platformeng/coder-platform:pull_request", "repo:platformeng/coder-platform:ref:refs/heads/main"},
			subjects(roles["github-preview"]), "previews: pull requests and the default branch's scheduled checks")
		assert.Equal(t, []any{"repo:platformeng/coder-platform:environment:" + name}, subjects(roles["github-deploy"]),
			"deploys: only the stack's protected environment")

		attached := map[string][]string{}
		statePolicy := ""
		for _, a := range r.OfType(tAttachment) {
			attached[a.Parent] = append(attached[a.Parent], str(a, "policyArn"))
			if strings.HasPrefix(a.Name, "state-deployer-") {
				statePolicy = str(a, "policyArn")
			}
		}
		require.NotEmpty(t, statePolicy)
		assert.Contains(t, attached[roles["github-preview"].URN], "arn:aws:iam::aws:policy/ReadOnlyAccess")
		assert.Contains(t, attached[roles["github-deploy"].URN], "arn:aws:iam::aws:policy/ReadOnlyAccess")
		assert.Contains(t, attached[roles["github-deploy"].URN], statePolicy, "the deploy role has the state policy")

		preview := map[string]statement{}
		for _, st := range inlinePolicy(t, r, roles["github-preview"]) {
			preview[st.Sid] = st
		}
		assert.Equal(t, []string{"s3:PutObject", "s3:DeleteObject"}, preview["LockState"].Action, "a preview writes only lock objects")
		assert.True(t, strings.HasSuffix(preview["LockState"].Resource[0], "/.pulumi/locks/*"), preview["LockState"].Resource)
		assert.Equal(t, []string{"kms:Decrypt"}, preview["SecretsProviderKey"].Action)
		if name == "workshop" {
			// It reads the Cloudflare token the workshop's DNS looks up.
			token := stack(t, "workshop").Config.DNS.Cloudflare.APITokenSecretID
			require.NotEmpty(t, token)
			assert.Equal(t, []string{"secretsmanager:GetSecretValue"}, preview["PreviewSecrets"].Action)
			assert.Equal(t, []string{"arn:aws:secretsmanager:*:123456789012:secret:" + token + "-??????"}, preview["PreviewSecrets"].Resource)
		}

		// The deploy role may not touch the CI identities nor hand out
		// AdministratorAccess.
		deploy := map[string]statement{}
		for _, st := range inlinePolicy(t, r, roles["github-deploy"]) {
			deploy[st.Sid] = st
		}
		assert.Equal(t, "Deny", deploy["ProtectCIIdentities"].Effect)
		assert.Len(t, deploy["ProtectCIIdentities"].Resource, 3)
		assert.Equal(t, "Deny", deploy["NoAdministratorAccess"].Effect)
	}
}

// The deploy role's services cover every AWS resource type the stacks
// register: a new kind of resource is a change to the role too.
func TestGitHubDeployRoleCoversTheStacksServices(t *testing.T) {
	t.Parallel()
	// pulumi-aws module → IAM service prefix(es)
	prefixes := map[string][]string{
		"amp": {"aps"}, "lb": {"elasticloadbalancing"}, "vpc": {"ec2"}, "ec2transitgateway": {"ec2"},
		"cloudwatch": {"cloudwatch", "logs", "events"}, "costexplorer": {"ce"},
		"cfg": {"config"}, "accessanalyzer": {"access-analyzer"},
	}
	granted := map[string]bool{"iam": true, "s3": true}
	for _, s := range state.DeployServices {
		granted[s] = true
	}
	for _, name := range []string{"prod", "workshop"} {
		for _, res := range stack(t, name).Resources {
			module, ok := strings.CutPrefix(res.Type, "aws:")
			if !ok {
				continue
			}
			module, _, _ = strings.Cut(module, "/")
			ps, ok := prefixes[module]
			if !ok {
				ps = []string{module}
			}
			for _, p := range ps {
				assert.True(t, granted[p], "%s (%s) needs %s in state.DeployServices", res.Type, name, p)
			}
		}
	}
}

func TestBootstrapGitHubConfigRules(t *testing.T) {
	t.Parallel()
	base := map[string]string{
		"tags": `{"owner":"a","costCenter":"b"}`, "region": "us-east-2", "replicaRegion": "us-west-2",
		"deployerRoleArns": `["arn:aws:iam::123456789012:role/d"]`,
	}
	for github, want := range map[string]string{
		`{"repository":"platformeng"}`:                                  `github.repository: got "platformeng"; must be the repository as owner/name`,
		`{"repository":"acme/*"}`:                                       `github.repository: got "acme/*"; must be the repository as owner/name`,
		`{"repository":"acme/p","environment":"prod*"}`:                 `github.environment: got "prod*"; must be a GitHub environment name`,
		`{"repository":"acme/p","branch":"release/*"}`:                  `github.branch: got "release/*"; must be a branch name without wildcards`,
		`{"repository":"acme/p","environment":"prod","colour":"green"}`: `github.colour: got "set"; unknown key`,
		`{"repository":"acme/p","previewSecrets":["coder/*"]}`:          `github.previewSecrets[0]: got "coder/*"; must be a Secrets Manager secret name`,
	} {
		values := map[string]string{"github": github}
		for k, v := range base {
			values[k] = v
		}
		_, err := config.LoadBootstrap(bootstrap.Project, "x", config.MapSource{Values: values})
		require.Error(t, err, github)
		assert.Contains(t, err.Error(), want, github)
	}
	values := map[string]string{"github": `{"repository":"acme/p"}`}
	for k, v := range base {
		values[k] = v
	}
	b, err := config.LoadBootstrap(bootstrap.Project, "prod", config.MapSource{Values: values})
	require.NoError(t, err)
	assert.Equal(t, &config.GitHub{Repository: "acme/p", Environment: "prod", Branch: "main"}, b.GitHub, "defaults: the stack's environment, main")
}
