package coder

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/templates"
	"github.com/platformeng/coder-platform/templates/compose"
)

// PurposeTemplateToken is the session token of the template-admin user the
// delivery Jobs push templates as.
const PurposeTemplateToken = "template-admin-token"

// TemplateServiceAccount runs the delivery Jobs; only it reads the token.
const TemplateServiceAccount = "coder-templates"

// TemplatesArgs are the composed templates coderd receives.
type TemplatesArgs struct {
	Organization string
	Composed     []*compose.Template
	Groups       map[string][]string
}

// createTemplates delivers every composed template once the template-admin
// token has a value (it can only be created after coderd runs).
func (c *Coder) createTemplates(ctx *pulumi.Context) error {
	a := c.args
	if err := c.grantDCVLicense(ctx); err != nil {
		return err
	}
	tok, err := c.newSecret(ctx, PurposeTemplateToken, "Coder session token of the template-admin user that delivers templates", true)
	if err != nil {
		return err
	}
	if !c.ready(PurposeTemplateToken) || c.coderd == nil {
		return nil
	}
	ns := workloads.NamespaceCoder
	_, sa, err := c.identity(ctx, "templates", ns, TemplateServiceAccount, "Delivers Coder templates; reads the template-admin token only", c.readSecrets(tok))
	if err != nil {
		return err
	}
	store, storeName, err := c.secretStore(ctx, ns, TemplateServiceAccount, sa)
	if err != nil {
		return err
	}
	const secret = "coder-template-admin"
	es, err := c.externalSecret(ctx, ns, storeName, secret, []remoteKey{{SecretKey: "token", Remote: pulumi.String(tok.name)}}, tok.secret, store)
	if err != nil {
		return err
	}
	// Delivery waits for the Day-2 configuration: it creates the groups
	// the templates are granted to.
	if c.configuration == nil {
		return nil // its secrets are in Pending already
	}
	for _, ct := range a.Templates.Composed {
		if _, err := delivery.NewTemplate(ctx, fmt.Sprintf("%s-tpl-%s", c.name, ct.Name), &delivery.TemplateArgs{
			Template: ct, Organization: a.Templates.Organization, Groups: a.Templates.Groups[ct.Name],
			Variables: c.templateVariables(),
			Runner:    c.runner(TemplateServiceAccount, secret, PurposeTemplateToken, es, c.configuration),
		}, pulumi.Parent(c)); err != nil {
			return err
		}
	}
	return nil
}

// templateVariables are the infrastructure values every base may ask for.
func (c *Coder) templateVariables() map[string]pulumi.Input {
	a := c.args
	return map[string]pulumi.Input{
		"namespace": pulumi.String(workloads.NamespaceWorkspaces), "service_account": pulumi.String(WorkspaceServiceAccount),
		"storage_class": pulumi.String(workloads.StorageClassHome), "node_tier": pulumi.String(string(workloads.TierWorkspace)),
		"images_config_map": pulumi.String(workloads.WorkspaceImagesConfigMap),
		"region":            pulumi.String(a.Region), "subnet_ids": a.Workspaces.SubnetIDs,
		"security_group_id": a.Workspaces.SecurityGroupID, "instance_profile": c.WorkspaceInstanceProfile,
		"kms_key_arn": a.Keys.EBS,
	}
}

// grantDCVLicense lets Windows workspaces read the regional NICE DCV
// license bucket when a delivered template uses DCV; nothing else.
func (c *Coder) grantDCVLicense(ctx *pulumi.Context) error {
	if !slices.ContainsFunc(c.args.Templates.Composed, func(t *compose.Template) bool {
		return t.Base.Platform == templates.PlatformEC2 && t.Settings["remote_desktop"] == "nice-dcv"
	}) {
		return nil
	}
	doc := policydoc.Document{{Sid: "NiceDcvLicense", Actions: []string{"s3:GetObject"},
		Resources: pulumi.StringArray{pulumi.Sprintf("arn:aws:s3:::dcv-license.%s/*", c.args.Region)}}}
	_, err := iam.NewRolePolicy(ctx, c.name+"-ws-dcv-license", &iam.RolePolicyArgs{Role: c.wsRoleName, Policy: doc.JSON()}, pulumi.Parent(c))
	return err
}
