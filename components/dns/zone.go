// Package dns manages the DNS of the access URLs in Route 53 or Cloudflare
// (one provider per stack), and the ACM certificates validated through it.
package dns

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-cloudflare/sdk/v5/go/cloudflare"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/tokens"
)

// Providers.
const (
	Route53    = "route53"
	Cloudflare = "cloudflare"
)

// ZoneArgs selects and configures the stack's DNS provider.
type ZoneArgs struct {
	Provider   string
	BaseDomain string
	// CreateZone creates the Route 53 hosted zone instead of looking it up.
	CreateZone bool
	// TakeOver lets the access records replace records another stack made:
	// the regional failover stack points the same names at its own load
	// balancers (docs/disaster-recovery.md).
	TakeOver bool
	// AWSProvider manages Route 53 (a global service).
	AWSProvider pulumi.ProviderResource
	// CloudflareZoneID and CloudflareToken (a secret) configure Cloudflare.
	CloudflareZoneID string
	CloudflareToken  pulumi.StringInput
}

// Zone is the stack's DNS zone, whichever provider serves it.
type Zone struct {
	pulumi.ResourceState

	ZoneID     pulumi.StringOutput `pulumi:"zoneId"`
	Provider   string
	BaseDomain string

	aws      pulumi.ProviderResource
	cf       *cloudflare.Provider
	takeOver bool
}

// NewZone creates or looks up the zone of the base domain.
func NewZone(ctx *pulumi.Context, name string, args *ZoneArgs, opts ...pulumi.ResourceOption) (*Zone, error) {
	z := &Zone{Provider: args.Provider, BaseDomain: args.BaseDomain, aws: args.AWSProvider, takeOver: args.TakeOver}
	if err := ctx.RegisterComponentResourceV2(tokens.Zone, name, pulumi.Map{
		"provider": pulumi.String(args.Provider), "baseDomain": pulumi.String(args.BaseDomain),
		"createZone": pulumi.Bool(args.CreateZone), "takeOver": pulumi.Bool(args.TakeOver),
	}, z, opts...); err != nil {
		return nil, err
	}
	switch args.Provider {
	case Route53:
		if args.CreateZone {
			zone, err := route53.NewZone(ctx, name, &route53.ZoneArgs{
				Name: pulumi.String(args.BaseDomain), Comment: pulumi.String("Coder platform access URLs"),
			}, pulumi.Parent(z), pulumi.Provider(args.AWSProvider), pulumi.Protect(true))
			if err != nil {
				return nil, fmt.Errorf("dns %s: %w", name, err)
			}
			z.ZoneID = zone.ZoneId
		} else {
			z.ZoneID = route53.LookupZoneOutput(ctx, route53.LookupZoneOutputArgs{
				Name: pulumi.String(args.BaseDomain), PrivateZone: pulumi.Bool(false),
			}, pulumi.Parent(z), pulumi.Provider(args.AWSProvider)).ZoneId()
		}
	case Cloudflare:
		cf, err := cloudflare.NewProvider(ctx, name, &cloudflare.ProviderArgs{
			ApiToken: pulumi.ToSecret(args.CloudflareToken).(pulumi.StringOutput).ToStringPtrOutput(),
		}, pulumi.Parent(z))
		if err != nil {
			return nil, fmt.Errorf("dns %s: %w", name, err)
		}
		z.cf = cf
		z.ZoneID = pulumi.String(args.CloudflareZoneID).ToStringOutput()
	default:
		return nil, fmt.Errorf("dns %s: unknown provider %q", name, args.Provider)
	}
	if err := ctx.RegisterResourceOutputs(z, pulumi.Map{"zoneId": z.ZoneID}); err != nil {
		return nil, err
	}
	return z, nil
}

// Target is what a name points at: a load balancer's DNS name and, for
// Route 53 aliases, its hosted zone.
type Target struct {
	DNSName pulumi.StringOutput
	ZoneID  pulumi.StringOutput
}

// pointAt creates the record for fqdn → target: a Route 53 alias A record,
// or a DNS-only Cloudflare CNAME (the NLB terminates TLS, so Cloudflare
// must not proxy).
func (z *Zone) pointAt(ctx *pulumi.Context, name, fqdn string, t Target, parent pulumi.Resource) error {
	var err error
	switch z.Provider {
	case Route53:
		_, err = route53.NewRecord(ctx, name, &route53.RecordArgs{
			ZoneId: z.ZoneID, Name: pulumi.String(fqdn), Type: pulumi.String("A"),
			Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
				Name: t.DNSName, ZoneId: t.ZoneID, EvaluateTargetHealth: pulumi.Bool(true),
			}},
			// Only a failover stack replaces a record it did not create.
			AllowOverwrite: pulumi.Bool(z.takeOver),
		}, pulumi.Parent(parent), pulumi.Provider(z.aws))
	case Cloudflare:
		_, err = cloudflare.NewRecord(ctx, name, &cloudflare.RecordArgs{
			ZoneId: z.ZoneID, Name: pulumi.String(fqdn), Type: pulumi.String("CNAME"),
			Content: t.DNSName, Proxied: pulumi.Bool(false), Ttl: pulumi.Int(300),
			Comment: pulumi.String("Coder platform: managed by Pulumi"),
		}, pulumi.Parent(parent), pulumi.Provider(z.cf))
	}
	return err
}

// validationRecord creates an ACM DNS-validation CNAME and returns its FQDN.
func (z *Zone) validationRecord(ctx *pulumi.Context, name string, rname, rtype, rvalue pulumi.StringOutput, parent pulumi.Resource) (pulumi.StringOutput, error) {
	switch z.Provider {
	case Route53:
		rec, err := route53.NewRecord(ctx, name, &route53.RecordArgs{
			ZoneId: z.ZoneID, Name: rname, Type: rtype, Records: pulumi.StringArray{rvalue},
			Ttl: pulumi.Int(300), AllowOverwrite: pulumi.Bool(true),
		}, pulumi.Parent(parent), pulumi.Provider(z.aws))
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		return rec.Fqdn, nil
	default:
		rec, err := cloudflare.NewRecord(ctx, name, &cloudflare.RecordArgs{
			ZoneId: z.ZoneID, Name: rname.ApplyT(trimDot).(pulumi.StringOutput), Type: rtype,
			Content: rvalue.ApplyT(trimDot).(pulumi.StringOutput), Proxied: pulumi.Bool(false), Ttl: pulumi.Int(300),
			Comment: pulumi.String("ACM DNS validation: keeps certificate renewal automatic"),
		}, pulumi.Parent(parent), pulumi.Provider(z.cf))
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		return rec.Hostname, nil
	}
}

func trimDot(s string) string { return strings.TrimSuffix(s, ".") }
