package stacks

import (
	"fmt"
	"net/url"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/cluster"
	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/database"
	"github.com/platformeng/coder-platform/components/dns"
	"github.com/platformeng/coder-platform/components/edge"
	"github.com/platformeng/coder-platform/components/guard"
	"github.com/platformeng/coder-platform/components/network"
	"github.com/platformeng/coder-platform/components/observability"
	"github.com/platformeng/coder-platform/components/registry"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/components/tokens"
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
	// Plan is the region's part of the capacity plan (config.Plan.Capacity).
	Plan *sizing.RegionPlan
	// Database exists in the control-plane region only.
	Database     *database.Aurora
	Certificate  *dns.Certificate
	LoadBalancer *edge.LoadBalancer
	Prometheus   *observability.Prometheus
	Coder        *coder.Coder
	Monitoring   *observability.Monitoring
	// Registry is the region's ECR registry (nil with images.ecr off).
	Registry *registry.Registry
	// Guard is the region's security monitoring (registered even when
	// config turns every part of it off).
	Guard *guard.Guard
}

// AccessURL is the region's access URL: coder.accessUrl for the control
// plane, the proxy's own URL otherwise.
func (r *Region) AccessURL(cfg *config.Plan) string {
	if r.Config.Role.RunsCoderd() {
		return cfg.Coder.AccessURL
	}
	return r.Config.AccessURL
}

// regionKeys lists the key purposes a region needs.
func regionKeys(cfg *config.Plan, r *config.Region) []security.Purpose {
	// Every region backs up its workspaces' home volumes (KeyBackup).
	keys := []security.Purpose{security.KeyLogs, security.KeyEKS, security.KeyEBS, security.KeySecrets, security.KeyS3, security.KeyBackup,
		security.KeySNS, security.KeyMetrics, security.KeyECR}
	// The database, and the global database's standby in the backup region.
	if r.Role.RunsCoderd() || cfg.Database.GlobalDatabase && r.Name == cfg.Database.Backup.CopyRegion {
		keys = append(keys, security.KeyDatabase)
	}
	return keys
}

// newRegion registers the region component and its AWS provider.
func newRegion(ctx *pulumi.Context, cfg *config.Plan, rc *config.Region) (*Region, error) {
	r := &Region{Config: rc}
	if err := ctx.RegisterComponentResourceV2(tokens.Region, rc.Name, pulumi.Map{
		"role": pulumi.String(string(rc.Role)), "share": pulumi.Float64(*rc.Share),
		"users": pulumi.Int(cfg.Region(rc.Name).Users), "workspaces": pulumi.Int(cfg.Region(rc.Name).Workspaces),
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

// scope is what every step of a region's deployment reads: the engine
// context, the stack's config, the platform deployed so far, the region,
// its account, the name its resources start with and their options.
type scope struct {
	ctx     *pulumi.Context
	cfg     *config.Plan
	p       *Platform
	r       *Region
	d       *diagnostics
	account pulumi.StringOutput
	// name is the region's resource name (config.Stack.RegionPrefix): every
	// component of the region is registered under it.
	name string
	opts []pulumi.ResourceOption
}

// after is the region's resource options plus a dependency on deps.
func (s *scope) after(deps ...pulumi.Resource) []pulumi.ResourceOption {
	return append(slices.Clip(s.opts), pulumi.DependsOn(deps))
}

// deployRegion assembles every component of one region.
func deployRegion(ctx *pulumi.Context, cfg *config.Plan, p *Platform, r *Region, d *diagnostics) error {
	rc := r.Config
	s := &scope{
		ctx: ctx, cfg: cfg, p: p, r: r, d: d, name: cfg.RegionPrefix(rc.Name),
		account: aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, pulumi.Provider(r.Provider)).AccountId(),
		opts:    []pulumi.ResourceOption{pulumi.Parent(r), pulumi.Provider(r.Provider)},
	}
	var err error
	r.Keys, err = security.NewKeys(ctx, s.name, &security.KeysArgs{
		Region: rc.Name, AccountID: s.account, Purposes: regionKeys(cfg, rc),
		AliasPrefix: fmt.Sprintf("coder/%s/%s", cfg.Name, rc.Name), CostAlerts: costAlerts(cfg, rc),
		SecurityFindings: securityFindings(cfg),
	}, s.opts...)
	if err != nil {
		return err
	}
	r.Network, err = network.NewVpc(ctx, s.name, networkArgs(cfg, rc, s.account, r.Keys), s.opts...)
	if err != nil {
		return err
	}
	r.Plan = cfg.Capacity().Region(rc.Name)
	reportCapacity(cfg, rc.Name, d)
	ca := clusterArgs(cfg, rc, s.account, r.Network, r.Keys, r.Plan)
	ca.AWSProvider = r.Provider
	if cfg.Images.On() {
		ca.PullThroughPrefixes = PullThroughPrefixes(cfg)
	}
	// The registry comes first: the cluster's controllers pull from it.
	if err := deployRegistry(s); err != nil {
		return err
	}
	if ca.Images, err = clusterImages(s); err != nil {
		return err
	}
	clusterOpts := s.opts
	if r.Registry != nil {
		clusterOpts = s.after(r.Registry) // its cache rules and templates, before the first pull
	}
	r.Cluster, err = cluster.NewCluster(ctx, s.name, ca, clusterOpts...)
	if err != nil {
		return err
	}
	if rc.Role.RunsCoderd() {
		r.Database, err = database.NewAurora(ctx, s.name, databaseArgs(s), s.opts...)
		if err != nil {
			return err
		}
		reportDatabase(cfg, d)
	}
	for _, step := range []func(*scope) error{deployEdge, deployMetrics, deployCoder, deployObservability, deploySecurity, deployScaletest, deployResilience} {
		if err := step(s); err != nil {
			return err
		}
	}
	return ctx.RegisterResourceOutputs(r, pulumi.Map{
		"vpcId": r.Network.VpcID, "keys": r.Keys.Arns, "clusterName": r.Cluster.ClusterName,
		"accessUrl": pulumi.String(r.AccessURL(cfg)), "loadBalancer": r.LoadBalancer.DNSName,
	})
}

func networkArgs(cfg *config.Plan, rc *config.Region, account pulumi.StringOutput, keys *security.Keys) *network.VpcArgs {
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
		Plan:                 cfg.Region(rc.Name).Network,
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
func platformDomains(cfg *config.Plan) []string {
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
