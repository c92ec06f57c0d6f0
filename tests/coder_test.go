package tests

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

// release returns the Helm release of a chart and name in a region.
func release(t *testing.T, r *preview.Result, region, chart, name string) *preview.Resource {
	t.Helper()
	for _, rel := range r.OfType(tHelmRelease) {
		if r.RegionOf(rel) == region && str(rel, "chart") == chart && str(rel, "name") == name {
			return rel
		}
	}
	t.Fatalf("no %s release %q in %s", chart, name, region)
	return nil
}

// coderValues are the registered values under the charts' coder key.
func coderValues(t *testing.T, rel *preview.Resource) map[string]any {
	t.Helper()
	values := preview.PlainValue(mustInput(t, rel, "values")).(map[string]any)
	return values["coder"].(map[string]any)
}

// envOf maps env names to a plain value or "secret:<name>/<key>".
func envOf(t *testing.T, values map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range values["env"].([]any) {
		em := e.(map[string]any)
		name := em["name"].(string)
		require.NotContains(t, out, name, "env %s is set twice", name)
		if from, ok := em["valueFrom"].(map[string]any); ok {
			ref := from["secretKeyRef"].(map[string]any)
			out[name] = "secret:" + ref["name"].(string) + "/" + ref["key"].(string)
			continue
		}
		out[name] = em["value"].(string)
	}
	return out
}

// statement is one IAM policy statement as registered.
type statement struct {
	Sid       string
	Effect    string
	Action    []string
	Resource  []string
	Condition map[string]any
}

// policyOf parses an IAM policy document input.
func policyOf(t *testing.T, doc string) []statement {
	t.Helper()
	var raw struct {
		Statement []map[string]any
	}
	require.NoError(t, json.Unmarshal([]byte(doc), &raw), doc)
	var out []statement
	for _, s := range raw.Statement {
		st := statement{Action: asStrings(s["Action"]), Resource: asStrings(s["Resource"])}
		st.Sid, _ = s["Sid"].(string)
		st.Effect, _ = s["Effect"].(string)
		st.Condition, _ = s["Condition"].(map[string]any)
		out = append(out, st)
	}
	return out
}

func asStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

// roleByDescription finds an IAM role of a region by its description prefix.
func roleByDescription(t *testing.T, r *preview.Result, region, prefix string) *preview.Resource {
	t.Helper()
	for _, role := range r.OfType(tRole) {
		if regionOf(r, role) == region && strings.HasPrefix(str(role, "description"), prefix) {
			return role
		}
	}
	t.Fatalf("no role %q… in %s", prefix, region)
	return nil
}

// inlinePolicy is the policy of a role's RolePolicy child.
func inlinePolicy(t *testing.T, r *preview.Result, role *preview.Resource) []statement {
	t.Helper()
	for _, rp := range r.OfType(tRolePolicy) {
		if rp.Parent == role.URN {
			return policyOf(t, str(rp, "policy"))
		}
	}
	t.Fatalf("role %s has no inline policy", role.Name)
	return nil
}

// secretNameOfArn reads the name out of a Secrets Manager ARN.
func secretNameOfArn(arn string) string {
	_, after, ok := strings.Cut(arn, ":secret:")
	if !ok {
		return ""
	}
	return after[:strings.LastIndex(after, "-")]
}

func TestCoderServerReleaseValues(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	cfg := r.Config
	rel := release(t, r, "us-east-1", "coder", "coder")
	assert.Equal(t, "coder", str(rel, "namespace"))
	assert.Equal(t, "2.35.1", str(rel, "version"), "the chart follows the one Coder version")
	assert.Equal(t, "https://helm.coder.com/v2", str(rel, "repositoryOpts.repo"))
	v := coderValues(t, rel)
	// The region's own ECR registry, GHCR's cache path, the tag pinned to
	// the control plane's digest (docs/images.md).
	img := v["image"].(map[string]any)
	assert.Equal(t, "123456789012.dkr.ecr.us-east-1.amazonaws.com/github/coder/coder", img["repo"])
	assert.Regexp(t, `^v2\.35\.1@sha256:[0-9a-f]{64}$`, img["tag"])
	assert.Equal(t, false, v["workspaceProxy"])
	// 3,000 users: Coder's validated architecture, 4 × 4 vCPU / 12Gi, requests = limits.
	assert.Equal(t, float64(4), v["replicaCount"])
	size := map[string]any{"cpu": "4", "memory": "12Gi"}
	assert.Equal(t, map[string]any{"requests": size, "limits": size}, v["resources"])
	assert.Equal(t, cfg.Capacity().Coderd.Replicas, 4)
	// On coder-control only, spread across zones, never evicted by the autoscaler.
	assert.Equal(t, map[string]any{"coder-control": "true"}, v["nodeSelector"])
	assert.Equal(t, []any{map[string]any{"key": "coder-control", "operator": "Equal", "value": "true", "effect": "NoSchedule"}}, v["tolerations"])
	spread := v["topologySpreadConstraints"].([]any)[0].(map[string]any)
	assert.Equal(t, "topology.kubernetes.io/zone", spread["topologyKey"])
	assert.Equal(t, "DoNotSchedule", spread["whenUnsatisfiable"])
	assert.Equal(t, map[string]any{"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"}, v["podAnnotations"])
	assert.Equal(t, map[string]any{"enabled": true}, v["readinessProbe"])
	// Plain HTTP stays inside the cluster: the NLB binds the pods directly.
	assert.Equal(t, "ClusterIP", v["service"].(map[string]any)["type"])
	sa := v["serviceAccount"].(map[string]any)
	assert.Equal(t, "coder", sa["name"])
	assert.Equal(t, true, sa["disableCreate"])

	e := envOf(t, v)
	pg, err := url.Parse(e["CODER_PG_CONNECTION_URL"])
	require.NoError(t, err)
	_, hasPassword := pg.User.Password()
	assert.False(t, hasPassword, "IAM auth: the URL holds no password")
	assert.Equal(t, "coder", pg.User.Username())
	assert.Equal(t, "require", pg.Query().Get("sslmode"))
	assert.True(t, strings.HasSuffix(pg.Host, ".us-east-1.rds.amazonaws.com:5432"), pg.Host)
	delete(e, "CODER_PG_CONNECTION_URL")
	assert.Equal(t, map[string]string{
		"CODER_ACCESS_URL":                          "https://coder.acme-corp.com",
		"CODER_WILDCARD_ACCESS_URL":                 "*.coder.acme-corp.com",
		"CODER_PROVISIONER_DAEMONS":                 "0",
		"CODER_PG_AUTH":                             "awsiamrds",
		"CODER_PG_CONN_MAX_OPEN":                    "30",
		"CODER_PROMETHEUS_ENABLE":                   "true",
		"CODER_PROMETHEUS_COLLECT_AGENT_STATS":      "true",
		"CODER_PROMETHEUS_COLLECT_DB_METRICS":       "true",
		"CODER_PROMETHEUS_AGGREGATE_AGENT_STATS_BY": "agent_name",
		"CODER_QUIET_HOURS_DEFAULT_SCHEDULE":        "CRON_TZ=America/New_York 0 18 * * *",
		"CODER_ALLOW_CUSTOM_QUIET_HOURS":            "false",
		"CODER_SECURE_AUTH_COOKIE":                  "true",
		"CODER_DISABLE_PATH_APPS":                   "true",
		"CODER_STRICT_TRANSPORT_SECURITY":           "31536000",
		"CODER_LOGGING_HUMAN":                       "/dev/null",
		"CODER_LOGGING_JSON":                        "/dev/stderr",
		"CODER_OIDC_ISSUER_URL":                     "https://login.acme-corp.com/oauth2/default",
		"CODER_OIDC_CLIENT_ID":                      "0oa1c0derpl4tf0rm",
		"CODER_OIDC_CLIENT_SECRET":                  "secret:coderd-secrets/oidc-client-secret",
		"CODER_OIDC_EMAIL_DOMAIN":                   "acme-corp.com",
		"CODER_OIDC_SCOPES":                         "openid,profile,email,groups",
		"CODER_OIDC_SIGN_IN_TEXT":                   "Sign in with Acme SSO",
		// Identity (coder.oidc.groups, coder.oidc.roles, coder.identity). IdP
		// values named like a site role are mapped to nothing: coderd would
		// grant an unmapped value as the role it names.
		"CODER_OIDC_GROUP_FIELD":               "groups",
		"CODER_OIDC_GROUP_MAPPING":             "{}",
		"CODER_OIDC_GROUP_AUTO_CREATE":         "true",
		"CODER_OIDC_GROUP_REGEX_FILTER":        "^(developers|platform-engineers|data-scientists|windows-developers)$",
		"CODER_OIDC_USER_ROLE_FIELD":           "groups",
		"CODER_OIDC_USER_ROLE_MAPPING":         `{"auditor":[],"coder-platform-admins":["user-admin"],"coder-platform-owners":["owner"],"coder-security-audit":["auditor"],"coder-template-owners":["template-admin"],"owner":[],"template-admin":[],"user-admin":[]}`,
		"CODER_SESSION_DURATION":               "8h0m0s",
		"CODER_DISABLE_SESSION_EXPIRY_REFRESH": "false",
		"CODER_MAX_TOKEN_LIFETIME":             "2160h0m0s",
		"CODER_MAX_ADMIN_TOKEN_LIFETIME":       "168h0m0s",
		"CODER_DISABLE_OWNER_WORKSPACE_ACCESS": "true",
		"CODER_DISABLE_PASSWORD_AUTH":          "true",
		"CODER_SCIM_AUTH_HEADER":               "secret:coderd-secrets/scim-auth-header",
		"CODER_EXTERNAL_AUTH_0_ID":             "github",
		"CODER_EXTERNAL_AUTH_0_TYPE":           "github",
		"CODER_EXTERNAL_AUTH_0_CLIENT_ID":      "Iv1.acmec0der000001",
		"CODER_EXTERNAL_AUTH_0_CLIENT_SECRET":  "secret:coderd-secrets/external-auth-github",
		"CODER_AI_GATEWAY_ENABLED":             "true",
	}, e)
}

// The Kubernetes secret coderd reads is synced from Secrets Manager, from
// containers this stack created with the secrets key.
func TestCoderServerSecretsComeFromSecretsManager(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	var es *preview.Resource
	for _, x := range r.OfType(tExternalSecret) {
		if str(x, "metadata.name") == "coderd-secrets" {
			es = x
		}
	}
	require.NotNil(t, es)
	assert.Equal(t, "coder", str(es, "metadata.namespace"))
	assert.Equal(t, "aws-coder", str(es, "spec.secretStoreRef.name"))
	got := map[string]string{}
	data, _ := es.Input("spec.data")
	for _, d := range data.ArrayValue() {
		dm := d.ObjectValue()
		got[dm["secretKey"].StringValue()] = dm["remoteRef"].ObjectValue()["key"].StringValue()
	}
	assert.Equal(t, map[string]string{
		"oidc-client-secret":   "coder/prod/us-east-1/oidc-client-secret",
		"external-auth-github": "coder/prod/us-east-1/external-auth/github",
		"scim-auth-header":     "coder/prod/us-east-1/scim-auth-header",
	}, got)
	secrets := map[string]*preview.Resource{}
	for _, s := range r.OfType(tSecret) {
		secrets[str(s, "name")] = s
	}
	for _, name := range got {
		s := secrets[name]
		require.NotNil(t, s, name)
		assert.Equal(t, "secrets", tag(keyByArn(r, str(s, "kmsKeyId")), "coder:key-purpose"), name)
		assert.True(t, s.Protect, name)
		assert.Equal(t, "manual", tag(s, "coder:rotation"), name)
		assert.Equal(t, "90", tag(s, "coder:rotation-days"), name)
	}
}

func TestCoderServerRoleIsScopedToItsSecretsAndDatabaseUser(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	role := roleByDescription(t, r, "us-east-1", "CoderServerRole")
	trust := policyOf(t, str(role, "assumeRolePolicy"))
	require.Len(t, trust, 1)
	assert.Contains(t, mustJSON(t, trust[0].Condition), `:sub":"system:serviceaccount:coder:coder"`)
	stmts := inlinePolicy(t, r, role)
	names := map[string]bool{}
	var dbUsers []string
	for _, s := range stmts {
		for _, a := range s.Action {
			switch {
			case strings.HasPrefix(a, "secretsmanager:"):
				for _, res := range s.Resource {
					names[secretNameOfArn(res)] = true
				}
			case a == "rds-db:connect":
				dbUsers = append(dbUsers, s.Resource...)
			case a == "kms:Decrypt":
				assert.Equal(t, map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}, s.Condition)
			default:
				t.Errorf("CoderServerRole has unexpected action %s", a)
			}
		}
	}
	assert.Equal(t, map[string]bool{"coder/prod/us-east-1/external-auth/github": true, "coder/prod/us-east-1/oidc-client-secret": true,
		"coder/prod/us-east-1/scim-auth-header": true}, names)
	require.Len(t, dbUsers, 1)
	assert.Regexp(t, `^arn:aws:rds-db:us-east-1:123456789012:dbuser:cluster-[A-Z0-9]+/coder$`, dbUsers[0])
}

// With password auth the connection URL comes from Secrets Manager too,
// and coderd loses rds-db:connect.
func TestPasswordAuthReadsTheURLFromSecretsManager(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "prod")
	var c map[string]any
	require.NoError(t, json.Unmarshal([]byte(sf.Values["coder"]), &c))
	c["pgAuth"] = "password"
	sf.Values["coder"] = mustJSON(t, c)
	r, err := preview.RunStackFile("coder-platform", "prod", sf, preview.At(testNow))
	require.NoError(t, err)
	e := envOf(t, coderValues(t, release(t, r, "us-east-1", "coder", "coder")))
	assert.Equal(t, "password", e["CODER_PG_AUTH"])
	assert.Equal(t, "secret:coderd-secrets/pg-connection-url", e["CODER_PG_CONNECTION_URL"])
	assert.Empty(t, bootstrapJobs(r), "no IAM user to bootstrap")
	for _, s := range inlinePolicy(t, r, roleByDescription(t, r, "us-east-1", "CoderServerRole")) {
		assert.NotContains(t, s.Action, "rds-db:connect")
	}
}

// The bootstrap Job creates coderd's IAM user with the master secret,
// which only its own role may read.
func TestDatabaseBootstrapJob(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	jobs := bootstrapJobs(r)
	require.Len(t, jobs, 1)
	job := jobs[0]
	c := mustInput(t, job, "spec.template.spec.containers").ArrayValue()[0].ObjectValue()
	cmd := asSlice(preview.PlainValue(c["command"]))
	sql := cmd[len(cmd)-1].(string)
	assert.Contains(t, sql, "GRANT rds_iam TO coder;")
	assert.Contains(t, sql, "CREATE ROLE coder LOGIN")
	env := map[string]any{}
	for _, e := range asSlice(preview.PlainValue(c["env"])) {
		em := e.(map[string]any)
		env[em["name"].(string)] = em["value"]
		if em["value"] == nil {
			env[em["name"].(string)] = em["valueFrom"]
		}
	}
	assert.Equal(t, "require", env["PGSSLMODE"])
	assert.Equal(t, map[string]any{"secretKeyRef": map[string]any{"name": "coder-db-master", "key": "password"}}, env["PGPASSWORD"])
	role := roleByDescription(t, r, "us-east-1", "Creates coderd's IAM database user")
	for _, s := range inlinePolicy(t, r, role) {
		for _, res := range s.Resource {
			if strings.HasPrefix(s.Action[0], "secretsmanager:") {
				assert.Contains(t, res, ":secret:rds!cluster-", "only the RDS-managed master secret")
			}
		}
	}
}

func TestProvisionerReleaseValues(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	rel := release(t, r, "us-east-1", "coder-provisioner", "coder-provisioner-default")
	assert.Equal(t, "coder-prov", str(rel, "namespace"))
	assert.Equal(t, "2.35.1", str(rel, "version"))
	values := preview.PlainValue(mustInput(t, rel, "values")).(map[string]any)
	pd := values["provisionerDaemon"].(map[string]any)
	assert.Equal(t, "coder-provisioner-default-key", pd["keySecretName"])
	assert.Equal(t, "key", pd["keySecretKey"])
	assert.Equal(t, "", pd["pskSecretName"], "a scoped key, never the PSK")
	assert.Equal(t, float64(600), pd["terminationGracePeriodSeconds"])
	v := values["coder"].(map[string]any)
	assert.Regexp(t, `^v2\.35\.1@sha256:[0-9a-f]{64}$`, v["image"].(map[string]any)["tag"], "the version, pinned to its digest")
	// 180 concurrent builds at 1 vCPU / 1 GiB; autoscaling starts at a quarter.
	size := map[string]any{"cpu": "1", "memory": "1Gi"}
	assert.Equal(t, map[string]any{"requests": size, "limits": size}, v["resources"])
	assert.Equal(t, float64(45), v["replicaCount"], "ceil(180 / 4) ready at start; KEDA owns the count")
	assert.Equal(t, map[string]any{"coder-prov": "true"}, v["nodeSelector"])
	assert.Equal(t, []any{map[string]any{"key": "coder-prov", "operator": "Equal", "value": "true", "effect": "NoSchedule"}}, v["tolerations"])
	assert.Equal(t, map[string]any{"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"}, v["podAnnotations"])
	e := envOf(t, v)
	assert.Equal(t, "http://coder.coder.svc.cluster.local", e["CODER_URL"], "in-cluster, never leaving the cluster")
	assert.Equal(t, "true", e["CODER_PROMETHEUS_ENABLE"])
	assert.NotContains(t, e, "CODER_PROVISIONER_DAEMON_PSK")
	// The Terraform cache: a gp3-encrypted volume per pod at the cache directory.
	vol := v["volumes"].([]any)[0].(map[string]any)
	spec := vol["ephemeral"].(map[string]any)["volumeClaimTemplate"].(map[string]any)["spec"].(map[string]any)
	assert.Equal(t, "gp3-encrypted", spec["storageClassName"])
	assert.Equal(t, "10Gi", spec["resources"].(map[string]any)["requests"].(map[string]any)["storage"])
	assert.Equal(t, []any{map[string]any{"name": "terraform-cache", "mountPath": "/home/coder/.cache/coder"}}, v["volumeMounts"])
	assert.Equal(t, "/home/coder/.cache/coder", e["CODER_CACHE_DIRECTORY"])
	// Scale-down drains: SIGTERM lets the running build finish (coder
	// provisioner start: SIGTERM and SIGHUP drain, only SIGINT cancels), and
	// the hook waits for the daemon to exit.
	stop := v["lifecycle"].(map[string]any)["preStop"].(map[string]any)["exec"].(map[string]any)["command"].([]any)
	assert.Contains(t, stop[2], "kill -TERM 1")
	assert.NotContains(t, stop[2], "INT")

	// The key secret is synced from this org's Secrets Manager secret.
	for _, es := range r.OfType(tExternalSecret) {
		if str(es, "metadata.name") == "coder-provisioner-default-key" {
			data, _ := es.Input("spec.data")
			ref := data.ArrayValue()[0].ObjectValue()
			assert.Equal(t, "key", ref["secretKey"].StringValue())
			assert.Equal(t, "coder/prod/us-east-1/provisioner-keys/default", ref["remoteRef"].ObjectValue()["key"].StringValue())
			return
		}
	}
	t.Fatal("no ExternalSecret for the provisioner key")
}

// Every organization has its own release, key, role and service account.
func TestProvisionerPoolsPerOrganization(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	for _, region := range []string{"us-east-2", "us-west-2", "eu-west-2"} {
		keys := map[string]bool{}
		for _, org := range []string{"default", "demo"} {
			name := "coder-provisioner-" + org
			rel := release(t, r, region, "coder-provisioner", name)
			values := preview.PlainValue(mustInput(t, rel, "values")).(map[string]any)
			key := values["provisionerDaemon"].(map[string]any)["keySecretName"].(string)
			assert.Equal(t, name+"-key", key)
			keys[key] = true
			assert.Equal(t, name, values["coder"].(map[string]any)["serviceAccount"].(map[string]any)["name"])
			roleByDescription(t, r, region, "CoderProvRole ("+org+")")
		}
		assert.Len(t, keys, 2, region)
	}
	// demo is capped at its own 2 replicas: a fixed pool without a scaler.
	rel := release(t, r, "us-east-2", "coder-provisioner", "coder-provisioner-demo")
	assert.Equal(t, float64(2), coderValues(t, rel)["replicaCount"])
}

// Regression: the running jobs come from the provisioner pods, which are
// scraped into their own region's Prometheus (coderd runs no daemons); the
// pool read them from the control plane's, where they never are, and KEDA
// read the empty result as 0, so pools stayed at their minimum.
func TestProvisionerAutoscaling(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	amp := map[string]string{}
	for _, w := range r.OfType(tAMPWorkspace) {
		amp[regionOf(r, w)] = w.ID
	}
	scalers := r.OfType(tScaledObject)
	require.Len(t, scalers, 3, "the default pool of each region; demo is fixed")
	for _, s := range scalers {
		region := r.RegionOf(s)
		assert.Equal(t, "coder-provisioner-default", str(s, "spec.scaleTargetRef.name"))
		// min and max from config: 6–15 (the workshop table's range).
		assert.Equal(t, float64(6), num(s, "spec.minReplicaCount"), region)
		assert.Equal(t, float64(15), num(s, "spec.maxReplicaCount"), region)
		// Scale-down never kills a build: one pod per 5 minutes after 15 quiet
		// minutes, each draining within the 600 s grace period.
		down := mustInput(t, s, "spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown").ObjectValue()
		assert.Equal(t, float64(900), down["stabilizationWindowSeconds"].NumberValue())
		pol := down["policies"].ArrayValue()[0].ObjectValue()
		assert.Equal(t, "Pods", pol["type"].StringValue())
		assert.Equal(t, float64(1), pol["value"].NumberValue())
		// Two triggers add up in one formula, by name: the pool's running
		// builds from its own region's Prometheus, and the pending jobs
		// routed to its region, from coderd's API.
		assert.Equal(t, "running + pending", str(s, "spec.advanced.scalingModifiers.formula"), region)
		assert.Equal(t, "1", str(s, "spec.advanced.scalingModifiers.target"), region)
		triggers, _ := s.Input("spec.triggers")
		byName := map[string]resource.PropertyMap{}
		for _, tr := range triggers.ArrayValue() {
			byName[tr.ObjectValue()["name"].StringValue()] = tr.ObjectValue()
		}
		require.Len(t, byName, 2, region)
		running := byName["running"]["metadata"].ObjectValue()
		assert.Equal(t, "aws-amp", byName["running"]["authenticationRef"].ObjectValue()["name"].StringValue())
		assert.Equal(t, region, running["awsRegion"].StringValue(), "its own Prometheus")
		assert.Contains(t, running["serverAddress"].StringValue(), amp[region])
		assert.Equal(t, `sum(coderd_provisionerd_jobs_current{namespace="coder-prov",service="coder-provisioner-default-metrics"}) or vector(0)`,
			running["query"].StringValue())
		pending := byName["pending"]
		assert.Equal(t, "metrics-api", pending["type"].StringValue())
		assert.Equal(t, "coderd-queue", pending["authenticationRef"].ObjectValue()["name"].StringValue())
		md := pending["metadata"].ObjectValue()
		u, err := url.Parse(md["url"].StringValue())
		require.NoError(t, err)
		assert.Equal(t, "/api/v2/organizations/default/provisionerjobs", u.Path)
		assert.Equal(t, "pending", u.Query().Get("status"))
		assert.JSONEq(t, `{"region":"`+region+`"}`, u.Query().Get("tags"), "only the jobs routed to this region")
		coderHost := "ai.coder-workshop.dev"
		if region == "us-east-2" {
			coderHost = "coder.coder.svc.cluster.local"
		}
		assert.Equal(t, coderHost, u.Host, region)
		assert.Equal(t, "#", md["valueLocation"].StringValue(), "the number of jobs returned")
		assert.Equal(t, "Coder-Session-Token", md["keyParamName"].StringValue())
		assert.Equal(t, "apiKey", md["authMode"].StringValue())
		// The scrape reaches the pods: the pool's metrics Service exists and
		// the provisioner namespace lets the scraper's ENIs in on 2112.
		svc := false
		for _, x := range r.OfType("kubernetes:core/v1:Service") {
			if r.RegionOf(x) == region && str(x, "metadata.name") == "coder-provisioner-default-metrics" &&
				str(x, "metadata.namespace") == "coder-prov" {
				svc = true
			}
		}
		assert.True(t, svc, "%s: the pool's metrics Service", region)
	}
	for _, region := range []string{"us-east-2", "us-west-2", "eu-west-2"} {
		var controlCIDRs []string
		for _, sn := range r.OfType(tSubnet) {
			if regionOf(r, sn) == region && tag(sn, "coder:tier") == "private-control" {
				controlCIDRs = append(controlCIDRs, str(sn, "cidrBlock"))
			}
		}
		require.Len(t, controlCIDRs, 3, region)
		var found bool
		for _, np := range r.OfType(tNetPol) {
			if r.RegionOf(np) != region || str(np, "metadata.namespace") != "coder-prov" || str(np, "metadata.name") != "allow-metrics-scrape" {
				continue
			}
			found = true
			rule := mustInput(t, np, "spec.ingress").ArrayValue()[0].ObjectValue()
			var from []string
			for _, f := range rule["from"].ArrayValue() {
				from = append(from, f.ObjectValue()["ipBlock"].ObjectValue()["cidr"].StringValue())
			}
			assert.ElementsMatch(t, controlCIDRs, from, "the scraper's ENIs live in the control subnets")
			port := rule["ports"].ArrayValue()[0].ObjectValue()
			assert.Equal(t, float64(2112), port["port"].NumberValue())
		}
		assert.True(t, found, "%s: the scrape may pass the provisioners' default-deny", region)
	}
	// KEDA may query its own region's workspace only.
	for _, role := range r.OfType(tRole) {
		if !strings.HasPrefix(str(role, "description"), "KEDA") {
			continue
		}
		region := regionOf(r, role)
		want := []string{fmt.Sprintf("arn:aws:aps:%s:123456789012:workspace/%s", region, amp[region])}
		for _, st := range inlinePolicy(t, r, role) {
			assert.Equal(t, want, st.Resource, region)
		}
	}
}

func TestProxyReleaseValues(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	tokens := map[string]bool{}
	for _, c := range []struct{ region, host string }{
		{"us-west-2", "oregon-proxy.coder-workshop.dev"}, {"eu-west-2", "emea-proxy.coder-workshop.dev"},
	} {
		v := coderValues(t, release(t, r, c.region, "coder", "coder"))
		assert.Equal(t, true, v["workspaceProxy"])
		assert.Equal(t, float64(2), v["replicaCount"], "sized like coderd for the region's 15 users")
		e := envOf(t, v)
		assert.Equal(t, "https://ai.coder-workshop.dev", e["CODER_PRIMARY_ACCESS_URL"])
		assert.Equal(t, "https://"+c.host, e["CODER_ACCESS_URL"])
		assert.Equal(t, "*."+c.host, e["CODER_WILDCARD_ACCESS_URL"])
		assert.Equal(t, "secret:coder-proxy-token/token", e["CODER_PROXY_SESSION_TOKEN"])
		for name := range e {
			assert.False(t, strings.HasPrefix(name, "CODER_PG_"), "proxies never reach the database: %s", name)
		}
		// The token comes from this proxy's own Secrets Manager secret.
		for _, es := range r.OfType(tExternalSecret) {
			if r.RegionOf(es) == c.region && str(es, "metadata.name") == "coder-proxy-token" {
				data, _ := es.Input("spec.data")
				key := data.ArrayValue()[0].ObjectValue()["remoteRef"].ObjectValue()["key"].StringValue()
				assert.Equal(t, "coder/workshop/"+c.region+"/proxy-session-token", key)
				tokens[key] = true
			}
		}
	}
	assert.Len(t, tokens, 2, "one token per proxy")
}

// assertProxyTokenSecrets checks that each of the workshop's two proxies
// gets its token as a Kubernetes secret registered as a secret.
func assertProxyTokenSecrets(t *testing.T, r *preview.Result) {
	t.Helper()
	found := 0
	for _, s := range r.OfType("kubernetes:core/v1:Secret") {
		if str(s, "metadata.name") == "coder-proxy-token" {
			found++
			assert.True(t, s.Inputs["stringData"].IsSecret(), "the token is registered as a secret")
		}
	}
	assert.Equal(t, 2, found)
}

// A token in secret config becomes a Kubernetes secret, and never shows.
func TestProxyTokenFromSecretConfigIsNeverPrinted(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "workshop")
	const token = "wsp-tok-0123456789abcdef-oregon"
	sf.Values["proxySessionTokens"] = mustJSON(t, map[string]string{"us-west-2": token, "eu-west-2": token + "-emea"})
	sf.Secrets["proxySessionTokens"] = true
	r, err := preview.RunStackFile("coder-platform", "workshop", sf, preview.At(testNow))
	require.NoError(t, err)
	assertProxyTokenSecrets(t, r)
	for _, s := range r.OfType(tSecret) {
		assert.NotContains(t, str(s, "name"), "proxy-session-token", "no Secrets Manager container is needed")
	}
	var text strings.Builder
	r.WriteText(&text)
	assert.NotContains(t, text.String(), token)
	doc, err := json.Marshal(r.JSON())
	require.NoError(t, err)
	assert.NotContains(t, string(doc), token)
}

// A sealed token (the offline preview of a stack file whose secure: value it
// cannot decrypt) still gives every proxy its Kubernetes secret, registered
// as a secret: the program never reads the placeholder.
func TestSealedProxyTokensPreview(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "workshop")
	sf.Values["proxySessionTokens"] = config.OfflineSecret
	sf.Secrets["proxySessionTokens"], sf.Sealed["proxySessionTokens"] = true, true
	r, err := preview.RunStackFile("coder-platform", "workshop", sf, preview.At(testNow))
	require.NoError(t, err)
	assertProxyTokenSecrets(t, r)
}

// One version per stack: every Coder image and chart in every region.
func TestOneCoderVersionEverywhere(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		want := r.Config.Coder.Version
		n := 0
		digests := map[string]bool{}
		for _, rel := range r.OfType(tHelmRelease) {
			chart := str(rel, "chart")
			if chart != "coder" && chart != "coder-provisioner" {
				continue
			}
			n++
			tag, digest, _ := strings.Cut(coderValues(t, rel)["image"].(map[string]any)["tag"].(string), "@")
			assert.Equal(t, want, tag, "%s %s in %s", chart, str(rel, "name"), r.RegionOf(rel))
			digests[digest] = true
			assert.Equal(t, strings.TrimPrefix(want, "v"), str(rel, "version"))
		}
		assert.Equal(t, map[string]int{"prod": 2, "workshop": 9}[name], n, name)
		assert.Len(t, digests, 1, "%s: every region runs one digest of the Coder image", name)
		for _, c := range r.OfType(tCoderComp) {
			assert.Equal(t, want, str(c, "version"))
		}
	}
}

func TestAIGateway(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	deps := r.OfType(tDeployment)
	require.Len(t, deps, 1)
	d := deps[0]
	assert.Equal(t, "us-east-2", r.RegionOf(d))
	assert.Equal(t, "coder", str(d, "metadata.namespace"))
	// 30 users: the workshop table's 6–8, at its 2 vCPU / 4 GiB.
	assert.Equal(t, float64(8), num(d, "spec.replicas"))
	c := mustInput(t, d, "spec.template.spec.containers").ArrayValue()[0].ObjectValue()
	size := map[string]any{"cpu": "2", "memory": "4Gi"}
	assert.Equal(t, map[string]any{"requests": size, "limits": size}, preview.PlainValue(c["resources"]))
	assert.Regexp(t, `^123456789012\.dkr\.ecr\.us-east-2\.amazonaws\.com/github/berriai/litellm:v1\.72\.6-stable@sha256:[0-9a-f]{64}$`,
		c["image"].StringValue(), "from the region's GHCR cache, by digest")
	args := strings.Join(asStrings(preview.PlainValue(c["args"])), " ")
	assert.Contains(t, args, "--ssl_certfile_path", "TLS on its only port")
	var svc *preview.Resource
	for _, s := range r.OfType("kubernetes:core/v1:Service") {
		if str(s, "metadata.name") == "litellm" {
			svc = s
		}
	}
	require.NotNil(t, svc)
	ports, _ := svc.Input("spec.ports")
	require.Len(t, ports.ArrayValue(), 1)
	assert.Equal(t, float64(443), ports.ArrayValue()[0].ObjectValue()["port"].NumberValue())
	// Bedrock only, for exactly the configured models, plus its own key.
	role := roleByDescription(t, r, "us-east-2", "AI gateway")
	for _, s := range inlinePolicy(t, r, role) {
		for _, a := range s.Action {
			ok := strings.HasPrefix(a, "bedrock:Invoke") || strings.HasPrefix(a, "secretsmanager:Get") ||
				strings.HasPrefix(a, "secretsmanager:Describe") || a == "kms:Decrypt"
			assert.True(t, ok, "AI gateway role has %s", a)
		}
		if s.Sid == "InvokeConfiguredModels" {
			assert.Contains(t, s.Resource, "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0")
			assert.Contains(t, s.Resource, "arn:aws:bedrock:*:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0")
		}
	}
	// prod uses Coder's AI bridge: no gateway.
	assert.Empty(t, stack(t, "prod").OfType(tDeployment))
}

// No IRSA role anywhere may grant a wildcard action on "*".
func TestNoWildcardActionsOnAllResources(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		n := 0
		for _, rp := range r.OfType(tRolePolicy) {
			n++
			for _, s := range policyOf(t, str(rp, "policy")) {
				if s.Effect == "Deny" {
					continue
				}
				for _, a := range s.Action {
					if !strings.Contains(a, "*") {
						continue
					}
					for _, res := range s.Resource {
						assert.NotEqual(t, "*", res, "%s %s: %s on *", name, rp.Name, a)
					}
				}
			}
		}
		assert.GreaterOrEqual(t, n, 9, name)
	}
}

func TestCoderProvRoleLaunchesOnlyIntoWorkspaceNetwork(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	role := roleByDescription(t, r, "us-east-1", "CoderProvRole (default)")
	trust := policyOf(t, str(role, "assumeRolePolicy"))
	assert.Contains(t, mustJSON(t, trust[0].Condition), `:sub":"system:serviceaccount:coder-prov:coder-provisioner-default"`)
	ix := indexOf(r)
	var passRole, subnets, groups []string
	for _, s := range inlinePolicy(t, r, role) {
		switch s.Sid {
		case "PassWorkspaceRoleOnly":
			passRole = s.Resource
			assert.Equal(t, map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}, s.Condition)
		case "LaunchIntoWorkspaceSubnets":
			subnets = s.Resource
			vpc := s.Condition["StringEquals"].(map[string]any)["ec2:Vpc"].(string)
			assert.Equal(t, tVpc, ix.byID[vpc[strings.LastIndex(vpc, "/")+1:]].Type)
		case "LaunchWithWorkspaceGroup":
			groups = s.Resource
		case "LaunchTaggedWorkspaces", "ManageOwnWorkspaces":
			assert.NotEmpty(t, s.Condition, s.Sid)
		}
		assert.NotContains(t, s.Action, "iam:*")
	}
	require.Len(t, passRole, 1)
	assert.Regexp(t, `^arn:aws:iam::123456789012:role/coder-prod-us-east-1-ws-instance$`, passRole[0])
	require.Len(t, subnets, 1)
	require.Len(t, groups, 1)
	sg := ix.byID[groups[0][strings.LastIndex(groups[0], "/")+1:]]
	require.NotNil(t, sg)
	assert.Equal(t, "workspace", tag(sg, "coder:sg"))
}

// The stack tells operators how to create each pool's scoped key.
func TestProvisionerKeyCommands(t *testing.T) {
	t.Parallel()
	cfg := stack(t, "workshop").Config
	rc := &cfg.Regions[1]
	assert.Equal(t, []string{
		`coder provisioner keys create us-west-2-default --org "$(coder organizations show default --only-id)" --tag region=us-west-2`,
		`coder provisioner keys create us-west-2-demo --org "$(coder organizations show demo --only-id)" --tag region=us-west-2`,
	}, stacks.ProvisionerKeyCommands(cfg, rc))
	tagged := *cfg
	tagged.Coder.Provisioners.Organizations = []config.ProvisionerOrg{{Name: "gpu", Tags: map[string]string{"arch": "gpu"}}}
	assert.Equal(t, []string{`coder provisioner keys create us-west-2-gpu --org "$(coder organizations show gpu --only-id)" --tag arch=gpu --tag region=us-west-2`},
		stacks.ProvisionerKeyCommands(&tagged, rc))
}

// The first `pulumi up` creates the secret containers but holds back every
// workload whose secret is still empty, and says what to fill.
func TestFirstRunWaitsForOperatorSecrets(t *testing.T) {
	t.Parallel()
	p := project(t)
	r, err := preview.Run(p, "workshop", "", preview.FirstRun(), preview.At(testNow))
	require.NoError(t, err)
	charts := map[string]int{}
	for _, rel := range r.OfType(tHelmRelease) {
		charts[str(rel, "chart")]++
	}
	assert.Zero(t, charts["coder"], "no coderd or proxy without its secrets")
	assert.Zero(t, charts["coder-provisioner"], "no provisioner without its key")
	assert.Equal(t, 3, charts["external-secrets"])
	assert.Empty(t, r.OfType(tScaledObject))
	assert.Empty(t, r.OfType("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"))
	assert.Len(t, r.OfType(tSecret), 23, "every container exists, ready to be filled (with the template-admin and queue tokens, the automation token, the licence and each region's GHCR and Docker Hub pull-through cache credentials)")
	assert.Empty(t, r.OfType(tTemplate), "templates wait for coderd and the template-admin token")
	assert.Len(t, r.OfType(tDeployment), 1, "the AI gateway generates its own key")
	var msgs []string
	for _, d := range r.Diagnostics {
		if d.Severity == stacks.Warning {
			msgs = append(msgs, d.Subject+": "+d.Message)
		}
	}
	assert.Contains(t, msgs, "us-west-2 coder: not started yet, waiting for values in coder/workshop/us-west-2/proxy-session-token, "+
		"coder/workshop/us-west-2/provisioner-queue-token, coder/workshop/us-west-2/provisioner-keys/default, coder/workshop/us-west-2/provisioner-keys/demo; "+
		"put them (docs/runbooks.md, first deployment) and run pulumi up again")
	// With the values in place (the committed preview), nothing waits.
	for _, d := range stack(t, "workshop").Diagnostics {
		assert.NotContains(t, d.Message, "not started yet")
	}
}

// bootstrapJobs are the database bootstrap Jobs (template delivery Jobs
// are Jobs too).
func bootstrapJobs(r *preview.Result) []*preview.Resource {
	var out []*preview.Resource
	for _, j := range r.OfType(tJob) {
		if strings.Contains(j.URN, "db-bootstrap") {
			out = append(out, j)
		}
	}
	return out
}
