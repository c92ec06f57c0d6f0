package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/templates/compose"
)

const tConfigMap = "kubernetes:core/v1:ConfigMap"

// deliveries maps each delivered template to its component and children.
type deliveryOf struct {
	template *preview.Resource
	job      *preview.Resource
	files    *preview.Resource
	vars     *preview.Resource
}

func deliveries(t *testing.T, r *preview.Result) map[string]deliveryOf {
	t.Helper()
	out := map[string]deliveryOf{}
	for _, tpl := range r.OfType(tTemplate) {
		d := deliveryOf{template: tpl}
		for _, res := range r.Resources {
			if res.Parent != tpl.URN {
				continue
			}
			switch {
			case res.Type == tJob:
				d.job = res
			case res.Type == tConfigMap && strings.HasSuffix(res.Name, "-files"):
				d.files = res
			case res.Type == tConfigMap && strings.HasSuffix(res.Name, "-vars"):
				d.vars = res
			}
		}
		require.NotNil(t, d.job, "%s has a Job", tpl.Name)
		out[str(tpl, "name")] = d
	}
	return out
}

func jobEnv(t *testing.T, job *preview.Resource) (plain map[string]string, fromSecret map[string]string) {
	t.Helper()
	c := mustInput(t, job, "spec.template.spec.containers").ArrayValue()[0].ObjectValue()
	plain, fromSecret = map[string]string{}, map[string]string{}
	for _, e := range c["env"].ArrayValue() {
		m := e.ObjectValue()
		name := m["name"].StringValue()
		if v, ok := m["value"]; ok {
			plain[name] = v.StringValue()
			continue
		}
		ref := m["valueFrom"].ObjectValue()["secretKeyRef"].ObjectValue()
		fromSecret[name] = ref["name"].StringValue() + "/" + ref["key"].StringValue()
	}
	return plain, fromSecret
}

// prod delivers the four default pairings to its control plane, each by a
// Job on the stack's pinned Coder CLI with the settings and groups of its
// composition; the token comes from a secret, never from plain env.
func TestProdDeliversTheDefaultTemplates(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	ds := deliveries(t, r)
	require.Len(t, ds, 4)
	groups := map[string]string{"pod-swdev": "developers,platform-engineers", "ec2-windev-gui": "windows-developers",
		"ec2-datasci": "data-scientists", "ec2-datasci-gpu": "data-scientists"}
	for name, d := range ds {
		plain, secret := jobEnv(t, d.job)
		c := mustInput(t, d.job, "spec.template.spec.containers").ArrayValue()[0].ObjectValue()
		assert.Regexp(t, `^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com/github/coder/coder:v2\.35\.1@sha256:[0-9a-f]{64}$`,
			c["image"].StringValue(), "%s: the region's cache of %s, by digest", name, coder.Image)
		assert.Equal(t, "https://coder.acme-corp.com", plain["CODER_URL"])
		assert.Equal(t, "default", plain["CODER_ORGANIZATION"])
		assert.Equal(t, name, plain["TEMPLATE_NAME"])
		assert.Equal(t, str(d.template, "versionName"), plain["TEMPLATE_VERSION"])
		assert.Contains(t, plain["TEMPLATE_VERSION"], str(d.template, "contentHash")[:12])
		assert.Equal(t, "11h0m0s", plain["DEFAULT_TTL"], "07:00-18:00")
		assert.Equal(t, "1h0m0s", plain["ACTIVITY_BUMP"])
		assert.Equal(t, "monday,tuesday,wednesday,thursday,friday", plain["AUTOSTART_DAYS"])
		assert.Equal(t, "false", plain["ALLOW_USER_AUTOSTOP"])
		assert.Equal(t, groups[name], plain["ACCESS_GROUPS"])
		assert.Contains(t, plain, "DEPRECATION_MESSAGE")
		assert.Empty(t, plain["DEPRECATION_MESSAGE"], "no delivered template is deprecated")
		assert.Equal(t, map[string]string{"CODER_SESSION_TOKEN": "coder-template-admin/token"}, secret)
		assert.NotContains(t, plain, "CODER_SESSION_TOKEN")
		assert.Equal(t, coder.TemplateServiceAccount, str(d.job, "spec.template.spec.serviceAccountName"))
		assert.Equal(t, "Never", str(d.job, "spec.template.spec.restartPolicy"))
		assert.Zero(t, num(d.job, "spec.ttlSecondsAfterFinished"), "a finished Job stays, or the next refresh re-runs it")
		// The ConfigMap holds the whole composed directory, immutably.
		require.NotNil(t, d.files)
		assert.True(t, boolean(d.files, "immutable"))
		for _, key := range []string{"main.tf", "base__main.tf", "provenance.json", "README.md"} {
			_, ok := d.files.InputAt("data", key)
			assert.True(t, ok, "%s: %s", name, key)
		}
		_, named := d.files.Input("metadata.name")
		assert.False(t, named, "auto-named: new content is a new ConfigMap and a new Job run")
	}
}

// EC2 templates receive the region's workspace network and identity as
// variables; pod templates the namespace, service account and images.
func TestTemplateVariables(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	ds := deliveries(t, r)
	vars := func(name string) string {
		v, ok := ds[name].vars.InputAt("data", "variables.yaml")
		require.True(t, ok)
		return v.StringValue()
	}
	pod := vars("pod-swdev")
	for _, want := range []string{"namespace: coder-ws", "service_account: " + coder.WorkspaceServiceAccount, "storage_class: coder-home",
		"node_tier: coder-ws", "images_config_map: " + workloads.WorkspaceImagesConfigMap} {
		assert.Contains(t, pod, want)
	}
	ec2 := vars("ec2-datasci")
	for _, want := range []string{"region: us-east-1", "security_group_id: sg-", "instance_profile: ", "kms_key_arn: arn:aws:kms:", `subnet_ids: '["subnet-`} {
		assert.Contains(t, ec2, want)
	}
}

// The workshop delivers the pod template only, to its participants, on
// the workshop's hours, from the control plane alone.
func TestWorkshopDeliversThePodTemplate(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	ds := deliveries(t, r)
	require.Len(t, ds, 1)
	d := ds["pod-swdev"]
	plain, _ := jobEnv(t, d.job)
	assert.Equal(t, "workshop-participants", plain["ACCESS_GROUPS"])
	assert.Equal(t, "15h50m0s", plain["DEFAULT_TTL"], "08:00-23:50 America/Los_Angeles")
	assert.Equal(t, "us-east-2", regionOf(r, providerlessRegion(r, d.template)))
	assert.Equal(t, []string{"workshop-participants"}, strs(d.template, "access.groups"))
}

// providerlessRegion finds the Coder component a template belongs to, whose
// AWS resources carry the region's provider.
func providerlessRegion(r *preview.Result, tpl *preview.Resource) *preview.Resource {
	for _, role := range r.OfType(tRole) {
		if role.Parent == tpl.Parent {
			return role
		}
	}
	return nil
}

// The delivery identity reads the template-admin token and nothing else;
// the token is a KMS-encrypted secret operators fill.
func TestTemplateDeliveryIdentity(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	role := roleByDescription(t, r, "us-east-1", "Delivers Coder templates")
	doc := inlinePolicy(t, r, role)
	require.Len(t, doc, 2, "read the token, decrypt it through Secrets Manager")
	assert.Equal(t, []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, doc[0].Action)
	assert.Equal(t, []string{coder.SecretName("prod", "us-east-1", coder.PurposeTemplateToken)}, []string{secretNameOfArn(doc[0].Resource[0])})
	assert.Equal(t, []string{"kms:Decrypt"}, doc[1].Action)
	var token *preview.Resource
	for _, s := range r.OfType(tSecret) {
		if str(s, "name") == coder.SecretName("prod", "us-east-1", coder.PurposeTemplateToken) {
			token = s
		}
	}
	require.NotNil(t, token)
	assert.NotEmpty(t, str(token, "kmsKeyId"))
}

// Pod workspaces run as a service account bound to a role with no
// permissions, and provisioners may create their NetworkPolicies.
func TestPodWorkspaceIdentity(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	role := roleByDescription(t, r, "us-east-1", "Kubernetes workspaces (no permissions")
	for _, rp := range r.OfType(tRolePolicy) {
		assert.NotEqual(t, role.URN, rp.Parent, "no inline policy")
	}
	assert.Equal(t, "coder-ws/"+coder.WorkspaceServiceAccount, tag(role, "coder:service-account"))
	found := false
	for _, res := range r.OfType("kubernetes:rbac.authorization.k8s.io/v1:Role") {
		for _, rule := range mustInput(t, res, "rules").ArrayValue() {
			m := rule.ObjectValue()
			if m["apiGroups"].ArrayValue()[0].StringValue() == "networking.k8s.io" {
				found = true
			}
		}
	}
	assert.True(t, found, "provisioners manage workspace NetworkPolicies")
}

// The delivered inputs are the composer's facts: the policy pack judges
// what coderd receives.
func TestTemplateInputsAreTheComposedFacts(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	d := deliveries(t, r)["ec2-datasci-gpu"]
	tpl := d.template
	assert.Equal(t, []string{"ds-gpu-standard", "ds-gpu-large", "ds-gpu-xlarge"}, strs(tpl, "sizes"))
	assert.Equal(t, "security-group", str(tpl, "network.isolation"))
	assert.False(t, boolean(tpl, "network.publicIp"))
	assert.Equal(t, str(tpl, "toolchain.sha256"), str(tpl, "provenance.toolchain.sha256"))
	assert.Subset(t, strs(tpl, "provenance.metadata"), compose.ProvenanceKeys)
	assert.Equal(t, float64(11*3600*1000), num(tpl, "settings.defaultTtlMs"))
	main, ok := d.files.InputAt("data", "main.tf")
	require.True(t, ok)
	assert.Contains(t, main.StringValue(), `instance_type = "g5.12xlarge"`)
}
