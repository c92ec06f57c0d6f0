package rules

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// goodTemplate is a compliant coder:templates:Template, shaped as
// components/delivery records it.
const goodTemplate = `{
  "name": "pod-swdev",
  "toolchain": {"name": "swdev", "version": "1.2.0", "sha256": "aaa",
    "requires": ["persistent-home", "network-egress"], "optional": ["gui-vnc"],
    "profiles": ["sw-dev-s", "sw-dev-m"], "published": {"version": "1.1.0", "sha256": "old"}},
  "base": {"name": "base-k8s", "version": "1.0.0", "sha256": "bbb", "channel": "stable", "isolation": "network-policy",
    "provides": ["persistent-home", "network-egress", "gui-vnc"],
    "bounds": {"gui_enabled": {"type": "boolean"}, "cpu_request_percent": {"type": "integer", "min": 25, "max": 100},
      "default_image": {"type": "string", "allowed": ["al2023", "ubuntu-2404"]}, "families": {"type": "list", "allowed": ["m6i", "r6i"]}},
    "published": {"version": "1.0.0", "sha256": "bbb"}},
  "overrides": {"gui_enabled": false, "cpu_request_percent": 50, "default_image": "ubuntu-2404", "families": ["m6i"]},
  "sizes": ["sw-dev-s", "sw-dev-m"],
  "provenance": {"file": true, "metadata": ["template", "toolchain", "base", "composer", "contract", "capabilities"],
    "toolchain": {"name": "swdev", "version": "1.2.0", "sha256": "aaa"},
    "base": {"name": "base-k8s", "version": "1.0.0", "sha256": "bbb", "channel": "stable"}, "composer": "1.0.0", "contract": "v1"},
  "network": {"isolation": "network-policy", "publicIp": false},
  "settings": {"defaultTtlMs": 39600000, "activityBumpMs": 3600000,
    "autostopRequirement": {"daysOfWeek": ["monday"], "weeks": 1}},
  "access": {"groups": ["developers"], "users": [], "everyone": false},
  "supplyChain": {"rules": ["pipe-to-shell", "insecure-transport", "unpinned-download", "unverified-download", "unpinned-package",
    "provider-version", "imdsv2", "encrypted-storage", "open-ingress", "container-hardening"], "findings": [], "accepted": []}
}`

// tpl is goodTemplate with one property replaced (path into nested maps).
func tpl(t *testing.T, value any, path ...string) *Resource {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(goodTemplate), &m))
	if len(path) > 0 {
		cur := m
		for _, p := range path[:len(path)-1] {
			cur = cur[p].(map[string]any)
		}
		if value == nil {
			delete(cur, path[len(path)-1])
		} else {
			cur[path[len(path)-1]] = value
		}
	}
	js, err := json.Marshal(m)
	require.NoError(t, err)
	return res(t, tTemplate, string(js))
}

func TestTemplatePairing(t *testing.T) {
	t.Parallel()
	checkResource(t, templatePairing, []resourceCase{
		{"satisfied", tpl(t, nil), nil},
		{"missing capability", tpl(t, []string{"persistent-home", "gui-rdp"}, "toolchain", "requires"),
			[]string{"the toolchain requires gui-rdp, which the base does not provide."}},
		{"unknown capability", tpl(t, []string{"persistent-home", "network-egress", "telepathy"}, "base", "provides"),
			[]string{`capability "telepathy" is not in contract v1.`}},
		{"unknown", tpl(t, "<unknown>", "toolchain", "requires"), nil},
	})
}

func TestTemplateOverrideBounds(t *testing.T) {
	t.Parallel()
	checkResource(t, templateOverrideBounds, []resourceCase{
		{"within", tpl(t, nil), nil},
		{"above max", tpl(t, 150, "overrides", "cpu_request_percent"),
			[]string{"override cpu_request_percent is 150, above the base's maximum 100."}},
		{"below min", tpl(t, 10, "overrides", "cpu_request_percent"),
			[]string{"override cpu_request_percent is 10, below the base's minimum 25."}},
		{"not allowed", tpl(t, "windows-2022", "overrides", "default_image"),
			[]string{`override default_image is "windows-2022"; the base allows al2023, ubuntu-2404.`}},
		{"list item not allowed", tpl(t, []string{"p4d"}, "overrides", "families"),
			[]string{`override families holds "p4d"; the base allows m6i, r6i.`}},
		{"unknown field", tpl(t, 3, "overrides", "gpus"), []string{"override gpus is not a field the base allows."}},
		{"wrong type", tpl(t, "yes", "overrides", "gui_enabled"), []string{`override gui_enabled is "yes"; the base wants true or false.`}},
		{"unknown value", tpl(t, "<unknown>", "overrides", "cpu_request_percent"), nil},
	})
}

func TestTemplateProvenance(t *testing.T) {
	t.Parallel()
	checkResource(t, templateProvenance, []resourceCase{
		{"present", tpl(t, nil), nil},
		{"none", tpl(t, nil, "provenance"), []string{"the template carries no provenance."}},
		{"no file", tpl(t, false, "provenance", "file"), []string{"the template has no provenance.json."}},
		{"metadata item missing", tpl(t, []string{"template", "toolchain", "base", "composer"}, "provenance", "metadata"),
			[]string{`coder_metadata has no "contract" provenance item.`}},
		{"stale hash", tpl(t, "zzz", "provenance", "toolchain", "sha256"),
			[]string{`provenance records toolchain sha256 "zzz" but the template delivers "aaa".`}},
		{"no composer", tpl(t, "", "provenance", "composer"), []string{"provenance has no composer version."}},
		{"unknown", tpl(t, "<unknown>", "provenance"), nil},
	})
}

func TestTemplateSemver(t *testing.T) {
	t.Parallel()
	checkResource(t, templateSemver, []resourceCase{
		{"forward", tpl(t, nil), nil},
		{"not semver", tpl(t, "1.2", "toolchain", "version"), []string{`toolchain swdev version "1.2" is not a semantic version.`}},
		{"backwards", tpl(t, "1.0.9", "toolchain", "version"), []string{"toolchain swdev 1.0.9 is lower than the published 1.1.0."}},
		{"same version new content", tpl(t, "ccc", "base", "sha256"),
			[]string{"base base-k8s 1.0.0 has content that differs from the published 1.0.0."}},
		{"never published", tpl(t, nil, "toolchain", "published"), nil},
	})
}

func TestTemplateAutostop(t *testing.T) {
	t.Parallel()
	checkResource(t, templateAutostop, []resourceCase{
		{"ttl and requirement", tpl(t, nil), nil},
		{"no ttl", tpl(t, 0, "settings", "defaultTtlMs"), []string{"the template has no default TTL, so workspaces never stop on their own."}},
		{"ttl too long", tpl(t, 30*3600*1000, "settings", "defaultTtlMs"), []string{"the default TTL is 30 h, above 24 h."}},
		{"no requirement", tpl(t, []string{}, "settings", "autostopRequirement", "daysOfWeek"), []string{"the template has no autostop requirement."}},
		{"unknown", tpl(t, "<unknown>", "settings", "defaultTtlMs"), nil},
	})
}

func TestTemplateSizes(t *testing.T) {
	t.Parallel()
	checkResource(t, templateSizes, []resourceCase{
		{"every profile", tpl(t, nil), nil},
		{"profile missing", tpl(t, []string{"sw-dev-s", "sw-dev-l"}, "sizes"), []string{"the toolchain's profile sw-dev-m is not offered as a size."}},
		{"one size", tpl(t, []string{"sw-dev-s"}, "toolchain", "profiles"), nil},
		{"too few", tpl(t, []string{"sw-dev-s"}, "sizes"), []string{
			"the template offers 1 size(s); at least 2 are required.", "the toolchain's profile sw-dev-m is not offered as a size."}},
	})
}

func TestTemplateIsolation(t *testing.T) {
	t.Parallel()
	checkResource(t, templateIsolation, []resourceCase{
		{"network policy", tpl(t, nil), nil},
		{"none", tpl(t, "", "network", "isolation"),
			[]string{"the template's Terraform isolates workspaces neither by NetworkPolicy nor by security group."}},
		{"not what the base promises", tpl(t, "security-group", "network", "isolation"),
			[]string{"the template isolates by security-group but its base promises network-policy."}},
		{"public ip", tpl(t, true, "network", "publicIp"), []string{"workspace instances may get a public IP address."}},
	})
}

func TestTemplateGroupAccess(t *testing.T) {
	t.Parallel()
	checkResource(t, templateGroupAccess, []resourceCase{
		{"groups only", tpl(t, nil), nil},
		{"everyone", tpl(t, true, "access", "everyone"), []string{"the template is granted to Everyone."}},
		{"individuals", tpl(t, []string{"alice@example.com"}, "access", "users"),
			[]string{"the template is granted to individual users: alice@example.com."}},
		{"no group", tpl(t, []string{}, "access", "groups"), []string{"the template is granted to no group."}},
	})
}

func TestTemplateSupplyChain(t *testing.T) {
	t.Parallel()
	accepted := func(rule, reason string) []map[string]any {
		return []map[string]any{{"rule": rule, "location": "base b main.tf:3", "text": "curl …", "reason": reason}}
	}
	checkResource(t, templateSupplyChain, []resourceCase{
		{"clean", tpl(t, nil), nil},
		{"accepted with a reason", tpl(t, accepted("unverified-download", "upstream publishes no checksums"), "supplyChain", "accepted"), nil},
		{"a finding", tpl(t, []map[string]any{{"rule": "pipe-to-shell", "location": "toolchain t scripts/a.sh:4",
			"text": "curl https://x/install.sh | sh"}}, "supplyChain", "findings"),
			[]string{"pipe-to-shell at toolchain t scripts/a.sh:4: curl https://x/install.sh | sh"}},
		{"a rule did not run", tpl(t, []string{"pipe-to-shell", "insecure-transport", "unpinned-download", "unverified-download",
			"unpinned-package", "provider-version", "imdsv2", "encrypted-storage", "open-ingress"}, "supplyChain", "rules"),
			[]string{"the security scan did not run rule container-hardening."}},
		{"no scan at all", tpl(t, nil, "supplyChain"), func() []string {
			var out []string
			for _, r := range []string{"pipe-to-shell", "insecure-transport", "unpinned-download", "unverified-download", "unpinned-package",
				"provider-version", "imdsv2", "encrypted-storage", "open-ingress", "container-hardening"} {
				out = append(out, "the security scan did not run rule "+r+".")
			}
			return out
		}()},
		{"accepting a rule with no safe exception", tpl(t, accepted("pipe-to-shell", "we trust them"), "supplyChain", "accepted"),
			[]string{"pipe-to-shell at base b main.tf:3 is accepted, but that rule has no safe exception."}},
		{"accepted without a reason", tpl(t, accepted("unpinned-package", " "), "supplyChain", "accepted"),
			[]string{"unpinned-package at base b main.tf:3 is accepted without a reason."}},
	})
}

func TestTemplateAcceptedRisks(t *testing.T) {
	t.Parallel()
	checkResource(t, templateAcceptedRisks, []resourceCase{
		{"nothing accepted", tpl(t, nil), nil},
		{"one accepted", tpl(t, []map[string]any{{"rule": "unverified-download", "location": "base b main.tf:3", "text": "curl …",
			"reason": "upstream publishes no checksums"}}, "supplyChain", "accepted"),
			[]string{"accepted unverified-download at base b main.tf:3: upstream publishes no checksums"}},
	})
}
