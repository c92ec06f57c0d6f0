// Package compose pairs a toolchain with an infrastructure base into a Coder
// template directory. It checks the pairing against the contract, the
// overrides against the base's bounds and the versions against the
// published ledger, renders the template, and records provenance in a file
// and in coder_metadata. The rendered Terraform is parsed back (inspect.go)
// so that what is checked is what is delivered.
package compose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/templates"
	"github.com/platformeng/coder-platform/templates/contract"
	"github.com/platformeng/coder-platform/templates/scan"
)

// Version is the composer's version, recorded in every provenance.
const Version = "1.0.0"

// Template is one composed template, ready to push to coderd.
type Template struct {
	Name        string
	Composition *templates.Composition
	Toolchain   *templates.Toolchain
	Base        *templates.Base
	// Settings are the base overrides with the base's defaults filled in.
	Settings map[string]any
	// Profiles are the sizes offered, with the instance type chosen for
	// each on EC2.
	Profiles []Profile
	Schedule Schedule
	// Files are the template directory by path; Hash is their SHA-256.
	Files      map[string][]byte
	Hash       string
	Provenance Provenance
	// Facts were read from the rendered Terraform.
	Facts Facts
	// Scan is the security scan; only accepted findings remain.
	Scan scan.Report
	// Published are the ledger entries the versions were checked against.
	Published Ledger
}

// Ledger holds a template's entries in published.yaml.
type Ledger struct {
	toolchain, base *templates.Release
}

// Toolchain is the published release of the template's toolchain.
func (l Ledger) Toolchain() (templates.Release, bool) { return deref(l.toolchain) }

// Base is the published release of the template's base.
func (l Ledger) Base() (templates.Release, bool) { return deref(l.base) }

func deref(r *templates.Release) (templates.Release, bool) {
	if r == nil {
		return templates.Release{}, false
	}
	return *r, true
}

// ComposeAll composes every composition of the catalog.
func ComposeAll(c *templates.Catalog) ([]*Template, error) {
	var out []*Template
	for _, name := range c.CompositionNames() {
		t, err := Compose(c, name)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Compose composes one composition by name.
func Compose(c *templates.Catalog, name string) (*Template, error) {
	m, ok := c.Composition(name)
	if !ok {
		return nil, fmt.Errorf("compose %s: no such composition; have %s", name, strings.Join(c.CompositionNames(), ", "))
	}
	return ComposeWith(c, m)
}

// ComposeWith composes a composition that may differ from the catalog's
// copy (a stack's schedule override).
func ComposeWith(c *templates.Catalog, m *templates.Composition) (*Template, error) {
	t, err := compose(c, m)
	if err != nil {
		return nil, fmt.Errorf("compose %s: %w", m.Name, err)
	}
	return t, nil
}

func compose(c *templates.Catalog, m *templates.Composition) (*Template, error) {
	tc, ok := c.Toolchains[m.Toolchain.Name]
	if !ok {
		return nil, fmt.Errorf("toolchain %q does not exist; have %s", m.Toolchain.Name, strings.Join(templates.SortedKeys(c.Toolchains), ", "))
	}
	base, ok := c.Bases[m.Base.Name]
	if !ok {
		return nil, fmt.Errorf("base %q does not exist; have %s", m.Base.Name, strings.Join(templates.SortedKeys(c.Bases), ", "))
	}
	t := &Template{Name: m.Name, Composition: m, Toolchain: tc, Base: base}
	if r, ok := c.Published.Toolchains[tc.Name]; ok {
		t.Published.toolchain = &r
	}
	if r, ok := c.Published.Bases[base.Name]; ok {
		t.Published.base = &r
	}
	checks := []func() error{
		func() error { return checkVersions(c, m, tc, base) },
		func() error { return CheckPairing(tc, base) },
		func() (err error) { t.Settings, err = ResolveOverrides(base, m.Overrides); return err },
		func() (err error) { t.Profiles, err = SelectProfiles(tc, base, t.Settings); return err },
		func() (err error) { t.Schedule, err = ResolveSchedule(m.Settings); return err },
		t.render,
		t.verify,
		t.scan,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// CheckPairing fails unless the toolchain and the base run the same OS and
// the base provides every capability the toolchain requires.
func CheckPairing(tc *templates.Toolchain, base *templates.Base) error {
	if tc.OS != base.OS {
		return fmt.Errorf("toolchain %s runs on %s but base %s runs %s", tc.Name, tc.OS, base.Name, base.OS)
	}
	var missing []string
	for _, need := range tc.Capabilities.Requires {
		if !slices.Contains(base.Provides, need) {
			missing = append(missing, string(need))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("toolchain %s requires capability %s, which base %s does not provide (it provides %s)",
			tc.Name, strings.Join(missing, ", "), base.Name, strings.Join(contract.Strings(base.Provides), ", "))
	}
	return nil
}

// ImportTags are the provisioner tags of the template's import job: coderd
// applies no workspace tags to it, and a job without tags only goes to a
// provisioner without tags, so it names the default region's provisioners.
func (t *Template) ImportTags() []string {
	if len(t.Composition.Regions) == 0 {
		return nil
	}
	return []string{templates.RegionTag + "=" + t.Composition.Regions[0]}
}

// Used lists the capabilities the template uses: the required ones and the
// optional ones the base provides, less a desktop the overrides switch off.
func (t *Template) Used() []contract.Capability {
	out := slices.Clone(t.Toolchain.Capabilities.Requires)
	for _, c := range t.Toolchain.Capabilities.Optional {
		if c == contract.GUIVNC && t.Settings["gui_enabled"] == false {
			continue
		}
		if slices.Contains(t.Base.Provides, c) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}
