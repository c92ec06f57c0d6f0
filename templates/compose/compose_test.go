package compose_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/platformeng/coder-platform/templates"
	"github.com/platformeng/coder-platform/templates/compose"
	"github.com/platformeng/coder-platform/templates/contract"
)

func catalog(t testing.TB) *templates.Catalog {
	t.Helper()
	c, err := templates.Load(templates.Embedded())
	require.NoError(t, err)
	return c
}

func composeOne(t *testing.T, name string) *compose.Template {
	t.Helper()
	ct, err := compose.Compose(catalog(t), name)
	require.NoError(t, err)
	return ct
}

// The four default pairings compose, parse as HCL and hold the resources
// their platform needs.
func TestDefaultPairings(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	pairs := map[string][2]string{
		"pod-swdev":       {"swdev", "base-k8s"},
		"ec2-windev-gui":  {"windev", "base-ec2-windows"},
		"ec2-datasci":     {"datasci", "base-ec2-linux"},
		"ec2-datasci-gpu": {"datasci", "base-ec2-gpu"},
	}
	require.ElementsMatch(t, []string{"pod-swdev", "ec2-windev-gui", "ec2-datasci", "ec2-datasci-gpu"}, c.CompositionNames())
	root := []string{"data.coder_workspace.me", "data.coder_workspace_owner.me", "data.coder_parameter.compute_profile",
		"data.coder_parameter.image_id", "module.base", "resource.coder_script.toolchain", "resource.coder_metadata.provenance"}
	base := map[string][]string{
		"base-k8s": {"resource.coder_agent.main", "resource.kubernetes_persistent_volume_claim.home",
			"resource.kubernetes_network_policy.isolation", "resource.kubernetes_deployment.workspace", "resource.coder_app.kasmvnc"},
		"base-ec2-linux": {"resource.coder_agent.main", "resource.aws_instance.workspace", "resource.aws_ebs_volume.home",
			"resource.aws_volume_attachment.home", "resource.aws_ec2_instance_state.workspace", "resource.coder_app.kasmvnc"},
		"base-ec2-gpu": {"resource.coder_agent.main", "resource.aws_instance.workspace", "resource.aws_ec2_instance_state.workspace"},
		"base-ec2-windows": {"resource.coder_agent.main", "resource.aws_instance.workspace", "resource.aws_ec2_instance_state.workspace",
			"module.windows_rdp", "resource.random_password.rdp", "resource.coder_app.dcv"},
	}
	for name, pair := range pairs {
		t.Run(name, func(t *testing.T) {
			ct, err := compose.Compose(c, name)
			require.NoError(t, err)
			assert.Equal(t, pair[0], ct.Toolchain.Name)
			assert.Equal(t, pair[1], ct.Base.Name)
			p := hclparse.NewParser()
			for path, data := range ct.Files {
				if strings.HasSuffix(path, ".tf") {
					_, diags := p.ParseHCL(data, path)
					require.False(t, diags.HasErrors(), "%s: %s", path, diags.Error())
				}
			}
			for _, id := range root {
				assert.True(t, ct.Facts.Has("root", id), "root has %s", id)
			}
			for _, id := range base[pair[1]] {
				assert.True(t, ct.Facts.Has("base", id), "%s has %s", pair[1], id)
			}
			assert.Equal(t, ct.Base.AgentAuth, ct.Facts.AgentAuth)
			assert.Equal(t, ct.Base.Isolation, ct.Facts.Isolation)
			assert.False(t, ct.Facts.PublicIP)
			assert.Equal(t, 1, ct.Facts.DailyCost, "one quota credit per workspace")
			assert.Contains(t, ct.Files, "toolchain/"+map[string]string{"windows": "run.ps1", "linux": "run.sh"}[ct.Toolchain.OS])
		})
	}
}

// T-shirt sizes: each template offers exactly the toolchain's profiles its
// base can run, and EC2 sizes get the smallest type that holds them.
func TestSizes(t *testing.T) {
	t.Parallel()
	sizes := func(name string) map[string]string {
		out := map[string]string{}
		for _, p := range composeOne(t, name).Profiles {
			out[p.Name] = p.InstanceType
		}
		return out
	}
	assert.Equal(t, map[string]string{"sw-dev-s": "", "sw-dev-m": "", "sw-dev-l": "", "platform-devsecops": ""}, sizes("pod-swdev"))
	assert.Equal(t, map[string]string{"sw-dev-m": "m6i.xlarge", "sw-dev-l": "m6i.2xlarge"}, sizes("ec2-windev-gui"))
	// 8 vCPU / 64 GiB: r6i.2xlarge (m6i.2xlarge has 32 GiB).
	assert.Equal(t, map[string]string{"ds-standard": "m6i.xlarge", "ds-large": "r6i.2xlarge", "ds-xlarge": "r6i.4xlarge"}, sizes("ec2-datasci"))
	// g5 before g4dn on a tie (the composition lists g5 first); 4 GPUs: g5.12xlarge.
	assert.Equal(t, map[string]string{"ds-gpu-standard": "g5.xlarge", "ds-gpu-large": "g5.4xlarge", "ds-gpu-xlarge": "g5.12xlarge"}, sizes("ec2-datasci-gpu"))
}

func TestSchedule(t *testing.T) {
	t.Parallel()
	s := composeOne(t, "pod-swdev").Schedule
	assert.Equal(t, "11h0m0s", s.DefaultTTL.String(), "18:00 - 07:00")
	assert.Equal(t, "America/New_York", s.TimeZone)
	assert.Equal(t, []string{"monday", "tuesday", "wednesday", "thursday", "friday"}, s.Days)
	assert.Len(t, s.RequirementDays, 7)
	assert.True(t, s.AllowUserAutostart)
	assert.False(t, s.AllowUserAutostop, "users cannot switch autostop off")
}

// Provenance is in provenance.json and in coder_metadata, and names the
// exact inputs.
func TestProvenance(t *testing.T) {
	t.Parallel()
	ct := composeOne(t, "ec2-datasci")
	var p compose.Provenance
	require.NoError(t, json.Unmarshal(ct.Files[compose.ProvenanceFile], &p))
	assert.Equal(t, compose.Artifact{Name: "datasci", Version: ct.Toolchain.Version, SHA256: ct.Toolchain.Hash}, p.Toolchain)
	assert.Equal(t, compose.Artifact{Name: "base-ec2-linux", Version: ct.Base.Version, Channel: "stable", SHA256: ct.Base.Hash}, p.Base)
	assert.Equal(t, compose.Version, p.Composer)
	assert.Equal(t, contract.Version, p.Contract)
	assert.Equal(t, []any{"m6i", "r6i"}, p.Overrides["instance_families"])
	for _, k := range compose.ProvenanceKeys {
		assert.Contains(t, ct.Facts.ProvenanceItems, k)
	}
	main := string(ct.Files[compose.MainFile])
	assert.Contains(t, main, `value = "datasci `+ct.Toolchain.Version+` (sha256:`+ct.Toolchain.Hash[:12]+`)"`)
	assert.True(t, strings.HasSuffix(ct.VersionName(), ct.Hash[:12]), "the version name carries the content hash")
}

func TestContentHashFollowsEveryFile(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	a, err := compose.Compose(c, "pod-swdev")
	require.NoError(t, err)
	c.Published = templates.Published{} // edits below are unpublished work
	c.Toolchains["swdev"].Files["scripts/tools.sh"] = append(c.Toolchains["swdev"].Files["scripts/tools.sh"], '\n')
	c.Toolchains["swdev"].Hash = templates.HashFiles(c.Toolchains["swdev"].Files)
	b, err := compose.Compose(c, "pod-swdev")
	require.NoError(t, err)
	assert.NotEqual(t, a.Hash, b.Hash)
	assert.NotEqual(t, a.VersionName(), b.VersionName())
	again, err := compose.Compose(catalog(t), "pod-swdev")
	require.NoError(t, err)
	assert.Equal(t, a.Hash, again.Hash, "composing is deterministic")
}

// Invalid pairings and overrides fail with the capability or field named.
func TestCompositionErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(c *templates.Catalog)
		comp string
		want string
	}{
		{"missing capability", func(c *templates.Catalog) {
			c.Toolchains["swdev"].Capabilities.Requires = append(c.Toolchains["swdev"].Capabilities.Requires, contract.GPUSupport)
		}, "pod-swdev", "compose pod-swdev: toolchain swdev requires capability gpu-support, which base base-k8s does not provide (it provides persistent-home, network-egress, identity-mode, artifact-cache, secrets-injection, gui-vnc)"},
		{"os mismatch", func(c *templates.Catalog) {
			m, _ := c.Composition("pod-swdev")
			m.Toolchain.Name = "windev"
		}, "pod-swdev", "compose pod-swdev: toolchain windev runs on windows but base base-k8s runs linux"},
		{"override above bound", func(c *templates.Catalog) {
			m, _ := c.Composition("pod-swdev")
			m.Overrides["cpu_request_percent"] = float64(150)
		}, "pod-swdev", "compose pod-swdev: overrides.cpu_request_percent: got 150; allowed 25..100"},
		{"override not allowed", func(c *templates.Catalog) {
			m, _ := c.Composition("ec2-datasci")
			m.Overrides["instance_families"] = []any{"m6i", "p4d"}
		}, "ec2-datasci", `compose ec2-datasci: overrides.instance_families: got "p4d" in the list; allowed m6i, r6i, m7i`},
		{"unknown override", func(c *templates.Catalog) {
			m, _ := c.Composition("pod-swdev")
			m.Overrides["privileged"] = true
		}, "pod-swdev", `compose pod-swdev: overrides.privileged: base base-k8s has no overridable field "privileged"; it allows cpu_request_percent, default_image, gui_enabled`},
		{"override type", func(c *templates.Catalog) {
			m, _ := c.Composition("pod-swdev")
			m.Overrides["gui_enabled"] = "yes"
		}, "pod-swdev", "compose pod-swdev: overrides.gui_enabled: got yes; want true or false"},
		{"profile beyond the base", func(c *templates.Catalog) {
			c.Bases["base-k8s"].Limits.MemoryGiB = 16
		}, "pod-swdev", "compose pod-swdev: profile sw-dev-l: memoryGiB 32 exceeds base base-k8s's limit of 16"},
		{"no family holds a profile", func(c *templates.Catalog) {
			m, _ := c.Composition("ec2-datasci")
			m.Overrides["instance_families"] = []any{"m6i"}
		}, "ec2-datasci", "compose ec2-datasci: profile ds-xlarge: no instance type of families m6i holds 16 vCPU, 128 GiB and 0 GPU"},
		{"toolchain outside the range", func(c *templates.Catalog) {
			m, _ := c.Composition("pod-swdev")
			m.Toolchain.Versions = ">=2.0.0"
		}, "pod-swdev", `compose pod-swdev: toolchain swdev 1.2.0 is outside the composition's range ">=2.0.0"`},
		{"version goes backwards", func(c *templates.Catalog) {
			c.Published.Toolchains["swdev"] = templates.Release{Version: "1.3.0", SHA256: strings.Repeat("0", 64)}
		}, "pod-swdev", "compose pod-swdev: toolchain swdev 1.2.0 is lower than the published 1.3.0; versions never go backwards (roll back by releasing the old content as a new version)"},
		{"content changed without a bump", func(c *templates.Catalog) {
			c.Bases["base-k8s"].Hash = strings.Repeat("1", 64)
		}, "pod-swdev", "compose pod-swdev: base base-k8s 1.1.0 changed after it was published (sha256 111111111111, published "},
		{"beta base on the stable channel", func(c *templates.Catalog) {
			c.Bases["base-k8s"].Channel = "beta"
		}, "pod-swdev", "compose pod-swdev: base base-k8s 1.1.0 is released on beta; a composition on the stable channel takes stable releases only"},
		{"pinned to another version", func(c *templates.Catalog) {
			m, _ := c.Composition("pod-swdev")
			m.Base = templates.BaseRef{Name: "base-k8s", Channel: "pinned", Version: "0.9.0"}
		}, "pod-swdev", "compose pod-swdev: base base-k8s is pinned to 0.9.0 but the catalog has 1.1.0"},
		{"base breaks the contract", func(c *templates.Catalog) {
			b := c.Bases["base-k8s"]
			b.Module["main.tf"] = []byte(strings.Replace(string(b.Module["main.tf"]), `output "volume_mounts"`, `output "mounts"`, 1))
			c.Published = templates.Published{}
			b.Hash = templates.HashFiles(b.Module)
		}, "pod-swdev", "base module has no output volume_mounts"},
		{"isolation removed", func(c *templates.Catalog) {
			b := c.Bases["base-ec2-linux"]
			b.Module["main.tf"] = []byte(strings.Replace(string(b.Module["main.tf"]), "associate_public_ip_address = false", "associate_public_ip_address = true", 1))
			c.Published = templates.Published{}
		}, "ec2-datasci", `network isolation is "" (public IP true); base.yaml says "security-group"`},
		{"toolchain pipes a download into a shell", func(c *templates.Catalog) {
			tc := c.Toolchains["swdev"]
			tc.Files["scripts/tools.sh"] = append(tc.Files["scripts/tools.sh"], "curl -fsSL https://code-server.dev/install.sh | sh\n"...)
			c.Published = templates.Published{}
		}, "pod-swdev", "compose pod-swdev: security scan: 1 finding(s) (fix them, or accept a waivable one with an exception in the layer's manifest):\n  - pipe-to-shell: toolchain swdev scripts/tools.sh:"},
		{"base without IMDSv2", func(c *templates.Catalog) {
			b := c.Bases["base-ec2-linux"]
			b.Module["main.tf"] = []byte(strings.Replace(string(b.Module["main.tf"]), `http_tokens                 = "required"`, `http_tokens                 = "optional"`, 1))
			c.Published = templates.Published{}
		}, "ec2-datasci", `imdsv2: base base-ec2-linux main.tf:`},
		{"stale exception", func(c *templates.Catalog) {
			tc := c.Toolchains["windev"]
			tc.Exceptions = append(tc.Exceptions, templates.Exception{Rule: "unverified-download", Match: "example.com/nothing", Reason: "accepts nothing at all"})
		}, "ec2-windev-gui", `compose ec2-windev-gui: toolchain windev: exception unverified-download "example.com/nothing" accepts no finding; remove it`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := catalog(t)
			tc.edit(c)
			_, err := compose.Compose(c, tc.comp)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// Property 16: an integer override is accepted exactly when it is within
// the base's bounds.
func TestOverrideBoundsProperty(t *testing.T) {
	t.Parallel()
	base := catalog(t).Bases["base-ec2-gpu"]
	b := base.Overrides["root_volume_gib"]
	rapid.Check(t, func(rt *rapid.T) {
		v := rapid.IntRange(-10, 1000).Draw(rt, "root_volume_gib")
		_, err := compose.ResolveOverrides(base, map[string]any{"root_volume_gib": float64(v)})
		inside := v >= *b.Min && v <= *b.Max
		if inside != (err == nil) {
			rt.Fatalf("root_volume_gib=%d: inside=%v err=%v", v, inside, err)
		}
	})
}

// Property 14: a pairing is accepted exactly when the base provides every
// required capability.
func TestPairingProperty(t *testing.T) {
	t.Parallel()
	c := catalog(t)
	all := make([]contract.Capability, 0, len(contract.Capabilities))
	for _, k := range contract.Capabilities {
		all = append(all, k.Name)
	}
	rapid.Check(t, func(rt *rapid.T) {
		tc := *c.Toolchains["swdev"]
		base := *c.Bases["base-k8s"]
		tc.Capabilities.Requires = rapid.SliceOfDistinct(rapid.SampledFrom(all), func(x contract.Capability) contract.Capability { return x }).Draw(rt, "requires")
		err := compose.CheckPairing(&tc, &base)
		ok := true
		for _, r := range tc.Capabilities.Requires {
			ok = ok && slicesContains(base.Provides, r)
		}
		if ok != (err == nil) {
			rt.Fatalf("requires %v: ok=%v err=%v", tc.Capabilities.Requires, ok, err)
		}
	})
}

func slicesContains(s []contract.Capability, c contract.Capability) bool {
	for _, x := range s {
		if x == c {
			return true
		}
	}
	return false
}

// Property 13: toolchains are portable; none names a cloud or a platform.
func TestToolchainsNeverMentionAWS(t *testing.T) {
	t.Parallel()
	for name, tc := range catalog(t).Toolchains {
		for path, data := range tc.Files {
			lower := strings.ToLower(string(data))
			for _, word := range []string{"aws", "amazon", "ec2", "eks", "s3://", "kubernetes"} {
				assert.NotContains(t, lower, word, "%s/%s", name, path)
			}
		}
	}
}

// The Go vocabulary is the schema's.
func TestCapabilitiesMatchTheSchema(t *testing.T) {
	t.Parallel()
	var doc struct {
		Defs map[string]struct {
			Enum []string `json:"enum"`
		} `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(contract.SchemaJSON(), &doc))
	var want []string
	for _, k := range contract.Capabilities {
		want = append(want, string(k.Name))
	}
	assert.Equal(t, want, doc.Defs["capability"].Enum)
}

// A manifest that breaks the schema is refused with the field named.
func TestSchemaRejectsBadManifests(t *testing.T) {
	t.Parallel()
	v, err := contract.NewValidator()
	require.NoError(t, err)
	bad, err := os.ReadFile("../toolchains/swdev/toolchain.yaml")
	require.NoError(t, err)
	var tc templates.Toolchain
	err = v.Decode(contract.DefToolchain, "toolchain.yaml", []byte(strings.Replace(string(bad), "persistent-home, network-egress]", "persistent-home, teleport]", 1)), &tc)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/capabilities/requires/1")
	err = v.Decode(contract.DefToolchain, "toolchain.yaml", []byte(strings.Replace(string(bad), "version: 1.2.0", "version: one", 1)), &tc)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/version")
	// A rule with no safe exception cannot even be written down.
	err = v.Decode(contract.DefToolchain, "toolchain.yaml", []byte(strings.Replace(string(bad), "rule: unverified-download", "rule: pipe-to-shell", 1)), &tc)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/exceptions/0/rule")
}

func BenchmarkComposeAll(b *testing.B) {
	c := catalog(b)
	for b.Loop() {
		if _, err := compose.ComposeAll(c); err != nil {
			b.Fatal(err)
		}
	}
}
