package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

// A token given as secret config reaches a Kubernetes secret registered as
// a Pulumi secret; the page never shows it.
func TestSecretConfigNeverAppears(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	proj, err := preview.FindProject(wd)
	require.NoError(t, err)
	sf, err := config.ReadStackFile(proj.StackFile("workshop"), proj.Name)
	require.NoError(t, err)
	const token = "wsp-tok-0123456789abcdef-oregon"
	tokens, err := json.Marshal(map[string]string{"us-west-2": token, "eu-west-2": token + "-emea"})
	require.NoError(t, err)
	sf.Values["proxySessionTokens"], sf.Secrets["proxySessionTokens"] = string(tokens), true
	res, err := preview.RunStackFile(proj.Name, "workshop", sf)
	require.NoError(t, err)

	_, page := render(t, res, &Base{Name: "base.json", Resources: res.Resources})
	assert.NotContains(t, page, "wsp-tok-")
}

// Values a chart takes in the clear are masked by their key, in the Helm
// section and in the changes, with the change itself still reported.
func TestSecretLookingValuesAreMasked(t *testing.T) {
	values := func(password, token, dsn, env string) resource.PropertyMap {
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": "app", "namespace": "apps", "chart": "app", "version": "1.0.0",
			"values": map[string]any{
				"auth":     map[string]any{"adminPassword": password, "existingSecretName": "app-admin", "enabled": true},
				"apiToken": token,
				"database": map[string]any{"url": dsn},
				"env": []any{
					map[string]any{"name": "APP_CLIENT_SECRET", "value": env},
					map[string]any{"name": "APP_MODE", "value": "strict"},
				},
			},
		})
	}
	stack := "urn:pulumi:test::proj::pulumi:pulumi:Stack::proj-test"
	release := func(in resource.PropertyMap) *preview.Resource {
		return &preview.Resource{URN: "urn:pulumi:test::proj::kubernetes:helm.sh/v3:Release::app", Type: helmRelease,
			Name: "app", Custom: true, Parent: stack, Inputs: in}
	}
	sealed := resource.PropertyMap{"stringData": resource.MakeSecret(resource.NewStringProperty("pulumi-secret-9f8e7d"))}
	secret := &preview.Resource{URN: "urn:pulumi:test::proj::kubernetes:core/v1:Secret::s", Type: "kubernetes:core/v1:Secret",
		Name: "s", Custom: true, Parent: stack, Inputs: sealed}

	now := &preview.Result{Project: "proj", Stack: "test", Root: stack, Resources: []*preview.Resource{
		release(values("hunter2-new", "tok-new-abc", "postgres://app:pw-new-xyz@db:5432/app", "env-new-123")), secret}}
	old := []*preview.Resource{
		release(values("hunter2-old", "tok-old-abc", "postgres://app:pw-old-xyz@db:5432/app", "env-old-123")),
		{URN: secret.URN, Type: secret.Type, Name: "s", Custom: true, Parent: stack,
			Inputs: resource.PropertyMap{"stringData": resource.MakeSecret(resource.NewStringProperty("pulumi-secret-old"))}},
	}
	doc, page := render(t, now, &Base{Name: "base.json", Resources: old})

	for _, leak := range []string{"hunter2", "tok-new", "tok-old", "pw-new", "pw-old", "env-new", "env-old", "pulumi-secret"} {
		assert.NotContains(t, page, leak)
	}
	helm := text(byID(t, doc, "helm"))
	for _, shown := range []string{"existingSecretName: app-admin", "enabled: true", "postgres://app:[secret]@db:5432/app", "APP_MODE", "strict"} {
		assert.Contains(t, helm, shown)
	}

	// Each secret changed, and each change is listed masked; the Pulumi
	// secret cannot be compared, so it is not.
	changes := byID(t, doc, Changes)
	var paths []string
	for _, tr := range all(changes, tag("tr")) {
		if p := attr(tr, "data-path"); p != "" {
			paths = append(paths, p)
			cells := all(tr, tag("td"))
			require.Len(t, cells, 3)
			assert.Contains(t, text(cells[1]), "[secret]", p)
			assert.Contains(t, text(cells[2]), "[secret]", p)
		}
	}
	assert.Equal(t, []string{"values.apiToken", "values.auth.adminPassword", "values.database.url", "values.env[0].value"}, paths)
	assert.Equal(t, "1", attr(changes, "data-changed"), strings.Join(paths, ", "))
}

func TestSecretKey(t *testing.T) {
	for key, want := range map[string]bool{
		"password": true, "adminPassword": true, "CODER_OIDC_CLIENT_SECRET": true, "apiToken": true, "tls.key": true,
		"privateKey": true, "secretAccessKey": true, "credentials": true, "psk": true,
		"secretKeyRef": false, "keySecretName": false, "apiTokenSecretId": false, "tokenLifetime": false,
		"key": false, "name": false, "CODER_MAX_TOKEN_LIFETIME": false, "existingSecretName": false, "roleArn": false,
	} {
		assert.Equal(t, want, SecretKey(key), key)
	}
}

// A base from `pulumi preview --json --show-secrets` holds secrets in the
// clear, signed; they read back as secrets and never show.
func TestEngineSecretsInTheBaseNeverAppear(t *testing.T) {
	stack := "urn:pulumi:test::proj::pulumi:pulumi:Stack::proj-test"
	urn := "urn:pulumi:test::proj::kubernetes:core/v1:Secret::s"
	doc := `{"steps": [{"op": "same", "urn": "` + urn + `", "newState": {"urn": "` + urn + `", "type": "kubernetes:core/v1:Secret",
		"custom": true, "parent": "` + stack + `", "inputs": {"stringData": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
		"plaintext": "{\"token\":\"engine-plaintext-4242\"}"}}}}], "changeSummary": {"same": 1}}`
	path := filepath.Join(t.TempDir(), "pulumi-preview.json")
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
	base, err := preview.ReadDocument(path)
	require.NoError(t, err)

	now := &preview.Result{Project: "proj", Stack: "test", Root: stack, Resources: []*preview.Resource{{URN: urn,
		Type: "kubernetes:core/v1:Secret", Name: "s", Custom: true, Parent: stack,
		Inputs: resource.PropertyMap{"stringData": resource.MakeSecret(resource.NewStringProperty("now-secret-4242"))}}}}
	doc2, page := render(t, now, &Base{Name: "pulumi-preview.json", Resources: preview.ResourcesFromDocument(base)})
	assert.NotContains(t, page, "4242")
	assert.Equal(t, "0", attr(byID(t, doc2, Changes), "data-changed"), "a secret cannot be compared, so it does not change")
}
