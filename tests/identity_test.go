package tests

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/internal/preview"
)

const (
	tConfiguration = "coder:delivery:Configuration"
	tCronJob       = "kubernetes:batch/v1:CronJob"
	tRotationFn    = "aws:lambda/function:Function"
)

// configuration is the Day-2 configuration component with its Job and
// CronJob.
func configuration(t *testing.T, r *preview.Result) (cfg, job, cron *preview.Resource) {
	t.Helper()
	all := r.OfType(tConfiguration)
	require.Len(t, all, 1, "one Day-2 configuration, in the control plane")
	cfg = all[0]
	for _, res := range r.Resources {
		if res.Parent != cfg.URN {
			continue
		}
		switch res.Type {
		case tJob:
			job = res
		case tCronJob:
			cron = res
		}
	}
	require.NotNil(t, job)
	require.NotNil(t, cron)
	return cfg, job, cron
}

// The Day-2 configuration declares the licence, the owners and the groups
// the templates are granted to, runs as its own service account with the
// automation token, and every template delivery waits for it.
func TestDay2ConfigurationAsRegistered(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	cfg, job, cron := configuration(t, r)
	assert.Equal(t, []any{"platform-lead@acme-corp.com", "sre-lead@acme-corp.com"}, mustInput(t, cfg, "owners").Mappable())
	assert.True(t, boolean(cfg, "licensed"))
	plain, secret := jobEnv(t, job)
	assert.Equal(t, "platform-lead@acme-corp.com,sre-lead@acme-corp.com", plain["OWNERS"])
	assert.Equal(t, "0", plain["SUSPEND_INACTIVE_DAYS"], "prod deprovisions through SCIM")
	// Group sync, held in coderd's settings of the templates' organization.
	assert.Equal(t, "default", plain["DAY2_ORGANIZATION"])
	assert.Equal(t, "groups", plain["DAY2_GROUP_SYNC_FIELD"])
	assert.Equal(t, "^(developers|platform-engineers|data-scientists|windows-developers)$", plain["DAY2_GROUP_SYNC_REGEX"])
	assert.Equal(t, "true", plain["DAY2_GROUP_SYNC_AUTO_CREATE"])
	assert.Equal(t, "", plain["DAY2_GROUP_SYNC_MAPPING"], "prod's IdP groups carry the Coder names")
	// Everyone carries the quota (the most any template allows, one credit
	// per workspace); the granted groups exist before delivery, empty.
	assert.Equal(t, "default Everyone 3\ndefault data-scientists 0\ndefault developers 0\ndefault platform-engineers 0\ndefault windows-developers 0", plain["DAY2_GROUPS"])
	assert.Equal(t, "external_provisioner_daemons,high_availability,template_rbac,access_control,advanced_template_scheduling,user_role_management,scim,audit_log,aibridge,workspace_prebuilds",
		plain["LICENSED_FEATURES"])
	assert.Equal(t, "https://coder.acme-corp.com", plain["CODER_URL"])
	assert.Equal(t, "coder/prod/us-east-1/admin-token", plain["TOKEN_SECRET"])
	assert.Equal(t, map[string]string{"CODER_SESSION_TOKEN": "coder-configuration/token", "CODER_LICENSE": "coder-configuration/license"}, secret)
	assert.Equal(t, coder.ConfigServiceAccount, str(job, "spec.template.spec.serviceAccountName"))
	assert.Equal(t, coder.ConfigurationSchedule, str(cron, "spec.schedule"))
	assert.Equal(t, "Forbid", str(cron, "spec.concurrencyPolicy"))
	// A new licence version replaces the Job, so it runs again.
	v, ok := job.InputAt("spec", "template", "metadata", "annotations", "coder.com/license-version")
	require.True(t, ok)
	assert.Equal(t, "offline-preview", v.StringValue(), "the licence secret's current version")

	// Only its role reads the automation token and the licence.
	role := roleByDescription(t, r, "us-east-1", "Day-2 configuration")
	names := map[string]bool{}
	for _, s := range inlinePolicy(t, r, role) {
		for _, res := range s.Resource {
			if n := secretNameOfArn(res); n != "" {
				names[n] = true
			}
		}
	}
	assert.Equal(t, map[string]bool{"coder/prod/us-east-1/admin-token": true, "coder/prod/us-east-1/license": true}, names)

	for name, d := range deliveries(t, r) {
		assert.Contains(t, d.job.Dependencies, job.URN, "%s is delivered after the groups exist", name)
	}
}

// Until the automation token holds a value, neither the configuration nor
// template delivery runs, and the preview names the secret to fill.
func TestDay2ConfigurationWaitsForItsToken(t *testing.T) {
	t.Parallel()
	p := project(t)
	r, err := preview.Run(p, "prod", "", preview.FirstRun(), preview.At(testNow))
	require.NoError(t, err)
	assert.Empty(t, r.OfType(tConfiguration))
	assert.Empty(t, r.OfType(tTemplate))
	var pending string
	for _, d := range r.Diagnostics {
		pending += d.Message
	}
	assert.Contains(t, pending, "coder/prod/us-east-1/admin-token")
	assert.Contains(t, pending, "coder/prod/us-east-1/license")
}

// Every credential carries its owner, lifetime, rotation and runbook; the
// coderd tokens rotate with the rotation function at half their lifetime.
func TestCredentialsRotateOrAlarm(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	auto := map[string]bool{}
	for _, s := range r.OfType(tSecret) {
		name := str(s, "name")
		assert.NotEmpty(t, tag(s, "coder:owner"), name)
		assert.NotEmpty(t, tag(s, "coder:runbook"), name)
		assert.Contains(t, []string{"manual", "automatic"}, tag(s, "coder:rotation"), name)
		if tag(s, "coder:rotation") == "automatic" {
			auto[strings.TrimPrefix(name, "coder/prod/us-east-1/")] = true
		}
	}
	assert.Equal(t, map[string]bool{"admin-token": true, "template-admin-token": true, "provisioner-queue-token": true}, auto)
	days := map[string]string{}
	for _, rot := range r.OfType(tSecretRot) {
		if strings.Contains(str(rot, "secretId"), "rds!cluster") {
			continue
		}
		days[secretNameOfArn(str(rot, "secretId"))] = str(rot, "rotationRules.scheduleExpression")
		assert.False(t, boolean(rot, "rotateImmediately"), "the operator just put it")
		require.Len(t, rot.PropertyDependencies["rotationLambdaArn"], 1)
		assert.Contains(t, rot.PropertyDependencies["rotationLambdaArn"][0], "token-rotation")
	}
	assert.Equal(t, map[string]string{
		"coder/prod/us-east-1/admin-token":             "rate(3 days)",  // 7-day owner tokens
		"coder/prod/us-east-1/template-admin-token":    "rate(45 days)", // 90-day tokens (SCIM on)
		"coder/prod/us-east-1/provisioner-queue-token": "rate(45 days)",
	}, days)
	var fns []string
	for _, f := range r.OfType(tRotationFn) {
		fns = append(fns, str(f, "handler"))
	}
	assert.Subset(t, fns, []string{"index.age_handler", "index.rotate_handler"})
	assert.True(t, slices.Contains(fns, "index.rotate_handler"))
}

// docs/identity.md's credential table covers every secret either stack
// holds, and says "automatic" exactly for the ones that rotate themselves.
func TestCredentialInventoryIsDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(repoPath(t, "docs/identity.md"))
	require.NoError(t, err)
	rows := map[string]string{} // purpose pattern → rotation column
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 6 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		name := strings.Trim(strings.Fields(strings.TrimSpace(cells[1]))[0], "`")
		rows[name] = strings.TrimSpace(cells[4])
	}
	placeholder := regexp.MustCompile(`/[^/]+$`)
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		for _, s := range r.OfType(tSecret) {
			purpose := tag(s, "coder:purpose")
			row, ok := rows[purpose]
			if !ok {
				row, ok = rows[placeholder.ReplaceAllStringFunc(purpose, func(string) string {
					if strings.HasPrefix(purpose, "external-auth/") {
						return "/<id>"
					}
					return "/<org>"
				})]
			}
			require.True(t, ok, "%s: %s is in docs/identity.md's credential table", name, purpose)
			auto := slices.Contains([]string{coder.PurposeAdminToken, coder.PurposeTemplateToken, coder.PurposeQueueToken}, purpose)
			assert.Equal(t, auto, strings.HasPrefix(row, "automatic"), "%s: %s rotation", name, purpose)
		}
	}
}
