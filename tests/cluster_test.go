package tests

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/platformeng/coder-platform/components/cluster"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

func TestControlPlane(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		clusters := r.OfType(tEKS)
		require.Len(t, clusters, len(r.Config.Regions))
		for _, c := range clusters {
			assert.Equal(t, "1.33", str(c, "version"))
			assert.True(t, boolean(c, "skipDefaultNodeGroup"))
			assert.ElementsMatch(t, []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}, strs(c, "enabledClusterLogTypes"))
			assert.True(t, boolean(c, "endpointPrivateAccess"))
			assert.True(t, boolean(c, "createOidcProvider"))
			assert.Equal(t, "API", str(c, "authenticationMode"))
			key := keyByArn(r, str(c, "encryptionConfigKeyArn"))
			require.NotNil(t, key, "secrets are envelope-encrypted with a key of the stack")
			assert.Equal(t, "eks", tag(key, "coder:key-purpose"))
			entries, ok := c.Input("accessEntries")
			require.True(t, ok)
			require.Len(t, entries.ObjectValue(), len(r.Config.Cluster.AdminRoleArns))
			for _, e := range entries.ObjectValue() {
				pol := e.ObjectValue()["accessPolicies"].ObjectValue()["cluster-admin"].ObjectValue()
				assert.Equal(t, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", pol["policyArn"].StringValue())
			}
			// pulumi-eks is a remote component: it must be handed its region's
			// AWS provider, or it would build every cluster with the default one.
			prov := providerOf(r, c.Providers["aws"])
			require.NotNil(t, prov, "the cluster %s is given an AWS provider", c.Name)
			assert.Equal(t, strings.TrimPrefix(c.Name, "coder-"+name+"-"), str(prov, "region"))
			if name == "prod" {
				assert.False(t, boolean(c, "endpointPublicAccess"), "prod keeps the public endpoint off")
			} else {
				assert.True(t, boolean(c, "endpointPublicAccess"))
				assert.Equal(t, []string{"198.51.100.0/24"}, strs(c, "publicAccessCidrs"))
			}
		}
		// The Kubernetes provider is built from the cluster's kubeconfig, as a secret.
		for _, p := range r.OfType(tK8sProvider) {
			v, ok := p.Input("kubeconfig")
			require.True(t, ok)
			assert.True(t, v.ContainsSecrets(), "the kubeconfig is handled as a secret")
		}
		assert.Len(t, r.OfType(tK8sProvider), len(r.Config.Regions))
	}
}

func TestControlPlaneLogGroupIsEncryptedAndRetained(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	var found bool
	for _, g := range r.OfType(tLogGroup) {
		if str(g, "name") == "/aws/eks/coder-prod-us-east-1/cluster" {
			found = true
			assert.Equal(t, 90.0, num(g, "retentionInDays"))
			assert.Equal(t, "logs", tag(keyByArn(r, str(g, "kmsKeyId")), "coder:key-purpose"))
			assert.True(t, g.Protect)
		}
	}
	assert.True(t, found)
}

func TestManagedAddons(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	addons := map[string]*preview.Resource{}
	for _, a := range r.OfType(tAddon) {
		addons[str(a, "addonName")] = a
	}
	// Four from the cluster; Container Insights comes with observability.
	require.Len(t, addons, 5)
	assert.Equal(t, "coder:observability:Monitoring", parentType(r, addons["amazon-cloudwatch-observability"]))
	cni := addons["vpc-cni"]
	var cfg map[string]any
	require.NoError(t, json.Unmarshal([]byte(str(cni, "configurationValues")), &cfg))
	assert.Equal(t, "true", cfg["enableNetworkPolicy"])
	env := cfg["env"].(map[string]any)
	assert.Equal(t, "true", env["ENABLE_PREFIX_DELEGATION"])
	assert.Equal(t, "1", env["WARM_PREFIX_TARGET"])
	assert.NotEmpty(t, str(cni, "serviceAccountRoleArn"), "aws-node uses IRSA instead of node credentials")
	assert.Equal(t, "v1.19.5-eksbuild.1", str(cni, "addonVersion"))
	assert.Equal(t, "v1.12.2-eksbuild.4", str(addons["coredns"], "addonVersion"))
	assert.Equal(t, "v1.33.0-eksbuild.2", str(addons["kube-proxy"], "addonVersion"))
	assert.NotEmpty(t, str(addons["aws-ebs-csi-driver"], "serviceAccountRoleArn"))
	// CoreDNS runs on the tainted control nodes.
	require.NoError(t, json.Unmarshal([]byte(str(addons["coredns"], "configurationValues")), &cfg))
	assert.Equal(t, map[string]any{"coder-control": "true"}, cfg["nodeSelector"])
}

type workload struct {
	name         string
	nodeSelector map[string]string
	tolerations  []map[string]any
}

// landsOn returns the node groups a pod may schedule on: its selector must
// match the group's labels and every taint must be tolerated.
func landsOn(r *preview.Result, w workload) []string {
	var out []string
	for _, ng := range r.OfType(tNodeGroup) {
		if regionOf(r, ng) != r.Config.Regions[0].Name {
			continue
		}
		labels, _ := ng.Input("labels")
		ok := true
		for k, v := range w.nodeSelector {
			if lv, has := labels.ObjectValue()[resource.PropertyKey(k)]; !has || lv.StringValue() != v {
				ok = false
			}
		}
		taints, _ := ng.Input("taints")
		for _, taint := range taints.ArrayValue() {
			tm := taint.ObjectValue()
			tolerated := false
			for _, tol := range w.tolerations {
				everything := tol["key"] == nil && tol["operator"] == "Exists" // tolerates every taint
				if everything || tol["key"] == tm["key"].StringValue() && (tol["operator"] == "Exists" || tol["value"] == tm["value"].StringValue()) {
					tolerated = true
				}
			}
			if !tolerated {
				ok = false
			}
		}
		if ok {
			out = append(out, str(ng, "nodeGroupName"))
		}
	}
	return out
}

func TestTaintsAndLabelsKeepEachTierToItsOwnWorkloads(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	groups := map[string]*preview.Resource{}
	for _, ng := range r.OfType(tNodeGroup) {
		groups[str(ng, "nodeGroupName")] = ng
	}
	require.Len(t, groups, 4)
	tierOf := map[string]string{"coder-control": "coder-control", "coder-prov": "coder-prov", "coder-ws-spot": "coder-ws", "coder-ws-ondemand": "coder-ws"}
	for name, ng := range groups {
		tier := tierOf[name]
		taints, _ := ng.Input("taints")
		require.Len(t, taints.ArrayValue(), 1)
		tm := taints.ArrayValue()[0].ObjectValue()
		assert.Equal(t, tier, tm["key"].StringValue())
		assert.Equal(t, "NO_SCHEDULE", tm["effect"].StringValue())
		assert.Equal(t, "true", str(ng, "labels."+tier), "%s has the label of its tier", name)
	}
	for _, tier := range []string{"coder-control", "coder-prov", "coder-ws"} {
		w := workload{name: tier, nodeSelector: map[string]string{tier: "true"},
			tolerations: []map[string]any{{"key": tier, "operator": "Equal", "value": "true", "effect": "NoSchedule"}}}
		for _, g := range landsOn(r, w) {
			assert.Equal(t, tier, tierOf[g], "a %s workload must only land on %s nodes", tier, tier)
		}
		assert.NotEmpty(t, landsOn(r, w))
	}
	assert.Empty(t, landsOn(r, workload{name: "untolerated"}), "a pod without tolerations lands nowhere")
	// Every release lands where its registered values say: provisioners on
	// coder-prov, coderd and the controllers on coder-control.
	for _, rel := range r.OfType(tHelmRelease) {
		values := preview.PlainValue(mustInput(t, rel, "values")).(map[string]any)
		if c, ok := values["coder"].(map[string]any); ok {
			values = c // Coder's charts nest pod settings under coder.
		}
		w := workload{name: str(rel, "name"), nodeSelector: map[string]string{}}
		if str(rel, "chart") == "aws-for-fluent-bit" {
			// A DaemonSet: it must reach every node group.
			for _, tol := range values["tolerations"].([]any) {
				w.tolerations = append(w.tolerations, tol.(map[string]any))
			}
			groups := 0
			for _, ng := range r.OfType(tNodeGroup) {
				if regionOf(r, ng) == r.Config.Regions[0].Name {
					groups++
				}
			}
			assert.Len(t, landsOn(r, w), groups, "fluent bit runs on every node group")
			continue
		}
		for k, v := range values["nodeSelector"].(map[string]any) {
			w.nodeSelector[k] = v.(string)
		}
		for _, tol := range values["tolerations"].([]any) {
			w.tolerations = append(w.tolerations, tol.(map[string]any))
		}
		want := "coder-control"
		if str(rel, "chart") == "coder-provisioner" {
			want = "coder-prov"
		}
		assert.Equal(t, []string{want}, landsOn(r, w), w.name)
	}
}

func TestNodeGroupSizesAndCapacity(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	ix := indexOf(r)
	// What the config declares, read the way the program reads it: the
	// registered groups must follow it, whatever the committed values are.
	cfg, err := config.LoadAt("coder-platform", "prod", stackFile(t, "prod").Source(), testNow)
	require.NoError(t, err)
	declared := map[workloads.Tier]config.NodeGroup{workloads.TierControl: cfg.Cluster.NodeGroups.Control,
		workloads.TierProvisioner: cfg.Cluster.NodeGroups.Provisioner, workloads.TierWorkspace: cfg.Cluster.NodeGroups.Workspace}
	specs := map[string]cluster.NodeGroupSpec{}
	for _, g := range stacks.NodeGroupSpecs(cfg, cfg.ControlPlane().Name) {
		specs[g.Name] = g
	}
	require.Len(t, r.OfType(tNodeGroup), len(specs))
	for _, ng := range r.OfType(tNodeGroup) {
		name := str(ng, "nodeGroupName")
		spec, ok := specs[name]
		require.True(t, ok, "unexpected node group %s", name)
		g := declared[spec.Tier]
		min, max := num(ng, "scalingConfig.minSize"), num(ng, "scalingConfig.maxSize")
		assert.Equal(t, g.InstanceTypes, strs(ng, "instanceTypes"), name)
		assert.Equal(t, float64(g.Max()), max, name)
		assert.Equal(t, string(spec.CapacityType), str(ng, "capacityType"), name)
		switch {
		case spec.Tier == workloads.TierWorkspace && spec.CapacityType == cluster.OnDemand && g.IsSpot():
			assert.Zero(t, min, "the on-demand fallback of the spot pool idles at zero")
		default:
			assert.Equal(t, float64(g.Min()), min, name)
		}
		// Each group lives in the private subnets of its own tier.
		want := map[workloads.Tier]string{workloads.TierControl: "private-control", workloads.TierProvisioner: "private-provisioner",
			workloads.TierWorkspace: "private-workspace"}[spec.Tier]
		for _, id := range strs(ng, "subnetIds") {
			assert.Equal(t, want, tag(ix.byID[id], "coder:tier"), name)
		}
		assert.Equal(t, "AL2023_x86_64_STANDARD", str(ng, "amiType"))
	}
}

func TestLaunchTemplates(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	for _, lt := range r.OfType(tLaunchTmpl) {
		assert.Equal(t, "required", str(lt, "metadataOptions.httpTokens"), lt.Name)
		assert.Equal(t, 2.0, num(lt, "metadataOptions.httpPutResponseHopLimit"))
		bdm, _ := lt.Input("blockDeviceMappings")
		ebs := bdm.ArrayValue()[0].ObjectValue()["ebs"].ObjectValue()
		assert.Equal(t, "gp3", ebs["volumeType"].StringValue())
		assert.Equal(t, "true", ebs["encrypted"].StringValue())
		assert.Equal(t, "ebs", tag(keyByArn(r, ebs["kmsKeyId"].StringValue()), "coder:key-purpose"))
		data, err := base64.StdEncoding.DecodeString(str(lt, "userData"))
		require.NoError(t, err)
		ud := string(data)
		assert.Contains(t, ud, "kind: NodeConfig")
		assert.Contains(t, ud, "maxPods: 110")
		if strings.Contains(lt.Name, "coder-ws") {
			assert.Equal(t, 200.0, ebs["volumeSize"].NumberValue(), "workspace root volume from config")
			assert.Contains(t, ud, "registryPullQPS: 30")
			assert.Contains(t, ud, "serializeImagePulls: false")
			assert.Contains(t, ud, "nodefs.available: 15%", "soft eviction keeps ephemeral-storage headroom")
			assert.Contains(t, ud, "imageGCHighThresholdPercent: 75")
		}
	}
}

func TestEphemeralStorageIsReported(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	for _, c := range r.OfType(tClusterComp) {
		es, ok := c.Input("ephemeralStorage")
		require.True(t, ok)
		ws := es.ObjectValue()["coder-ws-spot"].ObjectValue()
		assert.Equal(t, 300.0, ws["rootVolumeGiB"].NumberValue())
		assert.Equal(t, "15%", ws["evictionSoft"].ObjectValue()["nodefs.available"].StringValue())
	}
}

func TestProdScheduledActions(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	got := map[string]string{}
	for _, s := range r.OfType(tSchedule) {
		got[str(s, "scheduledActionName")] = fmt.Sprintf("%s|%s|%v|%v|%v", str(s, "recurrence"), str(s, "timeZone"),
			num(s, "minSize"), num(s, "maxSize"), num(s, "desiredCapacity"))
	}
	assert.Equal(t, map[string]string{
		// 06:45 in service − 10 min warm-up: fires 06:35 ET, 25 minutes before 07:00.
		"coder-prov-scale-up":      "35 6 * * 1,2,3,4,5|America/New_York|26|26|26",
		"coder-prov-scale-down":    "15 18 * * 1,2,3,4,5|America/New_York|0|26|-1",
		"coder-ws-spot-scale-up":   "35 6 * * 1,2,3,4,5|America/New_York|109|200|109",
		"coder-ws-spot-scale-down": "15 18 * * 1,2,3,4,5|America/New_York|10|200|-1",
	}, got)
}

func TestWorkshopSchedulesAroundTheEvent(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	for _, s := range r.OfType(tSchedule) {
		start, err := time.Parse(time.RFC3339, str(s, "startTime"))
		require.NoError(t, err)
		assert.Empty(t, str(s, "recurrence"))
		name := str(s, "scheduledActionName")
		if strings.HasSuffix(name, "scale-up") {
			// 09:00 EST = 14:00 UTC; in service 15 min early after 10 min warm-up.
			assert.Equal(t, time.Date(2026, 12, 10, 13, 35, 0, 0, time.UTC), start, name)
		} else {
			assert.Equal(t, time.Date(2026, 12, 10, 22, 30, 0, 0, time.UTC), start, name)
		}
	}
}

// Property: for any business-day schedule the config accepts, in any zone,
// the recurrence the program registers on the Auto Scaling groups completes
// (fire time + node warm-up) at least 15 minutes before the business day.
func TestRegisteredScaleUpCompletesBeforeTargetProperty(t *testing.T) {
	t.Parallel()
	zones := []string{"America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney", "America/Los_Angeles", "Pacific/Auckland", "UTC"}
	checked := 0
	rapid.Check(t, func(rt *rapid.T) {
		zone := rapid.SampledFrom(zones).Draw(rt, "zone")
		start := rapid.IntRange(20, 22*60).Draw(rt, "start")
		up := rapid.IntRange(0, start-15).Draw(rt, "up")
		down := rapid.IntRange(start+1, 23*60+59).Draw(rt, "down")
		warm := rapid.IntRange(1, 120).Draw(rt, "warm")
		clock := func(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
		sf := stackFile(t, "prod")
		sf.Values["scaling"] = mustJSON(t, map[string]any{"timeZone": zone, "businessDayStart": clock(start),
			"scaleUpAt": clock(up), "scaleDownAt": clock(down), "nodeWarmupMinutes": warm})
		res, err := preview.RunStackFile("coder-platform", "prod", sf, preview.At(testNow))
		if err != nil {
			return // rejected by validation (for example a DST-skipped time)
		}
		loc, _ := time.LoadLocation(zone)
		for _, s := range res.OfType(tSchedule) {
			if !strings.HasSuffix(str(s, "scheduledActionName"), "scale-up") {
				continue
			}
			fire, days, err := sizing.ParseCron(str(s, "recurrence"))
			if err != nil {
				rt.Fatal(err)
			}
			if str(s, "timeZone") != zone {
				rt.Fatalf("time zone %s, want %s", str(s, "timeZone"), zone)
			}
			for d := 0; d < 366; d++ {
				day := time.Date(2026, 1, 1, 0, 0, 0, 0, loc).AddDate(0, 0, d)
				if !containsDay(days, day.Weekday()) {
					continue
				}
				at := time.Date(day.Year(), day.Month(), day.Day(), fire.Hour, fire.Minute, 0, 0, loc)
				target := day
				if fire.Hour*60+fire.Minute > up {
					target = day.AddDate(0, 0, 1) // fired the evening before
				}
				begin := time.Date(target.Year(), target.Month(), target.Day(), start/60, start%60, 0, 0, loc)
				if at.Add(time.Duration(warm) * time.Minute).After(begin.Add(-15 * time.Minute)) {
					rt.Fatalf("%s %s: fires %s, ready %s, business day %s", zone, day.Format("2006-01-02"), at, at.Add(time.Duration(warm)*time.Minute), begin)
				}
			}
			checked++
		}
	})
	assert.Positive(t, checked)
}

func containsDay(days []time.Weekday, d time.Weekday) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}

// Every IRSA role trusts exactly one service account, with StringEquals on
// both the subject and the audience.
func TestIRSATrustIsScopedToOneServiceAccount(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		n := 0
		for _, role := range r.OfType(tRole) {
			var doc struct {
				Statement []struct {
					Principal map[string]any
					Action    any
					Condition map[string]map[string]any
				}
			}
			require.NoError(t, json.Unmarshal([]byte(str(role, "assumeRolePolicy")), &doc))
			if _, federated := doc.Statement[0].Principal["Federated"]; !federated {
				continue
			}
			n++
			require.Len(t, doc.Statement, 1, role.Name)
			assert.Equal(t, "sts:AssumeRoleWithWebIdentity", doc.Statement[0].Action)
			require.Len(t, doc.Statement[0].Condition, 1, "only StringEquals, never StringLike")
			eq := doc.Statement[0].Condition["StringEquals"]
			require.Len(t, eq, 2)
			var subs []string
			for k, v := range eq {
				if strings.HasSuffix(k, ":sub") {
					subs = append(subs, v.(string))
				} else {
					assert.Equal(t, "sts.amazonaws.com", v)
				}
			}
			require.Len(t, subs, 1)
			assert.Regexp(t, `^system:serviceaccount:[a-z0-9-]+:[a-z0-9-]+$`, subs[0])
			assert.Equal(t, strings.TrimPrefix(subs[0], "system:serviceaccount:"), strings.ReplaceAll(tag(role, "coder:service-account"), "/", ":"))
		}
		assert.GreaterOrEqual(t, n, 4*len(r.Config.Regions), "vpc-cni, ebs-csi, lb controller and autoscaler roles per region")
	}
}

func TestStorageClassesEncryptedAndExpandable(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	classes := map[string]*preview.Resource{}
	for _, sc := range r.OfType(tStorageClass) {
		classes[str(sc, "metadata.name")] = sc
	}
	require.Len(t, classes, 2)
	for name, sc := range classes {
		assert.Equal(t, "ebs.csi.aws.com", str(sc, "provisioner"))
		assert.Equal(t, "gp3", str(sc, "parameters.type"))
		assert.Equal(t, "true", str(sc, "parameters.encrypted"))
		assert.Equal(t, "ebs", tag(keyByArn(r, str(sc, "parameters.kmsKeyId")), "coder:key-purpose"), name)
		assert.True(t, boolean(sc, "allowVolumeExpansion"))
	}
	assert.Equal(t, "Retain", str(classes["coder-home"], "reclaimPolicy"), "workspace homes survive rebuilds")
	assert.Equal(t, "Delete", str(classes["gp3-encrypted"], "reclaimPolicy"))
	v, _ := classes["gp3-encrypted"].InputAt("metadata", "annotations", "storageclass.kubernetes.io/is-default-class")
	assert.Equal(t, "true", v.StringValue())
}

func TestNamespacesAndWorkspaceIsolation(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	ns := map[string]*preview.Resource{}
	for _, n := range r.OfType(tNamespace) {
		ns[str(n, "metadata.name")] = n
	}
	for _, name := range []string{"coder", "coder-prov", "coder-ws"} {
		require.Contains(t, ns, name)
		v, _ := ns[name].InputAt("metadata", "labels", "pod-security.kubernetes.io/enforce")
		assert.Equal(t, "baseline", v.StringValue())
		v, _ = ns[name].InputAt("metadata", "labels", "pod-security.kubernetes.io/warn")
		assert.Equal(t, "restricted", v.StringValue())
	}
	policies := map[string]map[string]any{}
	for _, p := range r.OfType(tNetPol) {
		if str(p, "metadata.namespace") == "coder-ws" {
			policies[str(p, "metadata.name")] = preview.PlainValue(mustInput(t, p, "spec")).(map[string]any)
		}
	}
	deny := policies["default-deny"]
	require.NotNil(t, deny)
	assert.ElementsMatch(t, []any{"Ingress", "Egress"}, deny["policyTypes"])
	for name, spec := range policies {
		assert.Nil(t, spec["ingress"], "%s must not allow ingress: workspaces never reach each other", name)
		for _, rule := range asSlice(spec["egress"]) {
			for _, peer := range asSlice(rule.(map[string]any)["to"]) {
				pm := peer.(map[string]any)
				if nsSel, ok := pm["namespaceSelector"].(map[string]any); ok {
					target := nsSel["matchLabels"].(map[string]any)["kubernetes.io/metadata.name"]
					assert.Contains(t, []any{"kube-system", "coder"}, target, name)
					if target == "coder" {
						assert.Equal(t, map[string]any{"app.kubernetes.io/name": "coder"}, pm["podSelector"].(map[string]any)["matchLabels"],
							"only coderd pods in the coder namespace")
					}
				}
				if ib, ok := pm["ipBlock"].(map[string]any); ok && ib["cidr"] == "0.0.0.0/0" {
					assert.Equal(t, []any{"10.40.0.0/16"}, ib["except"], "%s: internet egress never opens the VPC", name)
				}
			}
		}
	}
	for _, want := range []string{"allow-dns", "allow-coderd", "allow-aws-endpoints", "allow-egress-allowlist", "allow-nat-traversal"} {
		assert.Contains(t, policies, want)
	}
	q := r.OfType("kubernetes:core/v1:ResourceQuota")
	require.Len(t, q, 1)
	assert.Equal(t, "1485", str(q[0], "spec.hard.pods"), "1,350 running pod workspaces + 10% (the EC2 sizes take no pods)")
	assert.Len(t, r.OfType("kubernetes:core/v1:LimitRange"), 1)
}

func TestUndersizedControlGroupWarns(t *testing.T) {
	t.Parallel()
	// The committed stack is sized as the guidance says: no warning.
	for _, d := range stack(t, "prod").Diagnostics {
		if d.Severity == stacks.Warning {
			assert.NotContains(t, d.Subject, "control nodes")
		}
	}
	// The implementation plan's m5.large 2/3 cannot hold 3,000 users' coderd.
	sf := stackFile(t, "prod")
	var cluster map[string]any
	require.NoError(t, json.Unmarshal([]byte(sf.Values["cluster"]), &cluster))
	ctl := cluster["nodeGroups"].(map[string]any)["control"].(map[string]any)
	ctl["instanceTypes"], ctl["minSize"], ctl["maxSize"] = []any{"m5.large"}, 2, 3
	sf.Values["cluster"] = mustJSON(t, cluster)
	res, err := preview.RunStackFile("coder-platform", "prod", sf, preview.At(testNow))
	require.NoError(t, err)
	var msgs []string
	for _, d := range res.Diagnostics {
		if d.Severity == stacks.Warning {
			msgs = append(msgs, d.Subject+": "+d.Message)
		}
	}
	assert.Contains(t, msgs, "us-east-1 control nodes: needs does not fit on m5.large, declared 2–3 × m5.large: "+
		"use m5.2xlarge or larger in cluster.nodeGroups.control.instanceTypes "+
		"(first-fit packing of 4 coderd × 4 vCPU / 12Gi + Grafana 250m vCPU / 512Mi + 1100m vCPU / 1836Mi of add-ons onto m5.large)")
}

func keyByArn(r *preview.Result, arn string) *preview.Resource {
	for _, k := range r.OfType(tKey) {
		if fmt.Sprintf("arn:aws:kms:%s:123456789012:key/%s", regionOf(r, k), k.ID) == arn {
			return k
		}
	}
	return nil
}

func mustInput(t *testing.T, r *preview.Resource, path string) resource.PropertyValue {
	v, ok := r.Input(path)
	require.True(t, ok, "%s has no input %s", r.Name, path)
	return v
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// parentType is the type of a resource's parent.
func parentType(r *preview.Result, res *preview.Resource) string {
	if p := r.Lookup(res.Parent); p != nil {
		return p.Type
	}
	return ""
}
