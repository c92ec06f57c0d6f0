package tests

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks"
)

// capacityTable runs the capacity plan against a committed stack and
// indexes it as scope/item → need and gap.
func capacityTable(t *testing.T, name string, users int) (need, gap map[string]string) {
	t.Helper()
	need, gap = map[string]string{}, map[string]string{}
	for _, row := range stacks.CapacityReport(stack(t, name).Config, users) {
		key := row.Scope + "/" + row.Item
		need[key], gap[key] = row.Need, row.Gap
		assert.NotEmpty(t, row.Basis, key)
	}
	return need, gap
}

// The plan for several user counts, against the workshop stack (control
// plane with half the users, two proxies with a quarter each).
func TestWorkshopCapacityTable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		users                   int
		builds, ai, ctlProv     string
		pxProv, ctlNodes, wsCtl string
	}{
		// <10 users per region → 6 provisioners; LiteLLM table <10 → 4.
		{10, "3", "4 × 2 vCPU / 4Gi", "6 × 1 vCPU / 1Gi", "6 × 1 vCPU / 1Gi", "3 × m5.2xlarge", "3 × m5.4xlarge"},
		// 15 control-plane users → 10; LiteLLM 30 users → 8; 30 running
		// workspaces (21 S, 9 M) + 10 % on m5.4xlarge.
		{30, "8", "8 × 2 vCPU / 4Gi", "10 × 1 vCPU / 1Gi", "6 × 1 vCPU / 1Gi", "3 × m5.2xlarge", "7 × m5.4xlarge"},
		// 30 control-plane users → the table's 15; LiteLLM 60 / 4 = 15.
		{60, "15", "15 × 2 vCPU / 4Gi", "15 × 1 vCPU / 1Gi", "10 × 1 vCPU / 1Gi", "5 × m5.2xlarge", "13 × m5.4xlarge"},
	}
	for _, c := range cases {
		need, _ := capacityTable(t, "workshop", c.users)
		assert.Equal(t, c.builds, need["us-east-2/concurrent builds"], "%d users", c.users)
		assert.Equal(t, "2 × 1 vCPU / 2Gi", need["stack/coderd"], "%d users", c.users)
		assert.Equal(t, "0.5–4", need["stack/database ACU"], "%d users", c.users)
		assert.Equal(t, c.ai, need["us-east-2/AI gateway"], "%d users", c.users)
		assert.Equal(t, c.ctlProv, need["us-east-2/provisioners default"], "%d users", c.users)
		assert.Equal(t, c.pxProv, need["us-west-2/provisioners default"], "%d users", c.users)
		assert.Equal(t, "2 × 1 vCPU / 2Gi", need["eu-west-2/workspace proxy"], "%d users", c.users)
		assert.Equal(t, c.ctlNodes, need["us-east-2/control nodes"], "%d users", c.users)
		assert.Equal(t, c.wsCtl, need["us-east-2/workspace nodes (peak)"], "%d users", c.users)
	}
	// The committed stack holds its own 30 users with no gap...
	_, gap := capacityTable(t, "workshop", 30)
	for k, g := range gap {
		assert.Empty(t, g, k)
	}
	// ...and names the keys to raise for 60.
	_, gap = capacityTable(t, "workshop", 60)
	assert.Equal(t, "raise coder.aiGateway.replicas to 15", gap["us-east-2/AI gateway"])
	assert.Equal(t, "raise cluster.nodeGroups.control.maxSize to 5", gap["us-east-2/control nodes"])
}

func TestProdCapacityTable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		users                           int
		coderd, db, prov, provNodes, ws string
	}{
		// Validated architectures: 1k → 3 × 2/8; 3k → 4 × 4/12; above 3k the 10k tier.
		{1000, "3 × 2 vCPU / 8Gi", "1.0–16", "60 × 1 vCPU / 1Gi", "26 × c5.2xlarge", "53 × r5.4xlarge"},
		{3000, "4 × 4 vCPU / 12Gi", "1.0–64", "180 × 1 vCPU / 1Gi", "26 × c5.2xlarge", "159 × r5.4xlarge"},
		{5000, "10 × 4 vCPU / 12Gi", "2.0–128", "300 × 1 vCPU / 1Gi", "26 × c5.2xlarge", "264 × r5.4xlarge"},
	}
	for _, c := range cases {
		need, _ := capacityTable(t, "prod", c.users)
		assert.Equal(t, c.coderd, need["stack/coderd"], "%d users", c.users)
		assert.Equal(t, c.db, need["stack/database ACU"], "%d users", c.users)
		assert.Equal(t, c.prov, need["us-east-1/provisioners default"], "%d users", c.users)
		assert.Equal(t, c.provNodes, need["us-east-1/provisioner nodes"], "%d users", c.users)
		assert.Equal(t, c.ws, need["us-east-1/workspace nodes (peak)"], "%d users", c.users)
		assert.NotContains(t, need, "us-east-1/AI gateway", "prod runs the built-in AI bridge")
	}
	_, gap := capacityTable(t, "prod", 3000)
	for k, g := range gap {
		assert.Empty(t, g, k)
	}
	_, gap = capacityTable(t, "prod", 5000)
	assert.Equal(t, "set coder.coderd to 10 replicas", gap["stack/coderd"])
	assert.Equal(t, "raise database.maxAcu to 128; raise database.minAcu to 2.0", gap["stack/database ACU"])
	assert.Equal(t, "raise cluster.nodeGroups.workspace.maxSize to 264", gap["us-east-1/workspace nodes (peak)"])
}

// What the preview registers is the plan: the coder-ws quota and
// LimitRange, the node groups' scheduled scale-up and the provisioner
// pools' KEDA bounds, in every region of both stacks.
func TestDeployedCapacityIsThePlan(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		s := stack(t, name)
		for _, rc := range s.Config.Regions {
			rp := s.Config.Capacity().Region(rc.Name)
			require.NotNil(t, rp)
			quota, limits := inRegion(t, s, "kubernetes:core/v1:ResourceQuota", rc.Name), inRegion(t, s, "kubernetes:core/v1:LimitRange", rc.Name)
			assert.Equal(t, fmt.Sprint(rp.Quota.Pods), str(quota, "spec.hard.pods"), rc.Name)
			hard := func(key string) string {
				v, ok := quota.InputAt("spec", "hard", key)
				require.True(t, ok, key)
				return v.StringValue()
			}
			assert.Equal(t, fmt.Sprintf("%dm", rp.Quota.Requests.MilliCPU), hard("requests.cpu"), rc.Name)
			assert.Equal(t, fmt.Sprintf("%dMi", rp.Quota.Requests.MiB), hard("requests.memory"), rc.Name)
			assert.Equal(t, fmt.Sprint(rp.Quota.PVCs), str(quota, "spec.hard.persistentvolumeclaims"), rc.Name)
			items, ok := limits.Input("spec.limits")
			require.True(t, ok)
			max := items.ArrayValue()[0].ObjectValue()["max"].ObjectValue()
			assert.Equal(t, rp.Limits.MaxContainer.CPU(), max["cpu"].StringValue(), rc.Name)
			assert.Equal(t, rp.Limits.MaxContainer.Memory(), max["memory"].StringValue(), rc.Name)
			for _, so := range s.OfType("kubernetes:keda.sh/v1alpha1:ScaledObject") {
				if s.RegionOf(so) != rc.Name {
					continue
				}
				pool := rp.Provisioners.Pools[0]
				assert.Equal(t, fmt.Sprint(pool.Min), fmt.Sprint(num(so, "spec.minReplicaCount")), rc.Name)
				assert.Equal(t, fmt.Sprint(pool.Max), fmt.Sprint(num(so, "spec.maxReplicaCount")), rc.Name)
			}
		}
	}
}

// inRegion is the one resource of a type in a region.
func inRegion(t *testing.T, s *preview.Result, typ, region string) *preview.Resource {
	t.Helper()
	var out []*preview.Resource
	for _, r := range s.OfType(typ) {
		if s.RegionOf(r) == region {
			out = append(out, r)
		}
	}
	require.Len(t, out, 1, "%s in %s", typ, region)
	return out[0]
}
