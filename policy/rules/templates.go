package rules

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/platformeng/coder-platform/templates/contract"
	"github.com/platformeng/coder-platform/templates/scan"
)

// The template contract rules judge the coder:templates:Template resources
// that deliver composed templates to coderd (components/delivery). Their
// inputs are facts read from the composition, its manifests and the
// rendered Terraform, so the rules gate what is pushed.

var templateTypes = []string{tTemplate}

var templatePairing = &Policy{
	Name:        "template-pairing-satisfies-contract",
	Description: "A template's base provides every capability its toolchain requires, from the contract's vocabulary.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "pair the toolchain with a base that provides the capability (templates/bases/*/base.yaml provides), or drop it from the toolchain's requires.",
	Types:       templateTypes,
	Check: func(r *Resource, _ Config) []string {
		requires, rs := strs(r.Props, "toolchain", "requires")
		provides, ps := strs(r.Props, "base", "provides")
		if rs != known || ps != known {
			return nil
		}
		var out []string
		for _, c := range append(slices.Clone(requires), provides...) {
			if !contract.Known(contract.Capability(c)) {
				out = append(out, fmt.Sprintf("capability %q is not in contract %s.", c, contract.Version))
			}
		}
		for _, c := range requires {
			if !slices.Contains(provides, c) {
				out = append(out, fmt.Sprintf("the toolchain requires %s, which the base does not provide.", c))
			}
		}
		return dedupe(out)
	},
}

var templateOverrideBounds = &Policy{
	Name:        "template-overrides-within-bounds",
	Description: "Every base override names a field the base allows and stays within its bounds.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "change the override in templates/compositions/<name>.yaml to a value the base's overrides allow, or release a base with wider bounds.",
	Types:       templateTypes,
	Check: func(r *Resource, _ Config) []string {
		overrides, os := object(r.Props, "overrides")
		bounds, bs := object(r.Props, "base", "bounds")
		if os != known || bs != known {
			return nil
		}
		var out []string
		for _, k := range overrides.StableKeys() {
			b, ok := bounds[k]
			if !ok {
				out = append(out, fmt.Sprintf("override %s is not a field the base allows.", k))
				continue
			}
			bm, _ := elem(b)
			if msg := outOfBound(string(k), overrides[k], bm); msg != "" {
				out = append(out, msg)
			}
		}
		return out
	},
}

// outOfBound judges one override value against its bound.
func outOfBound(field string, v resource.PropertyValue, b resource.PropertyMap) string {
	v, s := unwrap(v)
	if s != known {
		return ""
	}
	typ, _ := str(b, "type")
	allowed, _ := strs(b, "allowed")
	switch typ {
	case "integer":
		if !v.IsNumber() {
			return fmt.Sprintf("override %s is %s; the base wants an integer.", field, show(v))
		}
		n := v.NumberValue()
		if lo, ls := number(b, "min"); ls == known && n < lo {
			return fmt.Sprintf("override %s is %v, below the base's minimum %v.", field, n, lo)
		}
		if hi, hs := number(b, "max"); hs == known && n > hi {
			return fmt.Sprintf("override %s is %v, above the base's maximum %v.", field, n, hi)
		}
	case "boolean":
		if !v.IsBool() {
			return fmt.Sprintf("override %s is %s; the base wants true or false.", field, show(v))
		}
	case "string":
		if !v.IsString() || len(allowed) > 0 && !slices.Contains(allowed, v.StringValue()) {
			return fmt.Sprintf("override %s is %s; the base allows %s.", field, show(v), strings.Join(allowed, ", "))
		}
	case "list":
		if !v.IsArray() || len(v.ArrayValue()) == 0 {
			return fmt.Sprintf("override %s is %s; the base wants a list of %s.", field, show(v), strings.Join(allowed, ", "))
		}
		for _, e := range v.ArrayValue() {
			if !e.IsString() || len(allowed) > 0 && !slices.Contains(allowed, e.StringValue()) {
				return fmt.Sprintf("override %s holds %s; the base allows %s.", field, show(e), strings.Join(allowed, ", "))
			}
		}
	}
	return ""
}

var templateProvenance = &Policy{
	Name:        "template-provenance-present",
	Description: "A template records what it was composed from (toolchain and base versions and hashes, composer, contract) in provenance.json and in coder_metadata.",
	Severity:    Medium,
	Enforcement: Mandatory,
	Remediation: "deliver templates composed by `platform templates check` (templates/compose), which writes provenance.json and the coder_metadata items.",
	Types:       templateTypes,
	Check: func(r *Resource, _ Config) []string {
		p, ps := object(r.Props, "provenance")
		if ps == unknown {
			return nil
		}
		if ps == absent {
			return []string{"the template carries no provenance."}
		}
		var out []string
		if file, fs := boolean(p, "file"); fs == known && !file {
			out = append(out, "the template has no provenance.json.")
		}
		if items, is := strs(p, "metadata"); is == known {
			for _, k := range []string{"template", "toolchain", "base", "composer", "contract"} {
				if !slices.Contains(items, k) {
					out = append(out, fmt.Sprintf("coder_metadata has no %q provenance item.", k))
				}
			}
		}
		for _, layer := range []string{"toolchain", "base"} {
			for _, f := range []string{"version", "sha256"} {
				got, gs := str(p, layer, f)
				want, ws := str(r.Props, layer, f)
				if gs == known && ws == known && got != want {
					out = append(out, fmt.Sprintf("provenance records %s %s %q but the template delivers %q.", layer, f, got, want))
				} else if gs == absent {
					out = append(out, fmt.Sprintf("provenance has no %s %s.", layer, f))
				}
			}
		}
		if c, cs := str(p, "composer"); cs == absent || cs == known && c == "" {
			out = append(out, "provenance has no composer version.")
		}
		return out
	},
}

var templateSemver = &Policy{
	Name:        "template-toolchain-semver",
	Description: "Toolchain and base versions are semantic versions and never go backwards, or change content, for a published name.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "release a higher version (roll back by publishing the old content as a new version), then run `platform templates publish --dir templates`.",
	Types:       templateTypes,
	Check: func(r *Resource, _ Config) []string {
		var out []string
		for _, layer := range []string{"toolchain", "base"} {
			name, _ := str(r.Props, layer, "name")
			v, vs := str(r.Props, layer, "version")
			if vs != known {
				continue
			}
			ver, err := semver.Parse(v)
			if err != nil {
				out = append(out, fmt.Sprintf("%s %s version %q is not a semantic version.", layer, name, v))
				continue
			}
			pv, ps := str(r.Props, layer, "published", "version")
			if ps != known {
				continue
			}
			pub, err := semver.Parse(pv)
			if err != nil {
				continue
			}
			sha, _ := str(r.Props, layer, "sha256")
			psha, _ := str(r.Props, layer, "published", "sha256")
			switch {
			case ver.LT(pub):
				out = append(out, fmt.Sprintf("%s %s %s is lower than the published %s.", layer, name, v, pv))
			case ver.EQ(pub) && sha != psha:
				out = append(out, fmt.Sprintf("%s %s %s has content that differs from the published %s.", layer, name, v, pv))
			}
		}
		return out
	},
}

var templateAutostop = &Policy{
	Name:        "template-autostop",
	Description: "Every template stops idle workspaces: a default TTL and an autostop requirement.",
	Severity:    Medium,
	Enforcement: Mandatory,
	Remediation: "set settings.schedule (or defaultTtl) and settings.autostopRequirement in the composition.",
	Params: []Param{{Name: "maxTtlHours", Type: "integer", Default: 24,
		Description: "longest default TTL a template may set"}},
	Types: templateTypes,
	Check: func(r *Resource, c Config) []string {
		var out []string
		ttl, ts := number(r.Props, "settings", "defaultTtlMs")
		switch {
		case ts == absent || ts == known && ttl <= 0:
			out = append(out, "the template has no default TTL, so workspaces never stop on their own.")
		case ts == known && ttl > float64(c.Int("maxTtlHours"))*3600*1000:
			out = append(out, fmt.Sprintf("the default TTL is %.0f h, above %d h.", ttl/3600/1000, c.Int("maxTtlHours")))
		}
		days, ds := strs(r.Props, "settings", "autostopRequirement", "daysOfWeek")
		if ds == absent || ds == known && len(days) == 0 {
			out = append(out, "the template has no autostop requirement.")
		}
		return out
	},
}

var templateSizes = &Policy{
	Name:        "template-tshirt-sizes",
	Description: "Every template offers its toolchain's compute profiles as t-shirt sizes (coder_parameter options).",
	Severity:    Medium,
	Enforcement: Mandatory,
	Remediation: "compose the template again: the composer renders one compute_profile option per toolchain profile the base can run.",
	Params: []Param{{Name: "minSizes", Type: "integer", Default: 2,
		Description: "fewest sizes a template offers"}},
	Types: templateTypes,
	Check: func(r *Resource, c Config) []string {
		sizes, ss := strs(r.Props, "sizes")
		profiles, ps := strs(r.Props, "toolchain", "profiles")
		if ss == unknown || ps == unknown {
			return nil
		}
		var out []string
		if len(sizes) < c.Int("minSizes") {
			out = append(out, fmt.Sprintf("the template offers %d size(s); at least %d are required.", len(sizes), c.Int("minSizes")))
		}
		for _, p := range profiles {
			if !slices.Contains(sizes, p) {
				out = append(out, fmt.Sprintf("the toolchain's profile %s is not offered as a size.", p))
			}
		}
		return out
	},
}

var templateIsolation = &Policy{
	Name:        "template-network-isolation",
	Description: "Workspaces are network-isolated: a per-workspace NetworkPolicy on Kubernetes, the workspace security group and no public IP on EC2.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "use a base whose Terraform creates a kubernetes_network_policy, or sets vpc_security_group_ids and associate_public_ip_address = false.",
	Types:       templateTypes,
	Check: func(r *Resource, _ Config) []string {
		iso, is := str(r.Props, "network", "isolation")
		pub, ps := boolean(r.Props, "network", "publicIp")
		want, _ := str(r.Props, "base", "isolation")
		var out []string
		if is == absent || is == known && iso != "network-policy" && iso != "security-group" {
			out = append(out, "the template's Terraform isolates workspaces neither by NetworkPolicy nor by security group.")
		} else if is == known && want != "" && iso != want {
			out = append(out, fmt.Sprintf("the template isolates by %s but its base promises %s.", iso, want))
		}
		if ps == known && pub {
			out = append(out, "workspace instances may get a public IP address.")
		}
		return out
	},
}

var templateGroupAccess = &Policy{
	Name:        "template-group-access",
	Description: "Templates are private and granted to groups only: never to Everyone, never to individual users.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "grant the template to IdP-synced groups in settings.access.groups (or templates.groups in the stack) and remove users and everyone.",
	Types:       templateTypes,
	Check: func(r *Resource, _ Config) []string {
		var out []string
		if everyone, es := boolean(r.Props, "access", "everyone"); es == known && everyone {
			out = append(out, "the template is granted to Everyone.")
		}
		if users, us := strs(r.Props, "access", "users"); us == known && len(users) > 0 {
			out = append(out, fmt.Sprintf("the template is granted to individual users: %s.", strings.Join(users, ", ")))
		}
		if groups, gs := strs(r.Props, "access", "groups"); gs == absent || gs == known && len(groups) == 0 {
			out = append(out, "the template is granted to no group.")
		}
		return out
	},
}

var templateSupplyChain = &Policy{
	Name:        "template-supply-chain",
	Description: "A template passed every rule of the security scan: nothing piped into a shell, https, pinned and verified downloads, pinned packages, hardened Terraform; only waivable findings are accepted, each with a reason.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "fix the finding in the toolchain or base (verify the download with the vendor's checksum or signature, pin the version), or accept a waivable one with an exception and a reason in the layer's manifest; see docs/templates.md#security-scan.",
	Types:       templateTypes,
	Check: func(r *Resource, _ Config) []string {
		ran, rs := strs(r.Props, "supplyChain", "rules")
		if rs == unknown {
			return nil
		}
		var out []string
		for _, ru := range scan.Rules {
			if !slices.Contains(ran, ru.Name) {
				out = append(out, fmt.Sprintf("the security scan did not run rule %s.", ru.Name))
			}
		}
		for _, f := range scanFindings(r, "findings") {
			out = append(out, fmt.Sprintf("%s at %s: %s", f.rule, f.location, f.text))
		}
		for _, f := range scanFindings(r, "accepted") {
			if !scan.Waivable(f.rule) {
				out = append(out, fmt.Sprintf("%s at %s is accepted, but that rule has no safe exception.", f.rule, f.location))
			}
			if strings.TrimSpace(f.reason) == "" {
				out = append(out, fmt.Sprintf("%s at %s is accepted without a reason.", f.rule, f.location))
			}
		}
		return out
	},
}

var templateAcceptedRisks = &Policy{
	Name:        "template-accepted-risks",
	Description: "Reports every security-scan finding a toolchain or base accepts with an exception, on every preview, so accepted risks stay visible.",
	Severity:    Low,
	Enforcement: Advisory,
	Remediation: "retire the exception when upstream publishes checksums or signatures, or bake the artifact into the workspace image or AMI.",
	Types:       templateTypes,
	Check: func(r *Resource, _ Config) []string {
		var out []string
		for _, f := range scanFindings(r, "accepted") {
			out = append(out, fmt.Sprintf("accepted %s at %s: %s", f.rule, f.location, f.reason))
		}
		return out
	},
}

// scanFinding is one entry of the security scan's findings or accepted
// list, as components/delivery records it.
type scanFinding struct{ rule, location, text, reason string }

func scanFindings(r *Resource, key string) []scanFinding {
	items, _ := list(r.Props, "supplyChain", key)
	out := make([]scanFinding, 0, len(items))
	for _, it := range items {
		m, _ := elem(it)
		var f scanFinding
		f.rule, _ = str(m, "rule")
		f.location, _ = str(m, "location")
		f.text, _ = str(m, "text")
		f.reason, _ = str(m, "reason")
		out = append(out, f)
	}
	return out
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// show renders a property value as the stack file would write it.
func show(v resource.PropertyValue) string {
	if v.IsString() {
		return fmt.Sprintf("%q", v.StringValue())
	}
	js, err := json.Marshal(v.Mappable())
	if err != nil {
		return fmt.Sprint(v.Mappable())
	}
	return string(js)
}
