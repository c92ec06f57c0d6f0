package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Branches neither committed stack takes: each test edits a committed stack
// the way an operator would and checks what the program registers against
// the edited config, not against copies of committed values.

// edit changes one structured key of a stack file in place.
func edit(t *testing.T, sf *config.StackFile, key string, change func(map[string]any)) {
	t.Helper()
	v := map[string]any{}
	if raw := sf.Values[key]; raw != "" {
		require.NoError(t, json.Unmarshal([]byte(raw), &v))
	}
	change(v)
	sf.Values[key] = mustJSON(t, v)
}

func sub(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	return m
}

// runEdited previews an edited stack file and loads its config the same way.
func runEdited(t *testing.T, name string, sf *config.StackFile) (*preview.Result, *config.Plan) {
	t.Helper()
	cfg, err := config.LoadAt("coder-platform", name, sf.Source(), testNow)
	require.NoError(t, err)
	r, err := preview.RunStackFile("coder-platform", name, sf, preview.At(testNow))
	require.NoError(t, err)
	return r, cfg
}

// An on-demand workspace group is one group named after its tier, with the
// scheduled scale-up the spot pool would have had, and no fallback pool.
func TestOnDemandWorkspaceGroup(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "prod")
	edit(t, sf, "cluster", func(c map[string]any) { sub(c, "nodeGroups", "workspace")["spot"] = false })
	r, cfg := runEdited(t, "prod", sf)
	require.False(t, cfg.Cluster.NodeGroups.Workspace.IsSpot())

	want := map[string]string{}
	for _, g := range stacks.NodeGroupSpecs(cfg, cfg.ControlPlane().Name) {
		want[g.Name] = string(g.CapacityType)
	}
	assert.Equal(t, map[string]string{"coder-control": "ON_DEMAND", "coder-prov": "ON_DEMAND", "coder-ws": "ON_DEMAND"}, want)
	got := map[string]string{}
	for _, ng := range r.OfType(tNodeGroup) {
		got[str(ng, "nodeGroupName")] = str(ng, "capacityType")
	}
	assert.Equal(t, want, got)
	scheduled := map[string]int{}
	for _, s := range r.OfType("aws:autoscaling/schedule:Schedule") {
		for name := range want {
			if strings.Contains(s.Name, "-"+name+"-") {
				scheduled[name]++
			}
		}
	}
	assert.Positive(t, scheduled["coder-ws"], "the on-demand workspace group takes the morning scale-up")
	assert.Positive(t, scheduled["coder-prov"])
	assert.Zero(t, scheduled["coder-control"], "the control group is static")
	assert.Zero(t, gate.Evaluate(r.Resources, nil).Mandatory(), "policy-clean")
}

// CloudTrail off: no trail, and the rest of the observability stays.
func TestCloudTrailOff(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "prod")
	edit(t, sf, "observability", func(o map[string]any) { sub(o, "cloudTrail")["enabled"] = false })
	r, cfg := runEdited(t, "prod", sf)
	require.False(t, cfg.Observability.CloudTrail.On())
	assert.Empty(t, r.OfType("aws:cloudtrail/trail:Trail"))
	assert.Len(t, r.OfType("aws:cloudtrail/trail:Trail"), 0)
	base := stack(t, "prod")
	assert.Len(t, base.OfType("aws:cloudtrail/trail:Trail"), 1, "the committed stack has its one trail")
	assert.Equal(t, len(base.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")), len(r.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")), "every alarm stays")
}

// Cloudflare DNS in the enterprise stack: records at Cloudflare, no hosted
// zone, and certificates validated through Cloudflare records.
func TestCloudflareDNSInProd(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "prod")
	edit(t, sf, "dns", func(d map[string]any) {
		d["provider"] = "cloudflare"
		d["cloudflare"] = map[string]any{"zoneId": "3f2a9c1e5b7d4a60c8e1f2a3b4c5d6e7", "apiTokenSecretId": "coder/prod/cloudflare-api-token"}
	})
	r, cfg := runEdited(t, "prod", sf)
	assert.Empty(t, r.OfType("aws:route53/zone:Zone"))
	assert.Empty(t, r.OfType("aws:route53/record:Record"))
	records := r.OfType(tCFRecord)
	require.NotEmpty(t, records)
	host := strings.TrimPrefix(cfg.Coder.AccessURL, "https://")
	names := map[string]bool{}
	for _, rec := range records {
		assert.Equal(t, cfg.DNS.Cloudflare.ZoneID, str(rec, "zoneId"), rec.Name)
		names[str(rec, "name")] = true
	}
	assert.True(t, names[host], "the access URL's record is at Cloudflare: %v", names)
	assert.Zero(t, gate.Evaluate(r.Resources, nil).Mandatory())
}

// A single region, proxies off: the control plane alone, with the
// workload's every user, and nothing that names a proxy.
func TestSingleRegionWithoutProxies(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "workshop")
	var regions []map[string]any
	require.NoError(t, json.Unmarshal([]byte(sf.Values["regions"]), &regions))
	var kept []map[string]any
	for _, rg := range regions {
		if rg["role"] == "control-plane" {
			delete(rg, "share")
			kept = append(kept, rg)
		}
	}
	sf.Values["regions"] = mustJSON(t, kept)
	r, cfg := runEdited(t, "workshop", sf)
	require.Len(t, cfg.Regions, 1)
	cp := cfg.ControlPlane()
	assert.Equal(t, cfg.Workload.Users, cfg.Region(cp.Name).Users, "the one region serves every user")
	var regionNames []string
	for _, rg := range r.OfType(tRegionComp) {
		regionNames = append(regionNames, rg.Name)
	}
	assert.Equal(t, []string{cp.Name}, regionNames)
	assert.Len(t, r.OfType(tClusterComp), 1)
	for _, rel := range r.OfType(tHelmRelease) {
		assert.NotEqual(t, "coder-proxy", rel.Name, "no workspace proxy release")
	}
	assert.Zero(t, gate.Evaluate(r.Resources, nil).Mandatory())
}

// A Plan not built by config.Load has no resolved parts: the program says so instead
// of panicking on the first derived field.
func TestDeployRefusesAHandBuiltStack(t *testing.T) {
	t.Parallel()
	rec := preview.NewRecorder("coder-platform", "prod")
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := stacks.Deploy(ctx, &config.Plan{Stack: config.Stack{Project: "coder-platform", Name: "prod"}}, stacks.Options{})
		return err
	}, pulumi.WithMocks("coder-platform", "prod", rec), preview.WithConfig(nil, nil))
	require.ErrorContains(t, err, "not built by config.Load")
	assert.Empty(t, rec.Resources())
}
