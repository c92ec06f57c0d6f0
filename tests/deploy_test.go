package tests

// Regression tests for the defects that would have stopped the first real
// `pulumi up`, or deployed something that silently does not work (issue
// 14). Each runs the real program (stacks.Program) under the offline
// preview, whose recorder also enforces the engine's invariants, the
// pulumi-eks input checks and AWS's uniqueness and name limits.

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Defect 1: the provisioner's tcp/443 to 0.0.0.0/0 egress was registered
// twice (base rule and allow-list): same URN, and EC2 rejects the copy.
// The preview now fails on a duplicate URN, so both stacks running at all
// proves the fix; this pins the rule's single identity.
func TestEverySecurityGroupRuleIsRegisteredOnce(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		seen := map[string]string{}
		for _, typ := range []string{tEgress, tSGIngressRule} {
			for _, rule := range r.OfType(typ) {
				peer := str(rule, "cidrIpv4") + str(rule, "referencedSecurityGroupId") + str(rule, "prefixListId")
				key := fmt.Sprintf("%s|%s|%s|%v-%v|%s", typ, str(rule, "securityGroupId"), str(rule, "ipProtocol"),
					num(rule, "fromPort"), num(rule, "toPort"), peer)
				require.NotContains(t, seen, key, "%s: %s repeats %s (EC2: InvalidPermission.Duplicate)", name, rule.Name, seen[key])
				seen[key] = rule.Name
			}
		}
		provisioner443 := 0
		for _, rule := range r.OfType(tEgress) {
			if strings.Contains(rule.Name, "-provisioner-egress-tcp-443-0-0-0-0-0") {
				provisioner443++
			}
		}
		assert.Equal(t, len(r.Config.Regions), provisioner443, "%s: one provisioner 443 egress rule per region", name)
	}
}

// Defect 2: an empty publicAccessCidrs list reached pulumi-eks while the
// endpoint was private, which it rejects. Sent only with a public endpoint.
func TestPublicAccessCidrsOnlyWithAPublicEndpoint(t *testing.T) {
	t.Parallel()
	prod := stack(t, "prod").OfType(tEKS)
	require.Len(t, prod, 1)
	_, sent := prod[0].Inputs["publicAccessCidrs"]
	assert.False(t, sent, "private endpoint: publicAccessCidrs must not be sent at all, not even []")
	for _, c := range stack(t, "workshop").OfType(tEKS) {
		assert.Equal(t, []string{"198.51.100.0/24"}, strs(c, "publicAccessCidrs"))
	}
}

// Defect 3: AMP creates the scraper role's access entry itself; a second,
// explicit one failed with ResourceInUseException.
func TestNoExplicitAccessEntryForTheScraper(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		assert.Empty(t, r.OfType("aws:eks/accessEntry:AccessEntry"), name)
		// The scraper's Kubernetes identity is still bound to its role.
		var bound int
		for _, b := range r.OfType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding") {
			if str(b, "metadata.name") == "aps-collector-user-role-binding" {
				bound++
			}
		}
		assert.Equal(t, len(r.Config.Regions), bound, name)
	}
}

// Defect 4: DescribeKey carries no encryption context, so CloudTrail could
// not describe the trail key; and creating a trail on a bucket with an S3
// Bucket Key needs kms:Decrypt.
func TestCloudTrailKeyPolicy(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	var doc []statement
	for _, k := range r.OfType(tKey) {
		if tag(k, "coder:key-purpose") == "s3" {
			doc = policyOf(t, str(k, "policy"))
		}
	}
	require.NotEmpty(t, doc)
	actions := map[string]statement{}
	for _, st := range doc {
		if p, ok := st.Condition["StringLike"].(map[string]any); ok {
			if _, ctx := p["kms:EncryptionContext:aws:cloudtrail:arn"]; ctx {
				assert.NotContains(t, st.Action, "kms:DescribeKey", "DescribeKey carries no encryption context")
			}
		}
		for _, a := range st.Action {
			if st.Sid != "" && strings.HasPrefix(st.Sid, "CloudTrail") {
				actions[a] = st
			}
		}
	}
	for _, a := range []string{"kms:GenerateDataKey*", "kms:DescribeKey", "kms:Decrypt"} {
		require.Contains(t, actions, a, "CloudTrail needs %s", a)
		assert.Equal(t, map[string]any{"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/*"}, actions[a].Condition["ArnLike"], a)
	}
}

// Defect 5: EKS gives the cluster's creator an access entry of its own.
// The committed stacks run as their deployer role, which is not in
// adminRoleArns; someone else running the first `pulumi up` as an admin
// role would collide with that role's explicit entry.
func TestCreatorAccessEntry(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		assert.NotContains(t, r.Config.Cluster.AdminRoleArns, r.Config.Cluster.DeployerRoleArn, name)
	}
	sf := stackFile(t, "prod")
	_, err := preview.RunStackFile("coder-platform", "prod", sf, preview.At(testNow),
		preview.AsCaller(preview.AssumedRole("arn:aws:iam::111122223333:role/platform-admin", "alice")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ResourceInUseException: The specified access entry resource is already in use on this cluster "+
		"(cluster coder-prod-us-east-1, principal arn:aws:iam::111122223333:role/platform-admin: the cluster creator's entry")
}

// Defect 9: since Coder 2.34 the AI Gateway (formerly AI Bridge) is on when
// its variable is unset, under a new name; it is now always explicit.
func TestAIGatewayIsAlwaysExplicit(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"prod": "true", "workshop": "false"} {
		r := stack(t, name)
		cp := r.Config.ControlPlane().Name
		e := envOf(t, coderValues(t, release(t, r, cp, "coder", "coder")))
		assert.Equal(t, want, e["CODER_AI_GATEWAY_ENABLED"], name)
		assert.NotContains(t, e, "CODER_AIBRIDGE_ENABLED", "%s: the deprecated alias is not set", name)
	}
}

// Defect 10: a failed secret lookup read as "not filled yet" left coderd,
// the provisioners and template delivery out of the program, so `pulumi up`
// on a running stack planned to delete them. Only "no such secret yet" and
// "no current value" wait; any other error fails the run.
func TestSecretLookupFailureFailsTheRun(t *testing.T) {
	t.Parallel()
	for _, awsErr := range []string{
		"operation error Secrets Manager: ListSecretVersionIds, https response error StatusCode: 400, RequestID: 1, ThrottlingException: Rate exceeded",
		"operation error Secrets Manager: ListSecretVersionIds, https response error StatusCode: 400, RequestID: 2, api error AccessDeniedException: not authorized",
		"operation error Secrets Manager: ListSecretVersionIds, exceeded maximum number of attempts, 3, dial tcp: i/o timeout",
	} {
		res, err := preview.RunStackFile("coder-platform", "prod", stackFile(t, "prod"), preview.At(testNow), preview.FailSecretLookups(awsErr))
		require.Error(t, err, awsErr)
		assert.Contains(t, err.Error(), "cannot tell whether it holds a value")
		assert.Contains(t, err.Error(), "nothing was planned: a failed lookup must never remove the workloads that use it")
		assert.Contains(t, err.Error(), awsErr, "the AWS error is named")
		require.NotNil(t, res)
		for _, rel := range res.OfType(tHelmRelease) {
			assert.NotEqual(t, "coder", str(rel, "name"), "coderd is not registered after the failed lookup either")
		}
	}
	// Before the first `pulumi up` the secrets do not exist: that waits.
	res, err := preview.RunStackFile("coder-platform", "prod", stackFile(t, "prod"), preview.At(testNow),
		preview.FailSecretLookups("operation error Secrets Manager: ListSecretVersionIds, https response error StatusCode: 400, RequestID: 3, ResourceNotFoundException: Secrets Manager can't find the specified secret."))
	require.NoError(t, err)
	var waiting bool
	for _, d := range res.Diagnostics {
		waiting = waiting || strings.Contains(d.Message, "not started yet, waiting for values")
	}
	assert.True(t, waiting, "a secret that does not exist yet waits")
}

// Defect 11: a pinned minor asked RDS for a downgrade after AWS's automatic
// minor upgrade. The cluster names the major only; instances follow it.
func TestAuroraPinsTheMajorVersionOnly(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		for _, c := range r.OfType(tRDSCluster) {
			assert.Equal(t, "16", str(c, "engineVersion"), name)
		}
		for _, i := range r.OfType(tRDSInstance) {
			_, set := i.Inputs["engineVersion"]
			assert.False(t, set, "%s %s: an instance runs its cluster's version", name, i.Name)
		}
	}
}

// Defect 12: Auto Scaling deletes a one-time action once it has run, and
// rejects a start time in the past; after the event a fresh `pulumi up`
// failed. Actions whose time has come are not registered, and say so.
func TestPassedEventActionsAreNotRegistered(t *testing.T) {
	t.Parallel()
	actions := func(now time.Time) (map[string]int, []stacks.Diagnostic) {
		res, err := preview.RunStackFile("coder-platform", "workshop", stackFile(t, "workshop"), preview.At(now))
		require.NoError(t, err, now)
		out := map[string]int{}
		for _, s := range res.OfType(tSchedule) {
			name := str(s, "scheduledActionName")
			i := strings.Index(name, "event-")
			require.GreaterOrEqual(t, i, 0, "%s: the workshop schedules only the event's actions", name)
			out[name[i:]]++
			assert.True(t, s.RetainOnDelete, "%s: leaving the program only forgets a one-time action", s.Name)
		}
		return out, res.Diagnostics
	}
	before, _ := actions(testNow)
	groups := before["event-scale-up"]
	assert.Positive(t, groups)
	assert.Equal(t, map[string]int{"event-scale-up": groups, "event-scale-down": groups}, before, "each scaled group of each region")

	// The event runs 09:00–17:00 New York time on 2026-12-10.
	during, diags := actions(time.Date(2026, 12, 10, 16, 0, 0, 0, time.UTC))
	assert.Equal(t, map[string]int{"event-scale-down": groups}, during)
	assert.Contains(t, fmt.Sprint(diags), "event-scale-up was due at 2026-12-10T13:35:00Z and is not registered")

	after, diags := actions(time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC))
	assert.Empty(t, after)
	assert.Contains(t, fmt.Sprint(diags), "event-scale-down was due at")
}

// Defect 13: the cluster-autoscaler and KEDA charts follow the cluster's
// Kubernetes minor (compat/compat.go).
func TestChartsFollowTheKubernetesMinor(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	assert.Equal(t, "9.51.0", str(release(t, r, "us-east-1", "cluster-autoscaler", "cluster-autoscaler"), "version"), "autoscaler 1.33.0")
	assert.Equal(t, "2.18.3", str(release(t, r, "us-east-1", "keda", "keda"), "version"), "KEDA 2.18 is tested on 1.31–1.33")

	sf := stackFile(t, "prod")
	sf.Values["cluster"] = strings.NewReplacer(`"kubernetesVersion":"1.33"`, `"kubernetesVersion":"1.34"`,
		`"kubeProxy":"v1.33.0-eksbuild.2"`, `"kubeProxy":"v1.34.1-eksbuild.2"`).Replace(compactJSON(t, sf.Values["cluster"]))
	res, err := preview.RunStackFile("coder-platform", "prod", sf, preview.At(testNow))
	require.NoError(t, err)
	assert.Equal(t, "9.53.0", str(release(t, res, "us-east-1", "cluster-autoscaler", "cluster-autoscaler"), "version"))
	assert.Equal(t, "2.19.0", str(release(t, res, "us-east-1", "keda", "keda"), "version"))
}

// The physical names the stacks register fit AWS's limits: the recorder
// checks every one, so both stacks previewing proves it; this pins the
// tightest, the 32-character load balancer names.
func TestLoadBalancerNamesFit(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		for _, typ := range []string{tNLB, tTargetGroup} {
			for _, res := range r.OfType(typ) {
				assert.LessOrEqual(t, len(res.Name)+preview.AutoNameSuffix, 32, "%s %s", name, res.Name)
			}
		}
	}
}

// compactJSON re-encodes a structured config value without white space.
func compactJSON(t *testing.T, raw string) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(raw), &v))
	return mustJSON(t, v)
}

// Property: any stack name the config accepts yields physical names AWS
// accepts. Config validation checks the tightest limits up front; the
// preview then checks every name the real program registers, by type.
func TestEveryAcceptedStackNameFitsAWSNames(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		name := rapid.StringMatching(`[a-z][a-z0-9-]{0,14}[a-z0-9]`).Draw(rt, "stack")
		res, err := preview.RunStackFile("coder-platform", name, stackFile(t, "prod"), preview.At(testNow))
		if config.IsValidationError(err) {
			msg := err.Error()
			if !strings.Contains(msg, "(stack name)") && !strings.Contains(msg, "with stack \""+name+"\"") {
				rt.Fatalf("stack %q rejected for another reason: %v", name, err)
			}
			return
		}
		if err != nil {
			rt.Fatalf("stack %q passed validation but the preview failed: %v", name, err)
		}
		if len(res.Resources) == 0 {
			rt.Fatalf("stack %q registered nothing", name)
		}
	})
}

// With DNS filtering on, every name the platform itself resolves stays
// resolvable: the image registries, STUN, the IdP and the external-auth
// providers, whatever the operator's allow-list says.
func TestDNSFirewallAllowsWhatThePlatformNeeds(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "prod")
	var network map[string]any
	require.NoError(t, json.Unmarshal([]byte(sf.Values["network"]), &network))
	network["egress"].(map[string]any)["allowedDomains"] = []any{"pypi.org"}
	sf.Values["network"] = mustJSON(t, network)
	res, err := preview.RunStackFile("coder-platform", "prod", sf, preview.At(testNow))
	require.NoError(t, err)
	var allowed []string
	for _, l := range res.OfType("aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList") {
		if strings.HasSuffix(l.Name, "-allowed") {
			allowed = strs(l, "domains")
		}
	}
	for _, d := range []string{"pypi.org", "ghcr.io", "pkg-containers.githubusercontent.com", "public.ecr.aws", "registry.k8s.io",
		"stun.l.google.com", "login.acme-corp.com", "github.com", "api.github.com", "*.amazonaws.com", "acme-corp.com"} {
		assert.Contains(t, allowed, d)
	}
}

// The program is deterministic: two runs register the same inputs, so a
// second `pulumi up` changes nothing. Regression: the template delivery
// Job listed its ConfigMap items in Go's map order, so every update
// changed the Job and re-ran the delivery (found by the engine tests).
func TestProgramIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		runs := make([]*preview.Result, 3)
		for i := range runs {
			var err error
			runs[i], err = preview.RunStackFile("coder-platform", name, stackFile(t, name), preview.At(testNow))
			require.NoError(t, err)
		}
		for i := 1; i < len(runs); i++ {
			require.Len(t, runs[i].Resources, len(runs[0].Resources), name)
			first := map[string]*preview.Resource{}
			for _, r := range runs[0].Resources {
				first[r.URN] = r
			}
			for _, r := range runs[i].Resources {
				prev := first[r.URN]
				require.NotNil(t, prev, "%s: %s only in run %d", name, r.URN, i)
				assert.True(t, prev.Inputs.DeepEquals(r.Inputs), "%s: %s has different inputs in run %d", name, r.URN, i)
			}
		}
	}
}

// Workspace agents dial the access URL: their region's NLB and, in a proxy
// region, the control plane's (the primary access URL). Both the workspace
// security group and the coder-ws NetworkPolicy open exactly those
// addresses on 443, so a narrowed egress allow-list never cuts agents off
// (found by the review pass: only 0.0.0.0/0:443 in the allow-list let
// proxy-region agents reach the control plane).
func TestAgentsReachEveryAccessURL(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	byRegion := func(typ, nameHas string) map[string][]string {
		out := map[string][]string{}
		for _, res := range r.OfType(typ) {
			if strings.Contains(res.Name, nameHas) {
				out[regionOf(r, res)] = append(out[regionOf(r, res)], str(res, "cidrIpv4"))
			}
		}
		return out
	}
	own, primary := byRegion(tEgress, "-ws-to-nlb-"), byRegion(tEgress, "-ws-to-primary-")
	require.Len(t, own["us-east-2"], 3)
	assert.Empty(t, primary["us-east-2"], "the control plane dials only its own NLB")
	for _, region := range []string{"us-west-2", "eu-west-2"} {
		assert.Len(t, own[region], 3, region)
		assert.ElementsMatch(t, own["us-east-2"], primary[region], "%s: the control plane's NLB addresses", region)
	}
	for _, region := range []string{"us-east-2", "us-west-2", "eu-west-2"} {
		var cidrs []string
		for _, np := range r.OfType(tNetPol) {
			if r.RegionOf(np) != region || str(np, "metadata.name") != "allow-access-url" {
				continue
			}
			assert.Equal(t, "coder-ws", str(np, "metadata.namespace"))
			rule := mustInput(t, np, "spec.egress").ArrayValue()[0].ObjectValue()
			for _, to := range rule["to"].ArrayValue() {
				cidrs = append(cidrs, to.ObjectValue()["ipBlock"].ObjectValue()["cidr"].StringValue())
			}
			assert.Equal(t, float64(443), rule["ports"].ArrayValue()[0].ObjectValue()["port"].NumberValue())
		}
		assert.ElementsMatch(t, append(append([]string{}, own[region]...), primary[region]...), cidrs, region)
	}
}
