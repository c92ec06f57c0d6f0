package stacks

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/database"
	"github.com/platformeng/coder-platform/components/security"
)

// deployCoder runs Coder in a region: coderd or a proxy, provisioners and,
// in the control plane, the AI gateway.
func deployCoder(s *scope) error {
	ctx, cfg, r, d := s.ctx, s.cfg, s.r, s.d
	rc := r.Config
	args := coderArgs(s)
	images, refs, err := regionImages(s)
	if err != nil {
		return err
	}
	args.Images = images
	if g := args.AIGateway; g != nil && refs[g.Image] != "" {
		g.Image = refs[g.Image]
	}
	if rc.Role.RunsProxy() && cfg.ProxyTokenInConfig(rc.Name) {
		args.ProxyToken = proxyToken(ctx, cfg, rc.Name)
	}
	if args.SecretsReady, args.SecretVersions, err = secretsReady(ctx, cfg, r, coder.RequiredSecrets(args)); err != nil {
		return err
	}
	deps := []pulumi.Resource{r.Cluster, r.LoadBalancer}
	if r.Registry != nil {
		deps = append(deps, r.Registry) // its cache rules and templates, before the first pull
	}
	r.Coder, err = coder.NewCoder(ctx, s.name, args, s.after(deps...)...)
	if err != nil {
		return err
	}
	if args.Role.RunsCoderd() && args.AIBridge {
		d.add(Info, rc.Name+" coder", "the AI Gateway is on (coder.aiBridge): it needs the AI Governance add-on licence, "+
			"and serves nothing until an owner adds a provider under Admin settings > AI > Providers (docs/runbooks.md)")
	}
	if len(r.Coder.Pending) > 0 {
		d.add(Warning, rc.Name+" coder", "not started yet, waiting for values in %s; put them (docs/runbooks.md, first deployment) and run pulumi up again",
			strings.Join(r.Coder.Pending, ", "))
	}
	return nil
}

func coderArgs(s *scope) *coder.CoderArgs {
	cfg, p, r := s.cfg, s.p, s.r
	rc := r.Config
	cc := cfg.Coder
	args := &coder.CoderArgs{
		Stack: cfg.Name, Region: rc.Name, AccountID: s.account,
		Version: cc.Version, ChartVersion: cc.ChartVersion,
		AccessURL: r.AccessURL(cfg), PrimaryAccessURL: cc.AccessURL,
		Cluster:        coder.ClusterRef{KubeProvider: r.Cluster.KubeProvider, OIDC: r.Cluster.OIDC, Namespaces: r.Cluster.Namespaces()},
		TargetGroupArn: r.LoadBalancer.TargetGroupArn,
		Keys:           coder.Keys{Secrets: r.Keys.Arn(security.KeySecrets), EBS: r.Keys.Arn(security.KeyEBS), Replica: secretReplica(cfg, p, rc.Name)},
		Workspaces: coder.WorkspaceNetwork{
			VpcID: r.Network.VpcID, SubnetIDs: r.Network.WorkspaceSubnetIDs, SecurityGroupID: r.Network.WorkspaceSecurityGroupID,
			AccessAddresses: accessAddresses(p, r),
		},
		QueueMetrics:     queueMetrics(r),
		KEDAChartVersion: cfg.Versions().KEDAChart,
		Provisioners:     provisioners(cfg, r),
		// Token lifetimes are coderd's, for every region's tokens.
		Identity: identityArgs(cc, cfg.Lifetimes()),
	}
	args.Role, args.Server = rc.Role, r.Plan.Server
	if !rc.Role.RunsCoderd() {
		return args
	}
	db := r.Database
	args.Database = &coder.DatabaseArgs{
		Endpoint: db.Endpoint, Port: database.Port, Name: database.DatabaseName, ClusterResourceID: db.ClusterResourceID,
		MasterSecretArn: db.MasterSecretArn, Auth: cc.PgAuth, User: database.CoderUser, PoolMaxOpen: cc.PgConnMaxOpen,
	}
	if o := cc.OIDC; o != nil {
		args.OIDC = &coder.OIDCArgs{IssuerURL: o.IssuerURL, ClientID: o.ClientID, EmailDomains: o.EmailDomains,
			Scopes: o.Scopes, SignInText: o.SignInText}
	}
	if l := cc.License; l != nil {
		args.License = &coder.LicenseArgs{Features: l.Features}
	}
	args.Configuration = coder.ConfigurationArgs{Owners: cc.Identity.Owners, Groups: configuredGroups(cfg),
		Schedule: coder.ConfigurationSchedule, SuspendInactiveDays: cc.Identity.SuspendInactiveDays,
		GroupSync: groupSync(cfg)}
	args.BuildRetries = buildRetries(cfg)
	for _, e := range cc.ExternalAuth {
		args.ExternalAuth = append(args.ExternalAuth, coder.ExternalAuthArgs{ID: e.ID, Type: e.Type, ClientID: e.ClientID})
	}
	args.QuietHours = coder.QuietHoursArgs{Schedule: cc.QuietHours.Schedule, AllowCustom: cc.QuietHours.AllowCustom}
	args.AIBridge = cc.AIBridge
	// Coder's scale guide: aggregate agent stats at high scale.
	args.AggregateAgentStats = cfg.Workload.Users >= 1000
	if t, composed := cfg.Templates, cfg.Composed(); t.Delivering() && len(composed) > 0 {
		args.Templates = &coder.TemplatesArgs{Organization: t.Organization, Composed: composed, Groups: t.Groups}
		addScaletestTemplate(cfg, args)
	}
	if g := cc.AIGateway; g.Enabled {
		args.AIGateway = &coder.AIGatewayArgs{Replicas: r.Plan.AIGateway.Replicas, Resources: g.Resources(), Image: g.Image, Models: g.Models}
	}
	return args
}

// queueMetrics is the region's own Prometheus, which scrapes its
// provisioners: the running builds its autoscalers read.
func queueMetrics(r *Region) *coder.PrometheusRef {
	return &coder.PrometheusRef{WorkspaceArn: r.Prometheus.WorkspaceArn, Endpoint: r.Prometheus.Endpoint, Region: r.Config.Name}
}

// accessAddresses are the NLB addresses a region's agents dial: its own,
// and in a proxy region the control plane's (the primary access URL).
func accessAddresses(p *Platform, r *Region) []coder.Addresses {
	own := coder.Addresses{IPs: r.LoadBalancer.PublicIPs, Count: len(r.Config.AvailabilityZones)}
	if r.Config.Role.RunsCoderd() {
		return []coder.Addresses{own}
	}
	cp := p.ControlPlane
	return []coder.Addresses{own, {IPs: cp.LoadBalancer.PublicIPs, Count: len(cp.Config.AvailabilityZones)}}
}
