package dns_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/dns"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
	"github.com/platformeng/coder-platform/internal/preview"
)

const (
	baseDomain = "coder.example.com"
	host       = "dev.coder.example.com"
	cfZoneID   = "3f2a9c1e5b7d4a60c8e1f2a3b4c5d6e7"
	nlbDNS     = "coder-test-abc.elb.us-east-1.amazonaws.com"
	nlbZone    = "Z26RNL4JYFTOTI"

	tZone      = "coder:dns:Zone"
	tR53Zone   = "aws:route53/zone:Zone"
	tR53Record = "aws:route53/record:Record"
	tCFProv    = "pulumi:providers:cloudflare"
	tCFRecord  = "cloudflare:index/record:Record"
	tCert      = "aws:acm/certificate:Certificate"
	tCertValid = "aws:acm/certificateValidation:CertificateValidation"
)

// registerEdgeDNS registers the stack's zone as stacks/edge.go newZone
// does, then a region's certificate and records in it.
func registerEdgeDNS(t *testing.T, args *dns.ZoneArgs) ct.Resources {
	t.Helper()
	return ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		args.AWSProvider = prov
		zone, err := dns.NewZone(ctx, "coder-test", args)
		if err != nil {
			return err
		}
		if _, err := dns.NewCertificate(ctx, "coder-test-us-east-1", &dns.CertificateArgs{Host: host, Zone: zone}, pulumi.Provider(prov)); err != nil {
			return err
		}
		_, err = dns.NewRecords(ctx, "coder-test-us-east-1", &dns.RecordsArgs{Host: host, Zone: zone, Target: dns.Target{
			DNSName: pulumi.String(nlbDNS).ToStringOutput(), ZoneID: pulumi.String(nlbZone).ToStringOutput(),
		}}, pulumi.Provider(prov))
		return err
	})
}

func TestZoneProviders(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		args  dns.ZoneArgs
		check func(t *testing.T, rs ct.Resources)
	}{
		{
			name: "route53, existing zone",
			args: dns.ZoneArgs{Provider: dns.Route53, BaseDomain: baseDomain},
			check: func(t *testing.T, rs ct.Resources) {
				assert.Empty(t, rs.OfType(tR53Zone), "the zone is looked up, not created")
				records := rs.OfType(tR53Record)
				// host, *.host, and the certificate's validation record.
				require.Len(t, records, 3)
				for _, r := range records {
					assert.True(t, strings.HasPrefix(ct.String(t, r, "zoneId"), "Z"), "%s is in the looked-up zone", r.Name)
				}
			},
		},
		{
			name: "route53, created zone",
			args: dns.ZoneArgs{Provider: dns.Route53, BaseDomain: baseDomain, CreateZone: true},
			check: func(t *testing.T, rs ct.Resources) {
				zones := rs.OfType(tR53Zone)
				require.Len(t, zones, 1)
				z := zones[0]
				assert.Equal(t, baseDomain, ct.String(t, z, "name"))
				assert.True(t, z.Protect, "the hosted zone is protected")
				assert.True(t, strings.HasPrefix(z.Provider, rs.OfType("pulumi:providers:aws")[0].URN+"::"), "Route 53 through the AWS provider given")
				records := rs.OfType(tR53Record)
				require.Len(t, records, 3)
				for _, r := range records {
					assert.Contains(t, r.PropertyDependencies["zoneId"], z.URN, "%s is in the created zone", r.Name)
				}
			},
		},
		{
			name: "cloudflare",
			args: dns.ZoneArgs{Provider: dns.Cloudflare, BaseDomain: baseDomain, CloudflareZoneID: cfZoneID,
				CloudflareToken: pulumi.String("cf-token")},
			check: func(t *testing.T, rs ct.Resources) {
				assert.Empty(t, rs.OfType(tR53Zone))
				assert.Empty(t, rs.OfType(tR53Record), "no Route 53 record with Cloudflare")
				provs := rs.OfType(tCFProv)
				require.Len(t, provs, 1)
				token := provs[0].Inputs["apiToken"]
				assert.True(t, token.ContainsSecrets(), "the API token stays a secret")
				assert.Equal(t, "cf-token", ct.String(t, provs[0], "apiToken"))
				records := rs.OfType(tCFRecord)
				require.Len(t, records, 3)
				for _, r := range records {
					assert.Equal(t, cfZoneID, ct.String(t, r, "zoneId"), r.Name)
					assert.Equal(t, false, ct.Input(t, r, "proxied"), "%s: the NLB terminates TLS, Cloudflare must not proxy", r.Name)
					assert.True(t, strings.HasPrefix(r.Provider, provs[0].URN+"::"), "%s through the zone's Cloudflare provider", r.Name)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := tc.args
			rs := registerEdgeDNS(t, &args)
			zone := rs.OfType(tZone)
			require.Len(t, zone, 1)
			assert.Equal(t, tc.args.Provider, ct.String(t, zone[0], "provider"))
			assert.Equal(t, baseDomain, ct.String(t, zone[0], "baseDomain"))
			assert.Equal(t, tc.args.CreateZone, ct.Input(t, zone[0], "createZone"))
			tc.check(t, rs)
		})
	}
}

// The access URL's records point the host and its wildcard at the NLB:
// Route 53 aliases, or DNS-only Cloudflare CNAMEs.
func TestRecordsPointAtTheLoadBalancer(t *testing.T) {
	t.Parallel()
	r53 := registerEdgeDNS(t, &dns.ZoneArgs{Provider: dns.Route53, BaseDomain: baseDomain})
	for name, fqdn := range map[string]string{"coder-test-us-east-1": host, "coder-test-us-east-1-wildcard": "*." + host} {
		r := r53.Named(tR53Record, name)
		require.NotNil(t, r, name)
		assert.Equal(t, fqdn, ct.String(t, r, "name"))
		assert.Equal(t, "A", ct.String(t, r, "type"))
		assert.Equal(t, nlbDNS, ct.String(t, r, "aliases[0].name"))
		assert.Equal(t, nlbZone, ct.String(t, r, "aliases[0].zoneId"))
	}

	cf := registerEdgeDNS(t, &dns.ZoneArgs{Provider: dns.Cloudflare, BaseDomain: baseDomain, CloudflareZoneID: cfZoneID,
		CloudflareToken: pulumi.String("cf-token")})
	for name, fqdn := range map[string]string{"coder-test-us-east-1": host, "coder-test-us-east-1-wildcard": "*." + host} {
		r := cf.Named(tCFRecord, name)
		require.NotNil(t, r, name)
		assert.Equal(t, fqdn, ct.String(t, r, "name"))
		assert.Equal(t, "CNAME", ct.String(t, r, "type"))
		assert.Equal(t, nlbDNS, ct.String(t, r, "content"))
	}
}

// The certificate covers the host and its wildcard and is validated by a
// record in the stack's provider; Cloudflare takes names without the dot.
func TestCertificateValidation(t *testing.T) {
	t.Parallel()
	for _, args := range []dns.ZoneArgs{
		{Provider: dns.Route53, BaseDomain: baseDomain},
		{Provider: dns.Cloudflare, BaseDomain: baseDomain, CloudflareZoneID: cfZoneID, CloudflareToken: pulumi.String("cf-token")},
	} {
		rs := registerEdgeDNS(t, &args)
		certs := rs.OfType(tCert)
		require.Len(t, certs, 1)
		assert.Equal(t, host, ct.String(t, certs[0], "domainName"))
		assert.Equal(t, []any{"*." + host}, ct.Input(t, certs[0], "subjectAlternativeNames"))
		assert.Equal(t, "DNS", ct.String(t, certs[0], "validationMethod"))

		var validation *preview.Resource
		if args.Provider == dns.Route53 {
			validation = rs.Named(tR53Record, "coder-test-us-east-1-validation")
		} else {
			validation = rs.Named(tCFRecord, "coder-test-us-east-1-validation")
		}
		require.NotNil(t, validation, args.Provider)
		name := ct.String(t, validation, "name")
		assert.True(t, strings.HasSuffix(name, "."+host+map[string]string{dns.Route53: ".", dns.Cloudflare: ""}[args.Provider]),
			"%s validation record %s", args.Provider, name)
		assert.Equal(t, "CNAME", ct.String(t, validation, "type"))

		vals := rs.OfType(tCertValid)
		require.Len(t, vals, 1)
		assert.Equal(t, []any{strings.TrimSuffix(name, ".")}, ct.Input(t, vals[0], "validationRecordFqdns"), args.Provider)
	}
}

func TestZoneRejectsAnUnknownProvider(t *testing.T) {
	t.Parallel()
	_, err := ct.RunErr(func(ctx *pulumi.Context) error {
		_, err := dns.NewZone(ctx, "coder-test", &dns.ZoneArgs{Provider: "gandi", BaseDomain: baseDomain})
		return err
	})
	require.ErrorContains(t, err, `dns coder-test: unknown provider "gandi"`)
}
