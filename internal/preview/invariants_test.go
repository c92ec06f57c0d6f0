package preview

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/amp"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi-eks/sdk/v3/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run registers program under a fresh recorder, as the offline preview does.
func run(t *testing.T, program pulumi.RunFunc, opts ...func(*Recorder)) (*Recorder, error) {
	t.Helper()
	rec := NewRecorder("coder-platform", "test")
	for _, o := range opts {
		o(rec)
	}
	err := pulumi.RunErr(program, pulumi.WithMocks("coder-platform", "test", rec), WithConfig(nil, nil))
	return rec, err
}

func TestDuplicateURNFailsAsTheEngineDoes(t *testing.T) {
	t.Parallel()
	rule := func(ctx *pulumi.Context, desc string) error {
		_, err := vpc.NewSecurityGroupEgressRule(ctx, "prov-egress-tcp-443", &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId: pulumi.String("sg-1"), IpProtocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
			CidrIpv4: pulumi.String("0.0.0.0/0"), Description: pulumi.String(desc),
		})
		return err
	}
	rec, err := run(t, func(ctx *pulumi.Context) error {
		if err := rule(ctx, "TLS egress"); err != nil {
			return err
		}
		return rule(ctx, "allow-list: HTTPS")
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Duplicate resource URN 'urn:pulumi:test::coder-platform::aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule::prov-egress-tcp-443'; try giving it a unique name")
	// Registrations race, as they do in the engine: either may come first.
	assert.Contains(t, err.Error(), `registered first as #1 with description=`)
	assert.Contains(t, err.Error(), `description="TLS egress"`)
	assert.Contains(t, err.Error(), `description="allow-list: HTTPS"`)
	require.Len(t, rec.Rejected(), 1)
	assert.Len(t, rec.Resources(), 1, "the second registration is refused")
}

// The SDK resolves a provider's URN and ID before it sends a reference, so
// a program cannot easily send an unknown one; the check is the engine's
// (loadResourceProvider), for references the program builds by hand.
func TestProviderReferencesMustNameARegisteredProvider(t *testing.T) {
	t.Parallel()
	r := NewRecorder("coder-platform", "test")
	require.EqualError(t, r.checkProviderRef("urn:pulumi:test::coder-platform::pulumi:providers:aws::us-east-1::id-1", "urn:x"),
		"unknown provider 'urn:pulumi:test::coder-platform::pulumi:providers:aws::us-east-1::id-1' for resource 'urn:x'")
	require.ErrorContains(t, r.checkProviderRef("nonsense", "urn:x"), "bad provider reference 'nonsense' for resource 'urn:x'")
}

// pulumi-eks v3.9.1 throws for any non-null publicAccessCidrs, [] included,
// while the endpoint is private (cluster/cluster.ts); the Go SDK sends
// pulumi.ToStringArray(nil) as [].
func TestPulumiEksRejectsPublicAccessCidrsOnAPrivateEndpoint(t *testing.T) {
	t.Parallel()
	cluster := func(cidrs pulumi.StringArrayInput, public bool) pulumi.RunFunc {
		return func(ctx *pulumi.Context) error {
			_, err := eks.NewCluster(ctx, "c", &eks.ClusterArgs{
				Name: pulumi.String("coder-test-us-east-1"), SkipDefaultNodeGroup: pulumi.BoolRef(true),
				EndpointPrivateAccess: pulumi.Bool(true), EndpointPublicAccess: pulumi.Bool(public), PublicAccessCidrs: cidrs,
			})
			return err
		}
	}
	_, err := run(t, cluster(pulumi.ToStringArray(nil), false))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "`publicAccessCidrs` can only be set when `endpointPublicAccess` is true")
	_, err = run(t, cluster(nil, false))
	require.NoError(t, err)
	_, err = run(t, cluster(pulumi.ToStringArray([]string{"198.51.100.0/24"}), true))
	require.NoError(t, err)

	mode := eks.AuthenticationMode("CONFIG_MAP")
	_, err = run(t, func(ctx *pulumi.Context) error {
		_, err := eks.NewCluster(ctx, "c", &eks.ClusterArgs{Name: pulumi.String("c"), SkipDefaultNodeGroup: pulumi.BoolRef(true),
			AuthenticationMode: &mode, AccessEntries: map[string]eks.AccessEntryArgs{}})
		return err
	})
	require.ErrorContains(t, err, "The 'accessEntries' property is not supported when 'authenticationMode' is set to 'CONFIG_MAP'.")
}

// AMP creates the access entry of a scraper's role itself; an explicit one
// for the same principal fails at `pulumi up` with ResourceInUseException.
func TestSecondAccessEntryForAPrincipalFails(t *testing.T) {
	t.Parallel()
	_, err := run(t, func(ctx *pulumi.Context) error {
		s, err := amp.NewScraper(ctx, "prom", &amp.ScraperArgs{
			Source: &amp.ScraperSourceArgs{Eks: &amp.ScraperSourceEksArgs{
				ClusterArn: pulumi.String("arn:aws:eks:us-east-1:123456789012:cluster/coder-test-us-east-1"),
				SubnetIds:  pulumi.ToStringArray([]string{"subnet-1"}),
			}},
			Destination:         &amp.ScraperDestinationArgs{Amp: &amp.ScraperDestinationAmpArgs{WorkspaceArn: pulumi.String("arn:aws:aps:us-east-1:123456789012:workspace/ws-1")}},
			ScrapeConfiguration: pulumi.String("scrape_configs: []"),
		})
		if err != nil {
			return err
		}
		_, err = awseks.NewAccessEntry(ctx, "prom-scraper", &awseks.AccessEntryArgs{
			ClusterName: pulumi.String("coder-test-us-east-1"), PrincipalArn: s.RoleArn,
		})
		return err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ResourceInUseException: The specified access entry resource is already in use on this cluster")
	assert.Contains(t, err.Error(), "the entry AMP creates for scraper")

	// The cluster creator's entry counts too.
	apiMode := eks.AuthenticationModeApi
	_, err = run(t, func(ctx *pulumi.Context) error {
		_, err := eks.NewCluster(ctx, "c", &eks.ClusterArgs{Name: pulumi.String("coder-test-us-east-1"), SkipDefaultNodeGroup: pulumi.BoolRef(true),
			AuthenticationMode: &apiMode, AccessEntries: map[string]eks.AccessEntryArgs{
				"admin-0": eks.AccessEntryArgs{PrincipalArn: pulumi.String("arn:aws:iam::111122223333:role/deployer")},
			}})
		return err
	}, func(r *Recorder) { r.CallerArn = AssumedRole("arn:aws:iam::111122223333:role/ci/deployer", "run-1") })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "principal arn:aws:iam::111122223333:role/deployer: the cluster creator's entry")
}

func TestNamesOverAWSLimitsFail(t *testing.T) {
	t.Parallel()
	_, err := run(t, func(ctx *pulumi.Context) error {
		_, err := lb.NewTargetGroup(ctx, "coder-workshop-ap-southeast-1", &lb.TargetGroupArgs{Port: pulumi.Int(8080)})
		return err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `aws:lb/targetGroup:TargetGroup coder-workshop-ap-southeast-1: the auto-name of "coder-workshop-ap-southeast-1" (with Pulumi's 8-character suffix) is 37 characters; Elastic Load Balancing CreateTargetGroup: at most 32`)

	_, err = run(t, func(ctx *pulumi.Context) error {
		_, err := lb.NewTargetGroup(ctx, "coder-prod-us-east-1", &lb.TargetGroupArgs{Port: pulumi.Int(8080)})
		return err
	})
	require.NoError(t, err)

	_, err = run(t, func(ctx *pulumi.Context) error {
		_, err := lb.NewLoadBalancer(ctx, "nlb", &lb.LoadBalancerArgs{Name: pulumi.String("coder_prod")})
		return err
	})
	require.ErrorContains(t, err, `aws:lb/loadBalancer:LoadBalancer nlb: name "coder_prod": Elastic Load Balancing CreateLoadBalancer`)
}

func TestCreatorRoleOfAnAssumedRoleSession(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "arn:aws:sts::111122223333:assumed-role/deployer/run-1", AssumedRole("arn:aws:iam::111122223333:role/ci/deployer", "run-1"))
	assert.Equal(t, "arn:aws:iam::111122223333:role/deployer", creatorRole("arn:aws:sts::111122223333:assumed-role/deployer/run-1"))
	assert.Equal(t, "arn:aws:iam::111122223333:user/alice", creatorRole("arn:aws:iam::111122223333:user/alice"))
}
