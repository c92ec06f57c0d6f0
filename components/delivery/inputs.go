package delivery

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/templates/compose"
	"github.com/platformeng/coder-platform/templates/contract"
	"github.com/platformeng/coder-platform/templates/scan"
)

// Inputs are the component's inputs: the facts of the composed template
// that the policy pack's template rules judge (policy/rules/templates.go).
// Everything here is read from the composition, its manifests or the parsed
// Terraform, and drives the Job, so what is judged is what is delivered.
func Inputs(a *TemplateArgs) pulumi.Map {
	t := a.Template
	s := t.Schedule
	access := t.Composition.Settings.Access
	caps := func(cs []string) pulumi.StringArray { return pulumi.ToStringArray(cs) }
	bounds := pulumi.Map{}
	for k, b := range t.Base.Overrides {
		m := pulumi.Map{"type": pulumi.String(b.Type)}
		if b.Min != nil {
			m["min"] = pulumi.Int(*b.Min)
		}
		if b.Max != nil {
			m["max"] = pulumi.Int(*b.Max)
		}
		if len(b.Allowed) > 0 {
			m["allowed"] = pulumi.ToStringArray(b.Allowed)
		}
		bounds[k] = m
	}
	var profiles pulumi.Array
	for _, p := range t.Profiles {
		profiles = append(profiles, pulumi.Map{"name": pulumi.String(p.Name), "displayName": pulumi.String(p.DisplayName),
			"cpu": pulumi.Int(p.CPU), "memoryGiB": pulumi.Int(p.MemoryGiB), "diskGiB": pulumi.Int(p.DiskGiB),
			"gpu": pulumi.Int(p.GPU), "instanceType": pulumi.String(p.InstanceType)})
	}
	published := func(rel map[string]string) pulumi.Map {
		out := pulumi.Map{}
		for k, v := range rel {
			out[k] = pulumi.String(v)
		}
		return out
	}
	tcPub, basePub := map[string]string{}, map[string]string{}
	if r, ok := t.Published.Toolchain(); ok {
		tcPub = map[string]string{"version": r.Version, "sha256": r.SHA256}
	}
	if r, ok := t.Published.Base(); ok {
		basePub = map[string]string{"version": r.Version, "sha256": r.SHA256}
	}
	return pulumi.Map{
		"name":         pulumi.String(t.Name),
		"organization": pulumi.String(a.Organization),
		"versionName":  pulumi.String(t.VersionName()),
		"contentHash":  pulumi.String(t.Hash),
		"coderUrl":     pulumi.String(a.CoderURL),
		"image":        pulumi.String(a.Image),
		"toolchain": pulumi.Map{
			"name": pulumi.String(t.Toolchain.Name), "version": pulumi.String(t.Toolchain.Version), "sha256": pulumi.String(t.Toolchain.Hash),
			"requires": caps(contract.Strings(t.Toolchain.Capabilities.Requires)), "optional": caps(contract.Strings(t.Toolchain.Capabilities.Optional)),
			"profiles": pulumi.ToStringArray(toolchainProfiles(t)), "published": published(tcPub),
		},
		"base": pulumi.Map{
			"name": pulumi.String(t.Base.Name), "version": pulumi.String(t.Base.Version), "sha256": pulumi.String(t.Base.Hash),
			"channel": pulumi.String(t.Base.Channel), "platform": pulumi.String(t.Base.Platform),
			"provides": caps(contract.Strings(t.Base.Provides)), "bounds": bounds, "isolation": pulumi.String(t.Base.Isolation),
			"published": published(basePub),
		},
		"overrides":  pulumi.ToMap(t.Settings),
		"profiles":   profiles,
		"sizes":      pulumi.ToStringArray(t.Facts.Sizes),
		"provenance": provenanceMap(t),
		"network": pulumi.Map{
			"isolation": pulumi.String(t.Facts.Isolation), "publicIp": pulumi.Bool(t.Facts.PublicIP),
		},
		"settings": pulumi.Map{
			"timeZone": pulumi.String(s.TimeZone), "autostart": pulumi.String(s.Autostart), "autostop": pulumi.String(s.Autostop),
			"autostartDays":  pulumi.ToStringArray(s.Days),
			"defaultTtlMs":   pulumi.Int(int(s.DefaultTTL.Milliseconds())),
			"activityBumpMs": pulumi.Int(int(s.ActivityBump.Milliseconds())),
			"autostopRequirement": pulumi.Map{
				"daysOfWeek": pulumi.ToStringArray(s.RequirementDays), "weeks": pulumi.Int(s.RequirementWeeks),
			},
			"allowUserAutostart": pulumi.Bool(s.AllowUserAutostart), "allowUserAutostop": pulumi.Bool(s.AllowUserAutostop),
			"requireActiveVersion": pulumi.Bool(s.RequireActiveVersion),
			"deprecated":           pulumi.String(t.Composition.Settings.Deprecated),
		},
		"access": pulumi.Map{
			"groups": pulumi.ToStringArray(a.groups()), "users": pulumi.ToStringArray(nonNil(access.Users)),
			"everyone": pulumi.Bool(access.Everyone),
		},
		"supplyChain": supplyChainMap(t),
		"volumes":     volumesArray(t),
		"quota": pulumi.Map{
			"maxWorkspacesPerUser": pulumi.Int(t.Composition.Settings.MaxWorkspacesPerUser), "dailyCost": pulumi.Int(t.Facts.DailyCost),
		},
	}
}

// volumesArray is each EBS volume of the base and whether the stack's
// home-volume backup plan selects it (the policy pack's
// workspace-volumes-backed-up).
func volumesArray(t *compose.Template) pulumi.Array {
	out := pulumi.Array{}
	for _, v := range t.Facts.Volumes {
		out = append(out, pulumi.Map{"block": pulumi.String(v.Block), "backedUp": pulumi.Bool(v.BackedUp)})
	}
	return out
}

func provenanceMap(t *compose.Template) pulumi.Map {
	p := t.Provenance
	return pulumi.Map{
		"file":      pulumi.Bool(len(t.Files[compose.ProvenanceFile]) > 0),
		"metadata":  pulumi.ToStringArray(t.Facts.ProvenanceItems),
		"toolchain": pulumi.Map{"name": pulumi.String(p.Toolchain.Name), "version": pulumi.String(p.Toolchain.Version), "sha256": pulumi.String(p.Toolchain.SHA256)},
		"base": pulumi.Map{"name": pulumi.String(p.Base.Name), "version": pulumi.String(p.Base.Version), "sha256": pulumi.String(p.Base.SHA256),
			"channel": pulumi.String(p.Base.Channel)},
		"composer": pulumi.String(p.Composer),
		"contract": pulumi.String(p.Contract),
	}
}

// supplyChainMap is the security scan: the rules that ran, the findings
// (composition refuses any, so only a bypassed composer shows one) and the
// findings a manifest accepted, with their reasons.
func supplyChainMap(t *compose.Template) pulumi.Map {
	finding := func(f scan.Finding) pulumi.Map {
		return pulumi.Map{"rule": pulumi.String(f.Rule), "location": pulumi.String(f.Location()),
			"text": pulumi.String(f.Text), "reason": pulumi.String(f.Reason)}
	}
	findings, accepted := pulumi.Array{}, pulumi.Array{}
	for _, f := range t.Scan.Findings {
		findings = append(findings, finding(f))
	}
	for _, f := range t.Scan.Accepted {
		accepted = append(accepted, finding(f))
	}
	return pulumi.Map{"rules": pulumi.ToStringArray(scan.RuleNames()), "findings": findings, "accepted": accepted}
}

// toolchainProfiles are the toolchain's profiles this base can offer.
func toolchainProfiles(t *compose.Template) []string {
	var out []string
	for _, p := range compose.Offerable(t.Toolchain, t.Base) {
		out = append(out, p.Name)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
