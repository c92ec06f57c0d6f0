package coder

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/standards"
)

// ManualRotationDays is the rotation period of secrets whose value comes
// from outside AWS; see standards.ManualRotationDays.
const ManualRotationDays = standards.ManualRotationDays

// RotationTag and RotationDaysTag say how a secret is rotated; the policy
// pack accepts a secret with a rotation schedule or these tags.
const (
	RotationTag     = "coder:rotation"
	RotationDaysTag = "coder:rotation-days"
)

// smSecret is a Secrets Manager secret this component owns.
type smSecret struct {
	name   string
	secret *secretsmanager.Secret
}

// Purposes of the secrets operators fill; a secret's name is
// coder/<stack>/<region>/<purpose> (SecretName).
const (
	PurposeOIDC       = "oidc-client-secret"
	PurposePgURL      = "pg-connection-url"
	PurposeProxyToken = "proxy-session-token"
)

// Irreplaceable reports a secret that cannot be re-created from the
// platform itself: it comes from the IdP, Coder (the license) or was
// handed to daemons and proxies that must keep working after a regional
// failover. Those are replicated to the backup region.
func Irreplaceable(purpose string) bool {
	switch {
	case purpose == PurposeOIDC, purpose == PurposeLicense, purpose == PurposeProxyToken,
		strings.HasPrefix(purpose, ProvisionerKeyPurpose("")), strings.HasPrefix(purpose, ExternalAuthPurpose("")):
		return true
	}
	return false
}

// ExternalAuthPurpose is the purpose of a Git provider's client secret.
func ExternalAuthPurpose(id string) string { return "external-auth/" + id }

// ProvisionerKeyPurpose is the purpose of an organization's provisioner key.
func ProvisionerKeyPurpose(org string) string { return "provisioner-keys/" + org }

// SecretName is the Secrets Manager name of a secret of a region.
func SecretName(stack, region, purpose string) string {
	return fmt.Sprintf("coder/%s/%s/%s", stack, region, purpose)
}

// RequiredSecrets lists the purposes whose values operators put before the
// workloads that read them can start (docs/runbooks.md).
func RequiredSecrets(a *CoderArgs) []string {
	var out []string
	if a.Role.RunsCoderd() {
		if a.OIDC != nil {
			out = append(out, PurposeOIDC)
		}
		for _, e := range a.ExternalAuth {
			out = append(out, ExternalAuthPurpose(e.ID))
		}
		if a.Database != nil && a.Database.Auth == workloads.PgAuthPassword {
			out = append(out, PurposePgURL)
		}
		if a.Identity.SCIM {
			out = append(out, PurposeSCIM)
		}
		out = append(out, PurposeAdminToken)
		if a.License != nil {
			out = append(out, PurposeLicense)
		}
		if a.Templates != nil {
			out = append(out, PurposeTemplateToken)
		}
	} else if a.ProxyToken == nil {
		out = append(out, PurposeProxyToken)
	}
	for _, o := range a.Provisioners.Organizations {
		out = append(out, ProvisionerKeyPurpose(o.Name))
	}
	if a.Provisioners.Autoscaling() {
		out = append(out, PurposeQueueToken)
	}
	return out
}

// ready reports whether a secret has a value. Workloads whose secrets are
// still empty are held back, so the first `pulumi up` succeeds and a later
// one starts them; nil SecretsReady means the caller vouches for all.
func (c *Coder) ready(purposes ...string) bool {
	ok := true
	for _, p := range purposes {
		if c.args.SecretsReady != nil && !c.args.SecretsReady[p] {
			c.pending = append(c.pending, SecretName(c.args.Stack, c.args.Region, p))
			ok = false
		}
	}
	return ok
}

// secretName is the Secrets Manager name of a secret of this region.
func (c *Coder) secretName(purpose string) string {
	return SecretName(c.args.Stack, c.args.Region, purpose)
}

// newSecret creates a KMS-encrypted secret container. The value is put by
// an operator (fill=true) or by this program. Its tags describe the
// credential (owner, lifetime, rotation, runbook); an automatic credential
// is tagged automatic once it holds a value, when its rotation starts.
func (c *Coder) newSecret(ctx *pulumi.Context, purpose, description string, fill bool) (*smSecret, error) {
	name := c.secretName(purpose)
	cred := c.credential(purpose)
	mode := "manual"
	if cred.Automatic && c.filled(purpose) {
		mode = "automatic"
	}
	sa := &secretsmanager.SecretArgs{
		Name:                 pulumi.String(name),
		Description:          pulumi.String(description),
		KmsKeyId:             c.args.Keys.Secrets,
		RecoveryWindowInDays: pulumi.Int(30),
		Tags: pulumi.StringMap{
			RotationTag: pulumi.String(mode), RotationDaysTag: pulumi.String(fmt.Sprint(min(cred.Days, ManualRotationDays))),
			OwnerTag: pulumi.String(cred.Owner), RunbookTag: pulumi.String(cred.Runbook),
			"coder:purpose": pulumi.String(purpose),
		},
	}
	if r := c.args.Keys.Replica; r != nil && Irreplaceable(purpose) {
		// Secrets Manager keeps the replica in step with the primary
		// (ReplicaRegionType {Region, KmsKeyId}); it survives the region.
		sa.Replicas = secretsmanager.SecretReplicaArray{secretsmanager.SecretReplicaArgs{
			Region: pulumi.String(r.Region), KmsKeyId: r.KeyArn,
		}}
	}
	s, err := secretsmanager.NewSecret(ctx, c.name+"-"+strings.ReplaceAll(purpose, "/", "-"), sa, pulumi.Parent(c), pulumi.Protect(true))
	if err != nil {
		return nil, err
	}
	sm := &smSecret{name: name, secret: s}
	c.secrets[purpose] = sm
	if fill {
		c.toFill = append(c.toFill, name)
	}
	return sm, nil
}

// filled reports whether a secret holds a value, without recording it as
// pending (nil SecretsReady: the caller vouches for all).
func (c *Coder) filled(purpose string) bool {
	return c.args.SecretsReady == nil || c.args.SecretsReady[purpose]
}

// sortedPurposes lists the purposes of the component's secrets in order.
func sortedPurposes(m map[string]*smSecret) []string { return slices.Sorted(maps.Keys(m)) }

// serviceAccount creates a service account bound to an IRSA role; charts
// are told to use it instead of creating their own, so that its
// SecretStore and ExternalSecrets exist before the workload starts.
func (c *Coder) serviceAccount(ctx *pulumi.Context, ns, name string, roleArn pulumi.StringOutput) (*corev1.ServiceAccount, error) {
	return corev1.NewServiceAccount(ctx, fmt.Sprintf("%s-%s-%s", c.name, ns, name), &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(name), Namespace: pulumi.String(ns),
			Annotations: pulumi.StringMap{irsa.AnnotationKey: roleArn},
		},
	}, c.k8s(c.namespace(ns))...)
}

// secretStore lets ESO read Secrets Manager as the given service account's
// IRSA role.
func (c *Coder) secretStore(ctx *pulumi.Context, ns, sa string, deps ...pulumi.Resource) (pulumi.Resource, string, error) {
	name := "aws-" + sa
	r, err := apiextensions.NewCustomResource(ctx, fmt.Sprintf("%s-%s-store-%s", c.name, ns, sa), &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("external-secrets.io/v1"),
		Kind:       pulumi.String("SecretStore"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(ns)},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{"provider": pulumi.Map{"aws": pulumi.Map{
			"service": pulumi.String("SecretsManager"),
			"region":  pulumi.String(c.args.Region),
			"auth":    pulumi.Map{"jwt": pulumi.Map{"serviceAccountRef": pulumi.Map{"name": pulumi.String(sa)}}},
		}}}},
	}, c.k8s(append(deps, c.eso)...)...)
	return r, name, err
}

// remoteKey is one value synced into a Kubernetes secret.
type remoteKey struct {
	SecretKey string             // key in the Kubernetes secret
	Remote    pulumi.StringInput // Secrets Manager name or ARN
	Property  string             // JSON property, or "" for the whole value
}

// externalSecret syncs Secrets Manager values into a Kubernetes secret.
func (c *Coder) externalSecret(ctx *pulumi.Context, ns, store, target string, keys []remoteKey, deps ...pulumi.Resource) (pulumi.Resource, error) {
	data := pulumi.Array{}
	for _, k := range keys {
		ref := pulumi.Map{"key": k.Remote}
		if k.Property != "" {
			ref["property"] = pulumi.String(k.Property)
		}
		data = append(data, pulumi.Map{"secretKey": pulumi.String(k.SecretKey), "remoteRef": ref})
	}
	return apiextensions.NewCustomResource(ctx, fmt.Sprintf("%s-%s-es-%s", c.name, ns, target), &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("external-secrets.io/v1"),
		Kind:       pulumi.String("ExternalSecret"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(target), Namespace: pulumi.String(ns)},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"refreshInterval": pulumi.String("1h"),
			"secretStoreRef":  pulumi.Map{"name": pulumi.String(store), "kind": pulumi.String("SecretStore")},
			"target":          pulumi.Map{"name": pulumi.String(target), "creationPolicy": pulumi.String("Owner")},
			"data":            data,
		}},
	}, c.k8s(deps...)...)
}

// secretRef is an env entry read from a Kubernetes secret.
func secretRef(name, secret, key string) pulumi.Map {
	return pulumi.Map{"name": pulumi.String(name), "valueFrom": pulumi.Map{"secretKeyRef": pulumi.Map{
		"name": pulumi.String(secret), "key": pulumi.String(key),
	}}}
}

// env is a plain env entry.
func env(name string, value pulumi.StringInput) pulumi.Map {
	return pulumi.Map{"name": pulumi.String(name), "value": value}
}
