package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/stacks/config"
	"github.com/platformeng/coder-platform/templates"
)

// exportOutputs publishes per-region outputs: what operators and the
// runbooks look up (VPC and subnet IDs, the CIDR plan).
func exportOutputs(ctx *pulumi.Context, cfg *config.Plan, p *Platform) {
	regions := pulumi.Map{}
	for _, r := range p.Regions {
		if r.Database != nil {
			ctx.Export("database", pulumi.Map{
				"endpoint": r.Database.Endpoint, "readerEndpoint": r.Database.ReaderEndpoint,
				"masterSecretArn": r.Database.MasterSecretArn, "recovery": r.Database.Recovery,
			})
		}
		regions[r.Config.Name] = pulumi.Map{
			"loadBalancer":       r.LoadBalancer.DNSName,
			"loadBalancerIps":    r.LoadBalancer.PublicIPs,
			"role":               pulumi.String(string(r.Config.Role)),
			"vpcId":              r.Network.VpcID,
			"workspaceSubnetIds": r.Network.WorkspaceSubnetIDs,
			"networkPlan":        r.Network.Plan,
			"flowLogGroup":       r.Network.FlowLogGroupName,
			"kmsKeys":            r.Keys.Arns,
			"clusterName":        r.Cluster.ClusterName,
			"oidcProviderArn":    r.Cluster.OidcProviderArn,
			"autoScalingGroups":  r.Cluster.AutoScalingGroups,
			"ephemeralStorage":   r.Cluster.EphemeralStorage,
			"coder": pulumi.Map{
				"serverRoleArn":            r.Coder.ServerRoleArn,
				"provisionerRoleArns":      r.Coder.ProvisionerRoleArns,
				"workspaceInstanceProfile": r.Coder.WorkspaceInstanceProfile,
				// What operators fill after the first up (docs/runbooks.md).
				"secretsToFill":          r.Coder.SecretsToFill,
				"pendingSecrets":         r.Coder.PendingSecrets,
				"provisionerKeyCommands": pulumi.ToStringArray(ProvisionerKeyCommands(cfg, r.Config)),
			},
		}
	}
	ctx.Export("regions", regions)
}

// ProvisionerKeyCommands are the coder CLI commands that create the scoped
// key of each provisioner pool of a region. Every key carries the region
// tag, so the pool takes only the builds of workspaces in its region (and
// the organization's extra tags narrow it further). The organization is
// given by id: coderd's API takes "default" for the default organization,
// the CLI's --org only the real name, "coder" on a deployment created by
// Coder 2.13 or later (seen on v2.30.0; docs/identity.md).
func ProvisionerKeyCommands(cfg *config.Plan, rc *config.Region) []string {
	var out []string
	for _, o := range cfg.Coder.Provisioners.Organizations {
		tags := ProvisionerTags(o, rc.Name)
		cmd := fmt.Sprintf(`coder provisioner keys create %s-%s --org "$(coder organizations show %s --only-id)"`, rc.Name, o.Name, o.Name)
		for _, k := range templates.SortedKeys(tags) {
			cmd += fmt.Sprintf(" --tag %s=%s", k, tags[k])
		}
		out = append(out, cmd)
	}
	return out
}

// ProvisionerTags are the tags of a pool's key in a region, which its
// daemons carry: the region tag builds are routed by, and the pool's own.
func ProvisionerTags(o config.ProvisionerOrg, region string) map[string]string {
	tags := map[string]string{templates.RegionTag: region}
	for k, v := range o.Tags {
		tags[k] = v
	}
	return tags
}
