package dns

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/tokens"
)

// CertificateArgs configures the certificate of one host.
type CertificateArgs struct {
	// Host is the access-URL host; the certificate also covers *.Host for
	// the wildcard access URL (workspace apps on subdomains).
	Host string
	Zone *Zone
}

// Certificate is an ACM certificate for a host and its wildcard, validated
// by DNS in the stack's provider so that ACM renews it without anyone
// doing anything.
type Certificate struct {
	pulumi.ResourceState

	// Arn is known only once validation has succeeded.
	Arn pulumi.StringOutput `pulumi:"arn"`
}

// NewCertificate requests and validates the certificate. Pass the AWS
// provider of the load balancer's region in opts: ACM is regional.
func NewCertificate(ctx *pulumi.Context, name string, args *CertificateArgs, opts ...pulumi.ResourceOption) (*Certificate, error) {
	c := &Certificate{}
	if err := ctx.RegisterComponentResourceV2(tokens.Certificate, name, pulumi.Map{
		"host": pulumi.String(args.Host), "wildcard": pulumi.String("*." + args.Host),
		"validationMethod": pulumi.String("DNS"), "dnsProvider": pulumi.String(args.Zone.Provider),
	}, c, opts...); err != nil {
		return nil, err
	}
	cert, err := acm.NewCertificate(ctx, name, &acm.CertificateArgs{
		DomainName:              pulumi.String(args.Host),
		SubjectAlternativeNames: pulumi.StringArray{pulumi.String("*." + args.Host)},
		ValidationMethod:        pulumi.String("DNS"),
		KeyAlgorithm:            pulumi.String("RSA_2048"),
		Tags:                    pulumi.StringMap{"Name": pulumi.String(args.Host)},
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", name, err)
	}
	// A host and its wildcard share one validation record, so the host's
	// validation option covers both names.
	dvo := cert.DomainValidationOptions.ApplyT(func(opts []acm.CertificateDomainValidationOption) (acm.CertificateDomainValidationOption, error) {
		for _, o := range opts {
			if o.DomainName != nil && *o.DomainName == args.Host {
				return o, nil
			}
		}
		return acm.CertificateDomainValidationOption{}, fmt.Errorf("ACM returned no DNS validation option for %s", args.Host)
	}).(acm.CertificateDomainValidationOptionOutput)
	fqdn, err := args.Zone.validationRecord(ctx, name+"-validation",
		dvo.ResourceRecordName().Elem(), dvo.ResourceRecordType().Elem(), dvo.ResourceRecordValue().Elem(), c)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", name, err)
	}
	v, err := acm.NewCertificateValidation(ctx, name, &acm.CertificateValidationArgs{
		CertificateArn: cert.Arn, ValidationRecordFqdns: pulumi.StringArray{fqdn},
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", name, err)
	}
	c.Arn = v.CertificateArn
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"arn": c.Arn}); err != nil {
		return nil, err
	}
	return c, nil
}

// RecordsArgs points a host and its wildcard at a load balancer.
type RecordsArgs struct {
	Host   string
	Zone   *Zone
	Target Target
}

// Records are the DNS records of one access URL.
type Records struct {
	pulumi.ResourceState
}

// NewRecords creates host and *.host records for the target.
func NewRecords(ctx *pulumi.Context, name string, args *RecordsArgs, opts ...pulumi.ResourceOption) (*Records, error) {
	r := &Records{}
	if err := ctx.RegisterComponentResourceV2(tokens.Records, name, pulumi.Map{
		"names": pulumi.ToStringArray([]string{args.Host, "*." + args.Host}), "dnsProvider": pulumi.String(args.Zone.Provider),
	}, r, opts...); err != nil {
		return nil, err
	}
	if err := args.Zone.pointAt(ctx, name, args.Host, args.Target, r); err != nil {
		return nil, fmt.Errorf("records %s: %w", name, err)
	}
	if err := args.Zone.pointAt(ctx, name+"-wildcard", "*."+args.Host, args.Target, r); err != nil {
		return nil, fmt.Errorf("records %s: %w", name, err)
	}
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{})
}
