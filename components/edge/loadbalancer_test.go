package edge_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/edge"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
)

const (
	lbName     = "coder-test-us-east-1"
	s3KeyArn   = "arn:aws:kms:us-east-1:123456789012:key/s3"
	certArn    = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
	tlsPolicy  = "ELBSecurityPolicy-TLS13-1-2-2021-06"
	wsSecGroup = "sg-ws"

	tLB        = "aws:lb/loadBalancer:LoadBalancer"
	tListener  = "aws:lb/listener:Listener"
	tTG        = "aws:lb/targetGroup:TargetGroup"
	tEip       = "aws:ec2/eip:Eip"
	tEgress    = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	tBucket    = "aws:s3/bucketV2:BucketV2"
	tBucketPol = "aws:s3/bucketPolicy:BucketPolicy"
	tSSEConfig = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tLifecycle = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
)

func lbArgs() *edge.LoadBalancerArgs {
	out := func(s string) pulumi.StringOutput { return pulumi.String(s).ToStringOutput() }
	return &edge.LoadBalancerArgs{
		Region: "us-east-1", AccountID: pulumi.String("123456789012"), ClusterName: lbName,
		VpcID:                    out("vpc-1"),
		PublicSubnetIDs:          pulumi.ToStringArray([]string{"subnet-public-a", "subnet-public-b"}).ToStringArrayOutput(),
		AZCount:                  2,
		SecurityGroupID:          out("sg-lb"),
		WorkspaceSecurityGroupID: out(wsSecGroup),
		CertificateArn:           out(certArn),
		TLSPolicy:                tlsPolicy,
		TargetPort:               8080,
		HealthCheckPath:          "/healthz",
		DeregistrationDelay:      120,
		AccessLogKeyArn:          out(s3KeyArn),
		AccessLogRetentionDays:   90,
	}
}

func registerLB(t *testing.T, args *edge.LoadBalancerArgs) ct.Resources {
	t.Helper()
	return ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, args.Region)
		if err != nil {
			return err
		}
		_, err = edge.NewLoadBalancer(ctx, lbName, args, pulumi.Provider(prov))
		return err
	})
}

func TestLoadBalancerTLSListener(t *testing.T) {
	t.Parallel()
	for _, policy := range []string{tlsPolicy, "ELBSecurityPolicy-TLS13-1-3-2021-06"} {
		args := lbArgs()
		args.TLSPolicy = policy
		rs := registerLB(t, args)

		listeners := rs.OfType(tListener)
		require.Len(t, listeners, 1, "TLS only: no plaintext listener")
		l := listeners[0]
		assert.Equal(t, "TLS", ct.String(t, l, "protocol"))
		assert.Equal(t, 443.0, ct.Input(t, l, "port"))
		assert.Equal(t, policy, ct.String(t, l, "sslPolicy"))
		assert.Equal(t, certArn, ct.String(t, l, "certificateArn"))
		assert.Equal(t, "forward", ct.String(t, l, "defaultActions[0].type"))
		assert.Contains(t, ct.String(t, l, "defaultActions[0].targetGroupArn"), ":targetgroup/")

		comp := rs.OfType("coder:edge:LoadBalancer")
		require.Len(t, comp, 1)
		assert.Equal(t, policy, ct.String(t, comp[0], "tlsPolicy"))
	}
}

func TestLoadBalancerShape(t *testing.T) {
	t.Parallel()
	rs := registerLB(t, lbArgs())

	lbs := rs.OfType(tLB)
	require.Len(t, lbs, 1)
	nlb := lbs[0]
	assert.Equal(t, "network", ct.String(t, nlb, "loadBalancerType"))
	assert.Equal(t, false, ct.Input(t, nlb, "internal"))
	assert.Equal(t, []any{"sg-lb"}, ct.Input(t, nlb, "securityGroups"))
	mappings := ct.Input(t, nlb, "subnetMappings").([]any)
	require.Len(t, mappings, 2, "one static address per AZ")
	eips := rs.OfType(tEip)
	require.Len(t, eips, 2)
	for i, m := range mappings {
		assert.Equal(t, []string{"subnet-public-a", "subnet-public-b"}[i], m.(map[string]any)["subnetId"])
		assert.Equal(t, eips[i].ID, m.(map[string]any)["allocationId"])
		assert.True(t, eips[i].Protect, "the static addresses are protected")
	}

	tgs := rs.OfType(tTG)
	require.Len(t, tgs, 1)
	tg := tgs[0]
	assert.Equal(t, "ip", ct.String(t, tg, "targetType"))
	assert.Equal(t, 8080.0, ct.Input(t, tg, "port"))
	assert.Equal(t, 120.0, ct.Input(t, tg, "deregistrationDelay"))
	assert.Equal(t, "/healthz", ct.String(t, tg, "healthCheck.path"))
	assert.Equal(t, lbName, ct.String(t, tg, "tags.coder:cluster"))
}

// Access logs go to a bucket encrypted with the key given, which expires
// them after the retention given; the NLB waits for the bucket policy.
func TestLoadBalancerAccessLogs(t *testing.T) {
	t.Parallel()
	rs := registerLB(t, lbArgs())

	buckets := rs.OfType(tBucket)
	require.Len(t, buckets, 1)
	assert.True(t, buckets[0].Protect)
	nlb := rs.OfType(tLB)[0]
	assert.Equal(t, true, ct.Input(t, nlb, "accessLogs.enabled"))
	assert.Equal(t, "nlb", ct.String(t, nlb, "accessLogs.prefix"))
	assert.Equal(t, buckets[0].ID, ct.String(t, nlb, "accessLogs.bucket"))

	sse := rs.OfType(tSSEConfig)
	require.Len(t, sse, 1)
	assert.Equal(t, "aws:kms", ct.String(t, sse[0], "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"))
	assert.Equal(t, s3KeyArn, ct.String(t, sse[0], "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId"))
	lc := rs.OfType(tLifecycle)
	require.Len(t, lc, 1)
	assert.Equal(t, 90.0, ct.Input(t, lc[0], "rules[0].expiration.days"))

	pols := rs.OfType(tBucketPol)
	require.Len(t, pols, 1)
	stmts := ct.Statements(ct.JSON(t, pols[0], "policy"))
	for _, sid := range []string{"DenyInsecureTransport", "LogDeliveryWrite", "LogDeliveryAclCheck"} {
		assert.Contains(t, stmts, sid)
	}
	assert.Contains(t, nlb.Dependencies, pols[0].URN, "logging starts once delivery may write")
}

// A proxy region's workspaces also reach the primary access URL: one egress
// rule per primary address. The control plane has none.
func TestLoadBalancerPrimaryAddresses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		primary []string
	}{
		{name: "control plane: no primary addresses"},
		{name: "proxy: the control plane's addresses", primary: []string{"198.51.100.10", "198.51.100.11", "198.51.100.12"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := lbArgs()
			if tc.primary != nil {
				args.PrimaryAddresses = pulumi.ToStringArray(tc.primary).ToStringArrayOutput()
				args.PrimaryCount = len(tc.primary)
			}
			rs := registerLB(t, args)

			var toPrimary, toOwn []string
			for _, r := range rs.OfType(tEgress) {
				assert.Equal(t, wsSecGroup, ct.String(t, r, "securityGroupId"), r.Name)
				assert.Equal(t, 443.0, ct.Input(t, r, "fromPort"), r.Name)
				switch {
				case strings.HasPrefix(r.Name, lbName+"-ws-to-primary-"):
					toPrimary = append(toPrimary, ct.String(t, r, "cidrIpv4"))
				case strings.HasPrefix(r.Name, lbName+"-ws-to-nlb-"):
					toOwn = append(toOwn, ct.String(t, r, "cidrIpv4"))
				default:
					t.Errorf("unexpected egress rule %s", r.Name)
				}
			}
			assert.Len(t, toOwn, 2, "agents reach the region's own NLB addresses")
			var want []string
			for _, a := range tc.primary {
				want = append(want, a+"/32")
			}
			// Rules register concurrently: their order is not the test's.
			assert.ElementsMatch(t, want, toPrimary)
		})
	}
}

// A primary count without addresses is an error (it panicked on a nil
// output).
func TestLoadBalancerPrimaryCountNeedsAddresses(t *testing.T) {
	t.Parallel()
	args := lbArgs()
	args.PrimaryCount = 3
	_, err := ct.RunErr(func(ctx *pulumi.Context) error {
		_, err := edge.NewLoadBalancer(ctx, lbName, args)
		return err
	})
	require.ErrorContains(t, err, "PrimaryAddresses is not set")
}
