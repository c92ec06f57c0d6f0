package preflight_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/fakeaws"
	"github.com/platformeng/coder-platform/internal/preflight"
)

var owner = preflight.Owner{Project: "coder-platform", Stack: "prod", Clusters: []string{"coder-prod-us-east-1"}}

func ownTags() map[string]string {
	return map[string]string{"project": "coder-platform", "stack": "prod"}
}

// account is a region with the stack deployed beside another team's VPC.
func account(t *testing.T) *fakeaws.Server {
	s := fakeaws.New(t)
	r := s.Region("us-east-1")
	r.VPCs = []fakeaws.Tagged{{ID: "vpc-own", Tags: ownTags()}, {ID: "vpc-other", Tags: map[string]string{"team": "data"}}, {ID: "vpc-default"}}
	for i := 0; i < 5; i++ { // more than a page: the count must follow nextToken
		r.Instances = append(r.Instances, fakeaws.Instance{ID: fmt.Sprintf("i-other%d", i), Type: "m7i.xlarge", VpcID: "vpc-other", State: "running", VCPU: 4})
	}
	r.Instances = append(r.Instances,
		fakeaws.Instance{ID: "i-own", Type: "m7i.4xlarge", VpcID: "vpc-own", State: "running", VCPU: 16},
		fakeaws.Instance{ID: "i-spot", Type: "c7i.2xlarge", VpcID: "vpc-other", State: "running", Spot: true, VCPU: 8},
		fakeaws.Instance{ID: "i-gpu", Type: "g5.xlarge", VpcID: "vpc-other", State: "running", VCPU: 4},
		fakeaws.Instance{ID: "i-stopped", Type: "m7i.xlarge", VpcID: "vpc-other", State: "stopped", VCPU: 4})
	r.Addresses = []fakeaws.Tagged{{ID: "eipalloc-own", Tags: ownTags()}, {ID: "eipalloc-1"}, {ID: "eipalloc-2"}}
	r.Gateways = []fakeaws.Tagged{{ID: "igw-own", Tags: ownTags()}, {ID: "igw-1"}}
	r.NATs = []fakeaws.NAT{{ID: "nat-1", VpcID: "vpc-other", SubnetID: "subnet-a", State: "available"},
		{ID: "nat-2", VpcID: "vpc-other", SubnetID: "subnet-a", State: "available"},
		{ID: "nat-own", VpcID: "vpc-own", SubnetID: "subnet-own", State: "available"},
		{ID: "nat-gone", VpcID: "vpc-other", SubnetID: "subnet-b", State: "deleted"}}
	r.Subnets = map[string]string{"subnet-a": "us-east-1a", "subnet-b": "us-east-1b", "subnet-own": "us-east-1a"}
	r.LoadBalancers = []fakeaws.LoadBalancer{{Name: "own", Type: "network", VpcID: "vpc-own"}, {Name: "a", Type: "network", VpcID: "vpc-other"},
		{Name: "b", Type: "application", VpcID: "vpc-other"}, {Name: "c", Type: "network", VpcID: "vpc-default"}}
	r.Clusters = []string{"coder-prod-us-east-1", "data-1", "data-2"}
	r.Instances = append(r.Instances, fakeaws.Instance{ID: "i-own-stopped", Type: "m6i.xlarge", VpcID: "vpc-own", State: "stopped", VCPU: 4})
	r.Volumes = []fakeaws.Volume{
		{ID: "vol-pvc", Type: "gp3", SizeGiB: 100, Tags: ownTags()},            // a PVC (the CSI driver's extra tags)
		{ID: "vol-root", Type: "gp3", SizeGiB: 50, InstanceID: "i-own"},        // a node's root volume
		{ID: "vol-ws", Type: "gp3", SizeGiB: 200, InstanceID: "i-own-stopped"}, // a stopped EC2 workspace's home
		{ID: "vol-a", Type: "gp3", SizeGiB: 1000, InstanceID: "i-other0"},      // another team's
		{ID: "vol-b", Type: "gp3", SizeGiB: 500},                               // unattached, another team's
		{ID: "vol-c", Type: "gp2", SizeGiB: 700},                               // another type
	}
	r.DBClusters = []fakeaws.Tagged{{ID: "own", Tags: ownTags()}, {ID: "data"}, {ID: "billing"}}
	r.DBInstances = []fakeaws.Tagged{{ID: "own-1", Tags: ownTags()}, {ID: "own-2", Tags: ownTags()}, {ID: "data-1"}}
	s.Applied["us-east-1/ec2/L-1216C47A"] = 64
	s.Defaults["ec2/L-34B43A08"] = 32
	s.Defaults["ec2/L-DB2E81BA"] = 0
	s.Defaults["ec2/L-0263D0A3"] = 5
	s.Defaults["vpc/L-F678F1CE"] = 5
	s.Defaults["vpc/L-A4707A72"] = 5
	s.Defaults["vpc/L-FE5A380F"] = 5
	s.Defaults["vpc/L-29B6F2EB"] = 50
	s.Defaults["elasticloadbalancing/L-69A177A2"] = 50
	s.Defaults["eks/L-1194D53C"] = 100
	s.Defaults["eks/L-6D54EA21"] = 30
	s.Defaults["eks/L-BD136A63"] = 450
	s.Defaults["rds/L-952B80B8"] = 40
	s.Defaults["rds/L-7B6409FD"] = 40
	s.Defaults["ebs/L-7A658B76"] = 50
	return s
}

func need(q preflight.Quota, amount int, class, az string) preflight.Need {
	return preflight.Need{Region: "us-east-1", Quota: q, Amount: amount, Class: class, AZ: az, Scope: az}
}

func TestCheckCountsUsageWithoutTheStacksOwn(t *testing.T) {
	t.Parallel()
	s := account(t)
	needs := []preflight.Need{
		need(preflight.OnDemandVCPU[preflight.ClassStandard], 40, preflight.ClassStandard, ""),
		need(preflight.SpotVCPU[preflight.ClassStandard], 16, preflight.ClassStandard, ""),
		need(preflight.ElasticIPs, 2, "", ""),
		need(preflight.VPCs, 1, "", ""),
		need(preflight.InternetGateways, 1, "", ""),
		need(preflight.NATPerAZ, 1, "", "us-east-1a"),
		need(preflight.NATPerAZ, 1, "", "us-east-1b"),
		need(preflight.InterfaceEndpoints, 8, "", ""),
		need(preflight.NLBs, 1, "", ""),
		need(preflight.EKSClusters, 1, "", ""),
		need(preflight.DBClusters, 1, "", ""),
		need(preflight.DBInstances, 2, "", ""),
		need(preflight.GP3Storage, 20*1024, "", ""),
	}
	rep, err := preflight.Check(context.Background(), preflight.NewAccount(s.Config(), owner), needs)
	require.NoError(t, err)
	used := map[string]int{}
	value := map[string]string{}
	for _, r := range rep.Rows {
		key := r.Quota.Code + r.AZ
		used[key] = r.Used
		value[key] = fmt.Sprintf("%g %s", r.Value, r.Source)
	}
	assert.Equal(t, 20, used["L-1216C47A"], "5 other m7i.xlarge running; the stack's own node and the stopped one excluded")
	assert.Equal(t, 8, used["L-34B43A08"], "the spot c7i.2xlarge")
	assert.Equal(t, 2, used["L-0263D0A3"])
	assert.Equal(t, 2, used["L-F678F1CE"])
	assert.Equal(t, 1, used["L-A4707A72"])
	assert.Equal(t, 2, used["L-FE5A380Fus-east-1a"])
	assert.Equal(t, 0, used["L-FE5A380Fus-east-1b"], "a deleted NAT gateway holds no quota")
	assert.Equal(t, 2, used["L-69A177A2"], "network load balancers only")
	assert.Equal(t, 2, used["L-1194D53C"])
	assert.Equal(t, 2, used["L-952B80B8"])
	assert.Equal(t, 1, used["L-7B6409FD"])
	assert.Equal(t, 1500, used["L-7A658B76"], "gp3 GiB of other teams' volumes; the stack's own by tag or attachment excluded")
	assert.Equal(t, "64 applied", value["L-1216C47A"])
	assert.Equal(t, "32 AWS default", value["L-34B43A08"], "a never-adjusted quota falls back to the default")
	assert.Empty(t, rep.Shortfalls())
	assert.Greater(t, s.CallCount("ec2:DescribeInstances"), 1, "instances span pages")
	assert.Equal(t, 2, s.CallCount("ec2:DescribeVpcs"), "VPCs are read once per region (two pages)")
}

func TestCheckReportsShortfallWithTheRequest(t *testing.T) {
	t.Parallel()
	s := account(t)
	needs := []preflight.Need{
		need(preflight.OnDemandVCPU[preflight.ClassStandard], 48, preflight.ClassStandard, ""),
		need(preflight.OnDemandVCPU[preflight.ClassG], 8, preflight.ClassG, ""),
		need(preflight.ElasticIPs, 4, "", ""),
		need(preflight.GP3Storage, 50*1024, "", ""),
	}
	rep, err := preflight.Check(context.Background(), preflight.NewAccount(s.Config(), owner), needs)
	require.NoError(t, err)
	short := rep.Shortfalls()
	require.Len(t, short, 4)
	assert.Equal(t, float64(-4), short[0].Headroom(), "20 used + 48 needed against 64")
	var out strings.Builder
	rep.WriteText(&out)
	assert.Contains(t, out.String(), "4 quota(s) fall short")
	assert.Contains(t, out.String(), "--service-code ebs --quota-code L-7A658B76 --desired-value 52", "(1500 + 51200) GiB in TiB, rounded up")
	assert.Contains(t, out.String(), "need 51200 GiB on top of 1500 GiB used, quota 50")
	assert.Contains(t, out.String(), "aws service-quotas request-service-quota-increase --region us-east-1 --service-code ec2 --quota-code L-1216C47A --desired-value 68")
	assert.Contains(t, out.String(), "--quota-code L-DB2E81BA --desired-value 12")
	assert.Contains(t, out.String(), "--quota-code L-0263D0A3 --desired-value 6")
}

// --request files each shortfall once: a second run finds the open request.
func TestRequestIncreasesOnce(t *testing.T) {
	t.Parallel()
	s := account(t)
	acct := preflight.NewAccount(s.Config(), owner)
	needs := []preflight.Need{need(preflight.OnDemandVCPU[preflight.ClassStandard], 48, preflight.ClassStandard, ""), need(preflight.VPCs, 1, "", "")}
	rep, err := preflight.Check(context.Background(), acct, needs)
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, acct.RequestIncreases(context.Background(), rep, &out))
	require.Len(t, s.Requests, 1)
	assert.Equal(t, fakeaws.QuotaRequest{ID: "req-1", Region: "us-east-1", Service: "ec2", Code: "L-1216C47A", Status: "PENDING", Desired: 68}, s.Requests[0])
	assert.Contains(t, out.String(), "us-east-1 L-1216C47A: requested 68 (request req-1, PENDING)")

	out.Reset()
	require.NoError(t, acct.RequestIncreases(context.Background(), rep, &out))
	assert.Len(t, s.Requests, 1, "an open request for enough is not filed again")
	assert.Contains(t, out.String(), "request req-1 for 68 is already PENDING")

	s.Requests[0].Status = "DENIED"
	out.Reset()
	require.NoError(t, acct.RequestIncreases(context.Background(), rep, &out))
	assert.Len(t, s.Requests, 2, "a denied request is asked again")

	s.Deny["servicequotas:RequestServiceQuotaIncrease"] = true
	s.Requests = nil
	err = acct.RequestIncreases(context.Background(), rep, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "servicequotas:RequestServiceQuotaIncrease L-1216C47A in us-east-1 was denied")
}

func TestCheckRetriesThrottling(t *testing.T) {
	t.Parallel()
	s := account(t)
	s.Throttle["ec2:DescribeInstances"] = 2
	s.Throttle["servicequotas:GetServiceQuota"] = 2
	rep, err := preflight.Check(context.Background(), preflight.NewAccount(s.Config(), owner),
		[]preflight.Need{need(preflight.OnDemandVCPU[preflight.ClassStandard], 8, preflight.ClassStandard, "")})
	require.NoError(t, err)
	assert.Equal(t, 20, rep.Rows[0].Used)
	assert.Equal(t, float64(64), rep.Rows[0].Value)
	assert.GreaterOrEqual(t, s.CallCount("ec2:DescribeInstances"), 5, "two throttled, then three pages")
}

func TestCheckAccessDeniedIsAnError(t *testing.T) {
	t.Parallel()
	for _, action := range []string{"ec2:DescribeInstances", "servicequotas:GetServiceQuota", "eks:ListClusters", "rds:DescribeDBClusters", "elasticloadbalancing:DescribeLoadBalancers"} {
		t.Run(action, func(t *testing.T) {
			s := account(t)
			s.Deny[action] = true
			needs := []preflight.Need{
				need(preflight.OnDemandVCPU[preflight.ClassStandard], 8, preflight.ClassStandard, ""),
				need(preflight.EKSClusters, 1, "", ""), need(preflight.DBClusters, 1, "", ""), need(preflight.NLBs, 1, "", ""),
			}
			rep, err := preflight.Check(context.Background(), preflight.NewAccount(s.Config(), owner), needs)
			require.Error(t, err, "a denied read is never a pass")
			assert.Nil(t, rep)
			assert.Contains(t, err.Error(), action+" ")
			assert.Contains(t, err.Error(), "was denied")
			assert.Contains(t, err.Error(), "read-only permissions: servicequotas:GetServiceQuota")
		})
	}
}

// A quota whose applied value Service Quotas cannot read is an error,
// unless the reason is that it has none (then AWS's default holds).
func TestCheckQuotaErrorReasons(t *testing.T) {
	t.Parallel()
	s := account(t)
	s.ErrorReasons["us-east-1/vpc/L-F678F1CE"] = "SERVICE_QUOTA_NOT_AVAILABLE_ERROR"
	rep, err := preflight.Check(context.Background(), preflight.NewAccount(s.Config(), owner), []preflight.Need{need(preflight.VPCs, 1, "", "")})
	require.NoError(t, err)
	assert.Equal(t, "AWS default", rep.Rows[0].Source)

	s.ErrorReasons["us-east-1/vpc/L-F678F1CE"] = "DEPENDENCY_ACCESS_DENIED_ERROR"
	_, err = preflight.Check(context.Background(), preflight.NewAccount(s.Config(), owner), []preflight.Need{need(preflight.VPCs, 1, "", "")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "L-F678F1CE in us-east-1: DEPENDENCY_ACCESS_DENIED_ERROR")
}

func TestClassOf(t *testing.T) {
	t.Parallel()
	for family, want := range map[string]string{"m7i": "Standard", "c7g": "Standard", "t3": "Standard", "r6i": "Standard",
		"g5": "G and VT", "g4dn": "G and VT", "vt1": "G and VT", "p4d": "P", "inf2": "", "dl1": "", "trn1": "", "x2idn": "", "mac2": ""} {
		got, ok := preflight.ClassOf(family)
		assert.Equal(t, want, got, family)
		assert.Equal(t, want != "", ok, family)
	}
}
