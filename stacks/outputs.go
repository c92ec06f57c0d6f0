package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// exportOutputs publishes per-region outputs: what operators and the
// runbooks look up (VPC and subnet IDs, the CIDR plan).
func exportOutputs(ctx *pulumi.Context, p *Platform) {
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
		}
	}
	ctx.Export("regions", regions)
}
