package stacks

import (
	"net/url"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/platformeng/coder-platform/components/dns"
	"github.com/platformeng/coder-platform/components/edge"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/stacks/config"
)

// newZone sets up the stack's one DNS provider. The Cloudflare token comes
// from secret config or Secrets Manager and stays a secret throughout.
func newZone(ctx *pulumi.Context, cfg *config.Plan, prov *aws.Provider) (*dns.Zone, error) {
	args := &dns.ZoneArgs{Provider: cfg.DNS.Provider, BaseDomain: cfg.DNS.BaseDomain, CreateZone: cfg.DNS.CreateZone, TakeOver: cfg.DNS.TakeOver, AWSProvider: prov}
	if cf := cfg.DNS.Cloudflare; cfg.DNS.Provider == dns.Cloudflare {
		args.CloudflareZoneID = cf.ZoneID
		if cfg.Secret(config.SecretCloudflareToken).Set() {
			args.CloudflareToken = pconfig.RequireSecret(ctx, cfg.Project+":"+config.SecretCloudflareToken)
		} else {
			args.CloudflareToken = secretsmanager.LookupSecretVersionOutput(ctx, secretsmanager.LookupSecretVersionOutputArgs{
				SecretId: pulumi.String(cf.APITokenSecretID),
			}, pulumi.Provider(prov)).SecretString()
		}
	}
	return dns.NewZone(ctx, "coder-"+cfg.Name, args)
}

// deployEdge gives a region its certificate, public NLB and DNS records.
func deployEdge(s *scope) error {
	ctx, cfg, p, r := s.ctx, s.cfg, s.p, s.r
	host := hostOf(r.AccessURL(cfg))
	var err error
	r.Certificate, err = dns.NewCertificate(ctx, s.name, &dns.CertificateArgs{Host: host, Zone: p.Zone}, s.opts...)
	if err != nil {
		return err
	}
	var primary pulumi.StringArrayOutput
	primaryCount := 0
	if !r.Config.Role.RunsCoderd() {
		// The control plane is deployed first: its addresses are known.
		cp := p.ControlPlane
		primary, primaryCount = cp.LoadBalancer.PublicIPs, len(cp.Config.AvailabilityZones)
	}
	r.LoadBalancer, err = edge.NewLoadBalancer(ctx, s.name, &edge.LoadBalancerArgs{
		Region:                   r.Config.Name,
		AccountID:                s.account,
		ClusterName:              ClusterName(cfg, r.Config.Name),
		VpcID:                    r.Network.VpcID,
		PublicSubnetIDs:          r.Network.PublicSubnetIDs,
		AZCount:                  len(r.Config.AvailabilityZones),
		SecurityGroupID:          r.Network.LoadBalancerSecurityGroupID,
		WorkspaceSecurityGroupID: r.Network.WorkspaceSecurityGroupID,
		PrimaryAddresses:         primary,
		PrimaryCount:             primaryCount,
		CertificateArn:           r.Certificate.Arn,
		TLSPolicy:                cfg.Edge.TLSPolicy,
		TargetPort:               workloads.CoderdPort,
		HealthCheckPath:          "/healthz",
		DeregistrationDelay:      cfg.Edge.DeregistrationDelaySeconds,
		AccessLogKeyArn:          r.Keys.Arn(security.KeyS3),
		AccessLogRetentionDays:   cfg.Edge.AccessLogRetentionDays,
	}, s.opts...)
	if err != nil {
		return err
	}
	_, err = dns.NewRecords(ctx, s.name, &dns.RecordsArgs{
		Host: host, Zone: p.Zone,
		Target: dns.Target{DNSName: r.LoadBalancer.DNSName, ZoneID: r.LoadBalancer.ZoneID},
	}, s.opts...)
	return err
}

func hostOf(accessURL string) string {
	u, err := url.Parse(accessURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
