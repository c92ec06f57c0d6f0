// Package scan is the security scan of template CI: supply-chain rules over
// every script a toolchain or base runs, and hardening rules over the
// Terraform a base declares. It reads the files only; nothing is fetched.
// A finding fails composition unless the layer's manifest accepts it with
// an exception, which the policy pack then reports on every preview.
package scan

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/templates"
)

// Rule is one check of the scan.
type Rule struct {
	Name        string
	Description string
	// Waivable rules may be accepted by a manifest exception; the others
	// have no safe exception.
	Waivable bool
}

// Rules are every check, in report order.
var Rules = []Rule{
	{"pipe-to-shell", "nothing fetched from the network is piped into a shell (curl | sh, iwr | iex)", false},
	{"insecure-transport", "every fetch uses https", false},
	{"unpinned-download", "every downloaded artifact names a version, never latest", true},
	{"unverified-download", "every downloaded artifact is checked (sha256sum, Get-FileHash, Get-AuthenticodeSignature or gpg --verify) before use", true},
	{"unpinned-package", "every pip install pins its packages with ==", true},
	{"provider-version", "every required provider has a version constraint", false},
	{"imdsv2", "every aws_instance requires IMDSv2 (metadata_options http_tokens = \"required\")", false},
	{"encrypted-storage", "every aws_instance root volume and aws_ebs_volume is encrypted, EBS volumes with a KMS key", false},
	{"open-ingress", "no security group or network policy admits 0.0.0.0/0 or ::/0", false},
	{"container-hardening", "every Kubernetes container forbids privilege escalation and is not privileged", false},
}

// RuleNames are the names of Rules.
func RuleNames() []string {
	out := make([]string, len(Rules))
	for i, r := range Rules {
		out[i] = r.Name
	}
	return out
}

// Waivable reports whether a manifest exception may accept the rule.
func Waivable(name string) bool {
	i := slices.IndexFunc(Rules, func(r Rule) bool { return r.Name == name })
	return i >= 0 && Rules[i].Waivable
}

// Finding is one breach of a rule.
type Finding struct {
	Rule string
	// Layer is "toolchain <name>", "base <name>" or "template".
	Layer string
	File  string
	Line  int
	// Text is the offending line or block, trimmed.
	Text string
	// Reason is set when a manifest exception accepts the finding.
	Reason string
}

// Location is layer, file and line.
func (f Finding) Location() string { return fmt.Sprintf("%s %s:%d", f.Layer, f.File, f.Line) }

func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s", f.Rule, f.Location(), f.Text)
}

// Report is the scan of one layer or of a whole template.
type Report struct {
	// Findings are not accepted: they fail composition.
	Findings []Finding
	// Accepted are findings a manifest exception accepts.
	Accepted []Finding
}

// Merge appends another report.
func (r *Report) Merge(o Report) {
	r.Findings = append(r.Findings, o.Findings...)
	r.Accepted = append(r.Accepted, o.Accepted...)
}

// Err lists the findings that fail composition, or is nil.
func (r Report) Err() error {
	if len(r.Findings) == 0 {
		return nil
	}
	lines := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		lines[i] = f.String()
	}
	return fmt.Errorf("security scan: %d finding(s) (fix them, or accept a waivable one with an exception in the layer's manifest):\n  - %s",
		len(r.Findings), strings.Join(lines, "\n  - "))
}

// Layer scans one toolchain's or base's files: the script rules over every
// text file, the Terraform rules over its .tf files, and its exceptions
// against what was found. An exception that accepts nothing is an error, so
// a fixed finding cannot leave a stale waiver behind.
func Layer(layer string, files map[string][]byte, exceptions []templates.Exception) (Report, error) {
	var found []Finding
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if p == "toolchain.yaml" || p == "base.yaml" {
			continue // manifests hold no commands
		}
		found = append(found, Script(p, files[p])...)
		if strings.HasSuffix(p, ".tf") {
			tf, err := Terraform(p, files[p])
			if err != nil {
				return Report{}, fmt.Errorf("%s: %w", layer, err)
			}
			found = append(found, tf...)
		}
	}
	return accept(layer, found, exceptions)
}

func accept(layer string, found []Finding, exceptions []templates.Exception) (Report, error) {
	var r Report
	used := make([]bool, len(exceptions))
	for _, f := range found {
		f.Layer = layer
		i := slices.IndexFunc(exceptions, func(e templates.Exception) bool {
			return Waivable(e.Rule) && e.Rule == f.Rule && strings.Contains(f.Text, e.Match)
		})
		if i < 0 {
			r.Findings = append(r.Findings, f)
			continue
		}
		used[i] = true
		f.Reason = exceptions[i].Reason
		r.Accepted = append(r.Accepted, f)
	}
	for i, e := range exceptions {
		if !used[i] {
			return r, fmt.Errorf("%s: exception %s %q accepts no finding; remove it", layer, e.Rule, e.Match)
		}
	}
	return r, nil
}
