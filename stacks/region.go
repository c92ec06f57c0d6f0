package stacks

import (
	"fmt"
	"net/url"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/cluster"
	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/database"
	"github.com/platformeng/coder-platform/components/dns"
	"github.com/platformeng/coder-platform/components/edge"
	"github.com/platformeng/coder-platform/components/network"
	"github.com/platformeng/coder-platform/components/observability"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Region is what one region of the stack deployed. It is a component so
// that every resource of a region sits under one node of the tree.
type Region struct {
	pulumi.ResourceState

	Config   *config.Region
	Provider *aws.Provider
	Keys     *security.Keys
	Network  *network.Vpc
	Cluster  *cluster.Cluster
	// Plan is the region's part of the capacity plan (config.Stack.Plan).
	Plan *sizing.RegionPlan
	// Database exists in the control-plane region only.
	Database     *database.Aurora
	Certificate  *dns.Certificate
	LoadBalancer *edge.LoadBalancer
	Prometheus   *observability.Prometheus
	Coder        *coder.Coder
	Monitoring   *observability.Monitoring
}

// AccessURL is the region's access URL: coder.accessUrl for the control
// plane, the proxy's own URL otherwise.
func (r *Region) AccessURL(cfg *config.Stack) string {
	if r.Config.Role == config.RoleControlPlane {
		return cfg.Coder.AccessURL
	}
	return r.Config.AccessURL
}

// regionKeys lists the key purposes a region needs.
func regionKeys(r *config.Region) []security.Purpose {
	keys := []security.Purpose{security.KeyLogs, security.KeyEKS, security.KeyEBS, security.KeySecrets, security.KeyS3,
		security.KeySNS, security.KeyMetrics}
	if r.Role == config.RoleControlPlane {
		keys = append(keys, security.KeyDatabase, security.KeyBackup)
	}
	return keys
}

// newRegion registers the region component and its AWS provider.
func newRegion(ctx *pulumi.Context, cfg *config.Stack, rc *config.Region) (*Region, error) {
	r := &Region{Config: rc}
	if err := ctx.RegisterComponentResourceV2("coder:stacks:Region", rc.Name, pulumi.Map{
		"role": pulumi.String(string(rc.Role)), "share": pulumi.Float64(*rc.Share),
		"users": pulumi.Int(rc.Users), "workspaces": pulumi.Int(rc.Workspaces),
	}, r); err != nil {
		return nil, err
	}
	prov, err := newAWSProvider(ctx, cfg, rc.Name, r)
	if err != nil {
		return nil, err
	}
	r.Provider = prov
	return r, nil
}

// deployRegion assembles every component of one region.
func deployRegion(ctx *pulumi.Context, cfg *config.Stack, p *Platform, r *Region, d *diagnostics) error {
	rc := r.Config
	opts := []pulumi.ResourceOption{pulumi.Parent(r), pulumi.Provider(r.Provider)}
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, pulumi.Provider(r.Provider)).AccountId()
	prefix := cfg.RegionPrefix(rc.Name)
	var err error

	r.Keys, err = security.NewKeys(ctx, prefix, &security.KeysArgs{
		Region: rc.Name, AccountID: account, Purposes: regionKeys(rc),
		AliasPrefix: fmt.Sprintf("coder/%s/%s", cfg.Name, rc.Name),
	}, opts...)
	if err != nil {
		return err
	}
	r.Network, err = network.NewVpc(ctx, prefix, networkArgs(cfg, rc, account, r.Keys), opts...)
	if err != nil {
		return err
	}
	r.Plan = cfg.Plan.Region(rc.Name)
	reportCapacity(cfg, rc.Name, d)
	ca := clusterArgs(cfg, rc, account, r.Network, r.Keys, r.Plan)
	ca.AWSProvider = r.Provider
	r.Cluster, err = cluster.NewCluster(ctx, prefix, ca, opts...)
	if err != nil {
		return err
	}
	if rc.Role == config.RoleControlPlane {
		r.Database, err = database.NewAurora(ctx, prefix, databaseArgs(cfg, rc, account, r, p), opts...)
		if err != nil {
			return err
		}
		reportDatabase(cfg, d)
	}
	if err := deployEdge(ctx, cfg, p, r, account, prefix, opts); err != nil {
		return err
	}
	if err := deployCoder(ctx, cfg, p, r, d, account, prefix, opts); err != nil {
		return err
	}
	if err := deployObservability(ctx, cfg, r, d, account, prefix, opts); err != nil {
		return err
	}
	return ctx.RegisterResourceOutputs(r, pulumi.Map{
		"vpcId": r.Network.VpcID, "keys": r.Keys.Arns, "clusterName": r.Cluster.ClusterName,
		"accessUrl": pulumi.String(r.AccessURL(cfg)), "loadBalancer": r.LoadBalancer.DNSName,
	})
}

func networkArgs(cfg *config.Stack, rc *config.Region, account pulumi.StringOutput, keys *security.Keys) *network.VpcArgs {
	egress := network.EgressArgs{
		AllowedDomains:    cfg.Network.Egress.AllowedDomains,
		PlatformDomains:   platformDomains(cfg),
		DirectConnections: cfg.Network.Egress.DirectConnectionsEnabled(),
	}
	for _, r := range cfg.Network.Egress.AllowedCIDRs {
		egress.AllowedCIDRs = append(egress.AllowedCIDRs, network.EgressRule{CIDR: r.CIDR, Ports: r.Ports, Description: r.Description})
	}
	var tgw *network.TransitGatewayArgs
	if rc.TransitGateway != nil {
		tgw = &network.TransitGatewayArgs{ID: rc.TransitGateway.ID, CIDRs: rc.TransitGateway.CIDRs}
	}
	return &network.VpcArgs{
		Region:               rc.Name,
		AccountID:            account,
		Plan:                 rc.Plan,
		Egress:               egress,
		TransitGateway:       tgw,
		FlowLogRetentionDays: cfg.Network.FlowLogRetentionDays,
		LogsKeyArn:           keys.Arn(security.KeyLogs),
		BaseDomain:           cfg.DNS.BaseDomain,
	}
}

// saasAuthHosts are the hosts coderd reaches for an external-auth type
// whose provider is a SaaS: the auth, token and validate URLs of Coder's
// defaults (coder/coder coderd/externalauth staticDefaults; Entra's is
// login.microsoftonline.com/<tenant>). Self-hosted types (gitea,
// bitbucket-server, jfrog) are the operator's to allow-list.
var saasAuthHosts = map[string][]string{
	"github":             {"github.com", "api.github.com"},
	"gitlab":             {"gitlab.com"},
	"bitbucket-cloud":    {"bitbucket.org", "api.bitbucket.org"},
	"azure-devops":       {"app.vssps.visualstudio.com", "dev.azure.com"},
	"azure-devops-entra": {"login.microsoftonline.com", "dev.azure.com"},
	"slack":              {"slack.com"},
}

// platformDomains are the names coderd must resolve under DNS filtering:
// its IdP's issuer and the external-auth providers.
func platformDomains(cfg *config.Stack) []string {
	var out []string
	if o := cfg.Coder.OIDC; o != nil {
		if u, err := url.Parse(o.IssuerURL); err == nil && u.Hostname() != "" {
			out = append(out, u.Hostname())
		}
	}
	for _, e := range cfg.Coder.ExternalAuth {
		out = append(out, saasAuthHosts[e.Type]...)
	}
	return out
}
