package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/platformeng/coder-platform/stacks"
)

// capacityTable runs the capacity recommendation against a committed stack
// and indexes it as scope/item → recommended and gap.
func capacityTable(t *testing.T, name string, users int) (rec, gap map[string]string) {
	t.Helper()
	rec, gap = map[string]string{}, map[string]string{}
	for _, row := range stacks.CapacityReport(stack(t, name).Config, users) {
		key := row.Scope + "/" + row.Item
		rec[key], gap[key] = row.Recommended, row.Gap
		assert.NotEmpty(t, row.Basis, key)
	}
	return rec, gap
}

// The capacity table for several user counts, against the workshop stack
// (control plane with half the users, two proxies with a quarter each).
func TestWorkshopCapacityTable(t *testing.T) {
	cases := []struct {
		users                       int
		builds, ai, ctlProv, pxProv string
		ctlNodes                    string
	}{
		// <10 users per region → 6 provisioners; LiteLLM table <10 → 4.
		{10, "5", "4 × 2 vCPU / 4Gi", "6 × 1 vCPU / 1Gi", "6 × 1 vCPU / 1Gi", "2 × m5.2xlarge"},
		// 10 control-plane users → 8; LiteLLM 20 users → 6.
		{20, "10", "6 × 2 vCPU / 4Gi", "8 × 1 vCPU / 1Gi", "6 × 1 vCPU / 1Gi", "3 × m5.2xlarge"},
		// 15 control-plane users → 10; LiteLLM 30 users → 8.
		{30, "15", "8 × 2 vCPU / 4Gi", "10 × 1 vCPU / 1Gi", "6 × 1 vCPU / 1Gi", "3 × m5.2xlarge"},
		// 30 control-plane users → the table's 15; LiteLLM 60 / 4 = 15.
		{60, "30", "15 × 2 vCPU / 4Gi", "15 × 1 vCPU / 1Gi", "10 × 1 vCPU / 1Gi", "5 × m5.2xlarge"},
	}
	for _, c := range cases {
		rec, _ := capacityTable(t, "workshop", c.users)
		assert.Equal(t, c.builds, rec["stack/concurrent builds"], "%d users", c.users)
		assert.Equal(t, "2 × 1 vCPU / 2Gi", rec["stack/coderd"], "%d users", c.users)
		assert.Equal(t, "0.5–4", rec["stack/database ACU"], "%d users", c.users)
		assert.Equal(t, c.ai, rec["stack/AI gateway"], "%d users", c.users)
		assert.Equal(t, c.ctlProv, rec["us-east-2/provisioners"], "%d users", c.users)
		assert.Equal(t, c.pxProv, rec["us-west-2/provisioners"], "%d users", c.users)
		assert.Equal(t, "2 × 1 vCPU / 2Gi", rec["eu-west-2/workspace proxy"], "%d users", c.users)
		assert.Equal(t, c.ctlNodes, rec["us-east-2/control nodes"], "%d users", c.users)
	}
	// The committed stack covers its own 30 users with no gap...
	_, gap := capacityTable(t, "workshop", 30)
	for k, g := range gap {
		assert.Empty(t, g, k)
	}
	// ...and names the keys to raise for 60.
	_, gap = capacityTable(t, "workshop", 60)
	assert.Equal(t, "raise coder.aiGateway.replicas to 15", gap["stack/AI gateway"])
	assert.Equal(t, "raise cluster.nodeGroups.control.maxSize to 5", gap["us-east-2/control nodes"])
}

func TestProdCapacityTable(t *testing.T) {
	cases := []struct {
		users                           int
		coderd, db, prov, provNodes, ws string
	}{
		// Validated architectures: 1k → 3 × 2/8; 3k → 4 × 4/12; above 3k the 10k tier.
		{1000, "3 × 2 vCPU / 8Gi", "1.0–16", "60 × 1 vCPU / 1Gi", "9 × c5.2xlarge", "43 × m5.2xlarge"},
		{3000, "4 × 4 vCPU / 12Gi", "1.0–64", "180 × 1 vCPU / 1Gi", "26 × c5.2xlarge", "129 × m5.2xlarge"},
		{5000, "10 × 4 vCPU / 12Gi", "2.0–128", "300 × 1 vCPU / 1Gi", "43 × c5.2xlarge", "215 × m5.2xlarge"},
	}
	for _, c := range cases {
		rec, _ := capacityTable(t, "prod", c.users)
		assert.Equal(t, c.coderd, rec["stack/coderd"], "%d users", c.users)
		assert.Equal(t, c.db, rec["stack/database ACU"], "%d users", c.users)
		assert.Equal(t, c.prov, rec["us-east-1/provisioners"], "%d users", c.users)
		assert.Equal(t, c.provNodes, rec["us-east-1/provisioner nodes"], "%d users", c.users)
		assert.Equal(t, c.ws, rec["us-east-1/workspace nodes"], "%d users", c.users)
		assert.NotContains(t, rec, "stack/AI gateway", "prod runs the built-in AI bridge")
	}
	_, gap := capacityTable(t, "prod", 5000)
	assert.Equal(t, "set coder.coderd to 10 replicas", gap["stack/coderd"])
	assert.Equal(t, "raise database.maxAcu to 128; raise database.minAcu to 2.0", gap["stack/database ACU"])
}
