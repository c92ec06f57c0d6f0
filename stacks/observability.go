package stacks

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/dns"
	"github.com/platformeng/coder-platform/components/observability"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/stacks/config"
)

// deployObservability adds a region's logs, alarms and dashboard; the
// control-plane region also holds the stack's one multi-region CloudTrail.
// deployMetrics gives a region its managed Prometheus, which scrapes coderd,
// the proxies and the provisioners (their autoscalers read it).
func deployMetrics(s *scope) error {
	r := s.r
	prom, err := observability.NewPrometheus(s.ctx, s.name, &observability.PrometheusArgs{
		Region: r.Config.Name, AccountID: s.account, ClusterName: r.Cluster.ClusterName,
		SubnetIDs: r.Network.ControlSubnetIDs, SecurityGroupIDs: pulumi.StringArray{r.Network.NodesSecurityGroupID},
		KmsKeyArn: r.Keys.Arn(security.KeyMetrics), KubeProvider: r.Cluster.KubeProvider, ScrapeInterval: "30s",
	}, s.after(r.Cluster)...)
	if err != nil {
		return err
	}
	r.Prometheus = prom
	return nil
}

func deployObservability(s *scope) error {
	ctx, cfg, r, d := s.ctx, s.cfg, s.r, s.d
	rc, o := r.Config, cfg.Observability
	control := rc.Role.RunsCoderd()
	args := &observability.MonitoringArgs{
		Stack: cfg.Name, Region: rc.Name, AccountID: s.account,
		ClusterName: r.Cluster.ClusterName, OIDC: r.Cluster.OIDC, KubeProvider: r.Cluster.KubeProvider,
		LogsKeyArn: r.Keys.Arn(security.KeyLogs), SNSKeyArn: r.Keys.Arn(security.KeySNS), S3KeyArn: r.Keys.Arn(security.KeyS3),
		LogRetentionDays:  o.LogRetentionDays,
		ContainerInsights: o.InsightsOn(),
		RunbookURL:        o.RunbookURL,
		Thresholds:        o.Thresholds,
		RestartNamespaces: []string{workloads.NamespaceCoder, workloads.NamespaceProvisioner},
		Prometheus:        r.Prometheus,
		CoderRules:        control,
		Day2:              control,
		LoadBalancer: &observability.LoadBalancerRefs{
			ArnSuffix: r.LoadBalancer.ArnSuffix, TargetGroupArnSuffix: r.LoadBalancer.TargetGroupArnSuffix,
		},
		Credentials:        credentials(cfg, r),
		Trail:              control && o.CloudTrail.On(),
		TrailRetentionDays: o.CloudTrail.RetentionDays,
		CostAlerts:         costAlerts(cfg, rc),
		SecurityFindings:   securityFindings(cfg),
	}
	refs, err := s.p.images.in(r)
	if err != nil {
		return err
	}
	args.FluentBitImage = refs[observability.FluentBitImage]
	for _, n := range o.Notifications {
		args.Notifications = append(args.Notifications, observability.Subscription{Protocol: n.Protocol, Endpoint: n.Endpoint})
	}
	if control {
		args.Database = &observability.DatabaseRefs{ClusterIdentifier: pulumi.String(DatabaseIdentifier(cfg)), MaxACU: cfg.DatabaseSizing().MaxACU}
	}
	if !o.InsightsOn() {
		d.add(Warning, rc.Name+" observability", "containerInsights is off: no node CPU, memory, ephemeral-storage or restart alarms")
	}
	if len(o.Notifications) == 0 {
		d.add(Warning, rc.Name+" observability", "no observability.notifications: alarms reach the SNS topic but nobody is subscribed")
	}
	m, err := observability.NewMonitoring(ctx, s.name, args, s.after(r.Cluster)...)
	if err != nil {
		return err
	}
	r.Monitoring = m
	return nil
}

// credentials are the region's secrets as the credential functions and
// alarms see them: each with its warning and, for a coderd token that holds
// a value, its rotation.
func credentials(cfg *config.Plan, r *Region) *observability.Credentials {
	out := &observability.Credentials{
		Prefix: coder.SecretName(cfg.Name, r.Config.Name, ""),
		// Tokens are minted by coderd, at the primary access URL.
		CoderURL: cfg.Coder.AccessURL, SecretsKeyArn: r.Keys.Arn(security.KeySecrets),
	}
	for _, c := range r.Coder.Credentials() {
		if c.Purpose == coder.PurposeLicense {
			out.License, out.LicenseArn = c.Secret, c.Arn
			continue
		}
		w := observability.Credential{Secret: c.Secret, Arn: c.Arn, Purpose: strings.ReplaceAll(c.Purpose, "/", "-"), Runbook: c.Runbook,
			WarnDays: c.WarnDays(cfg.Observability.Thresholds.CredentialExpiryDays)}
		if c.Rotating {
			w.RotateEveryDays = c.RotateEveryDays()
		}
		out.Watched = append(out.Watched, w)
	}
	// The Cloudflare token the stack reads from Secrets Manager belongs to
	// the DNS team; the control plane watches its age all the same.
	if cf := cfg.DNS.Cloudflare; r.Config.Role.RunsCoderd() && cfg.DNS.Provider == dns.Cloudflare &&
		cf != nil && cf.APITokenSecretID != "" && !cfg.Secret(config.SecretCloudflareToken).Set() {
		out.External = append(out.External, observability.ExternalCredential{Secret: cf.APITokenSecretID, Purpose: "cloudflare-api-token",
			Runbook: "credential-cloudflare-token", Days: coder.ManualRotationDays, WarnDays: cfg.Observability.Thresholds.CredentialExpiryDays})
	}
	return out
}

// deployDashboards gives the stack one Grafana, in the control plane's
// cluster, with a data source per region's managed Prometheus and the
// repository's dashboards (components/observability/dashboards).
func deployDashboards(ctx *pulumi.Context, cfg *config.Plan, p *Platform) error {
	cp := p.ControlPlane
	var ws []observability.DashboardWorkspace
	for _, r := range p.Regions { // the control plane first
		ws = append(ws, observability.DashboardWorkspace{Region: r.Config.Name, Arn: r.Prometheus.WorkspaceArn,
			Endpoint: r.Prometheus.Endpoint, Coderd: r.Config.Role.RunsCoderd()})
	}
	refs, err := p.images.in(cp)
	if err != nil {
		return err
	}
	deps := []pulumi.Resource{cp.Cluster}
	if cp.Registry != nil {
		deps = append(deps, cp.Registry) // its cache rules, before the first pull
	}
	_, err = observability.NewDashboards(ctx, cfg.RegionPrefix(cp.Config.Name)+"-dashboards", &observability.DashboardsArgs{
		Stack: cfg.Name, OIDC: cp.Cluster.OIDC, KubeProvider: cp.Cluster.KubeProvider, Workspaces: ws,
		Images: observability.GrafanaImages{Grafana: refs[observability.GrafanaImage], Sidecar: refs[observability.GrafanaSidecarImage]},
	}, pulumi.Parent(cp), pulumi.Provider(cp.Provider), pulumi.DependsOn(deps))
	return err
}
