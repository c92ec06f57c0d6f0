package coder

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/components/workloads"
)

// Purposes of the Day-2 configuration's secrets.
const (
	// PurposeAdminToken is the owner token of the platform's automation
	// account, which installs the licence and manages groups.
	PurposeAdminToken = "admin-token"
	// PurposeLicense is the Coder licence JWT.
	PurposeLicense = "license"
)

// ConfigServiceAccount runs the Day-2 configuration; only it reads the
// admin token and the licence.
const ConfigServiceAccount = "coder-configuration"

// ConfigSecret is the Kubernetes secret External Secrets fills with the
// automation token (key token) and the licence (key license).
const ConfigSecret = "coder-configuration"

// LicenseArgs is the stack's Coder licence.
type LicenseArgs struct {
	// Features are the licensed features the stack declares.
	Features []string
}

// ConfigurationArgs are what the Day-2 configuration declares.
type ConfigurationArgs struct {
	// Owners are coder.identity.owners.
	Owners []string
	// Groups are the groups the templates are granted to, and Everyone with
	// the members' quota, in the templates' organization.
	Groups []delivery.Group
	// Schedule re-applies it (cron, UTC).
	Schedule string
	// SuspendInactiveDays suspends accounts not seen for this long (0 = never).
	SuspendInactiveDays int
	// GroupSync is held in coderd's settings of its organization.
	GroupSync *delivery.GroupSync
}

// ConfigurationSchedule re-applies the Day-2 configuration daily, at a
// quiet hour for the platform's working day (UTC).
const ConfigurationSchedule = "17 6 * * *"

// createConfiguration runs the Day-2 configuration once its token (and the
// licence, for a licensed stack) hold values; template delivery waits for
// it, since it creates the groups templates are granted to.
func (c *Coder) createConfiguration(ctx *pulumi.Context) error {
	a := c.args
	tok, err := c.newSecret(ctx, PurposeAdminToken, "Coder session token of the platform's automation account (owner): licence and groups", true)
	if err != nil {
		return err
	}
	secrets := []*smSecret{tok}
	purposes := []string{PurposeAdminToken}
	if a.License != nil {
		lic, err := c.newSecret(ctx, PurposeLicense, "Coder licence (JWT) the Day-2 configuration installs", true)
		if err != nil {
			return err
		}
		secrets = append(secrets, lic)
		purposes = append(purposes, PurposeLicense)
	}
	if !c.ready(purposes...) || c.coderd == nil {
		return nil
	}
	ns := workloads.NamespaceCoder
	_, sa, err := c.identity(ctx, "configuration", ns, ConfigServiceAccount,
		"Day-2 configuration of coderd; reads the automation token and the licence only", c.readSecrets(secrets...))
	if err != nil {
		return err
	}
	store, storeName, err := c.secretStore(ctx, ns, ConfigServiceAccount, sa)
	if err != nil {
		return err
	}
	const secret = ConfigSecret
	keys := []remoteKey{{SecretKey: "token", Remote: pulumi.String(tok.name)}}
	deps := []pulumi.Resource{tok.secret, store}
	licenseSecret := ""
	if a.License != nil {
		keys = append(keys, remoteKey{SecretKey: "license", Remote: pulumi.String(c.secretName(PurposeLicense))})
		deps = append(deps, c.secrets[PurposeLicense].secret)
		licenseSecret = secret
	}
	es, err := c.externalSecret(ctx, ns, storeName, secret, keys, deps...)
	if err != nil {
		return err
	}
	cfg := a.Configuration
	c.configuration, err = delivery.NewConfiguration(ctx, c.name+"-configuration", &delivery.ConfigurationArgs{
		Owners: cfg.Owners, Groups: cfg.Groups, Schedule: cfg.Schedule, SuspendInactiveDays: cfg.SuspendInactiveDays,
		GroupSync:     cfg.GroupSync,
		LicenseSecret: licenseSecret, LicenseVersion: a.SecretVersions[PurposeLicense],
		Runner: c.runner(ConfigServiceAccount, secret, PurposeAdminToken, es),
	}, pulumi.Parent(c))
	return err
}

// runner is how the Day-2 and delivery Jobs run in this region.
func (c *Coder) runner(sa, secret, purpose string, deps ...pulumi.Resource) delivery.Runner {
	a := c.args
	t := workloads.TierControl
	var features []string
	if a.License != nil {
		features = slices.Clone(a.License.Features)
	}
	return delivery.Runner{
		CoderURL: a.AccessURL, Image: c.coderRef(), Namespace: workloads.NamespaceCoder,
		ServiceAccount: sa, TokenSecret: secret, TokenSecretName: c.secretName(purpose), LicensedFeatures: features,
		NodeSelector: map[string]string{string(t): "true"},
		Toleration:   map[string]string{"key": string(t), "value": "true", "effect": "NoSchedule"},
		KubeProvider: a.Cluster.KubeProvider,
		DependsOn:    append(deps, c.coderd),
	}
}
