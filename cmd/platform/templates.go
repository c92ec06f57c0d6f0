package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/platformeng/coder-platform/templates"
	"github.com/platformeng/coder-platform/templates/compose"
	"github.com/platformeng/coder-platform/templates/contract"
	"github.com/platformeng/coder-platform/templates/scan"
)

const templatesUsage = "usage: platform templates check [--dir DIR] [--out DIR] | publish [--dir DIR] | schema"

// runTemplates is template CI and release: compose and check every
// composition, record published versions, print the contract schema.
func runTemplates(args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 {
		return exitUsage, usageError{templatesUsage}
	}
	if args[0] == "schema" {
		_, err := stdout.Write(contract.SchemaJSON())
		return exitOK, err
	}
	fs := newFlags("templates "+args[0], stderr)
	dir := fs.String("dir", "", "catalog directory (default: the catalog built into this binary)")
	out := fs.String("out", "", "check: also write each composed template directory under this directory")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage, usageError{err.Error()}
	}
	var src = templates.Embedded()
	if *dir != "" {
		src = os.DirFS(*dir)
	}
	cat, err := templates.Load(src)
	if err != nil {
		return exitFailure, err
	}
	composed, err := compose.ComposeAll(cat)
	if err != nil {
		return exitFailure, err
	}
	switch args[0] {
	case "check":
		writeTemplateSummary(stdout, composed)
		if *out != "" {
			if err := writeTemplateDirs(*out, composed); err != nil {
				return exitFailure, err
			}
			fmt.Fprintf(stdout, "wrote %d template directories under %s\n", len(composed), *out)
		}
		return exitOK, nil
	case "publish":
		if *dir == "" {
			return exitUsage, usageError{"publish needs --dir, the catalog directory to update (templates)"}
		}
		raised := publish(cat)
		data, err := yaml.Marshal(cat.Published)
		if err != nil {
			return exitFailure, err
		}
		header := "# The highest published version of each toolchain and base, with its content\n# hash. Written by `platform templates publish --dir templates`; the composer\n# and the policy pack refuse a lower version or changed content at the same\n# version.\n"
		if err := os.WriteFile(filepath.Join(*dir, "published.yaml"), append([]byte(header), data...), 0o644); err != nil {
			return exitFailure, err
		}
		fmt.Fprintf(stdout, "published.yaml: %s\n", strings.Join(raised, ", "))
		return exitOK, nil
	}
	return exitUsage, usageError{templatesUsage}
}

// publish raises the ledger to the catalog's versions. Composition already
// refused any version that would go backwards.
func publish(cat *templates.Catalog) []string {
	if cat.Published.Toolchains == nil {
		cat.Published.Toolchains = map[string]templates.Release{}
	}
	if cat.Published.Bases == nil {
		cat.Published.Bases = map[string]templates.Release{}
	}
	var raised []string
	for _, name := range templates.SortedKeys(cat.Toolchains) {
		t := cat.Toolchains[name]
		if p := cat.Published.Toolchains[name]; p.Version != t.Version {
			raised = append(raised, name+" "+t.Version)
		}
		cat.Published.Toolchains[name] = templates.Release{Version: t.Version, SHA256: t.Hash}
	}
	for _, name := range templates.SortedKeys(cat.Bases) {
		b := cat.Bases[name]
		if p := cat.Published.Bases[name]; p.Version != b.Version {
			raised = append(raised, name+" "+b.Version)
		}
		cat.Published.Bases[name] = templates.Release{Version: b.Version, SHA256: b.Hash}
	}
	if len(raised) == 0 {
		raised = []string{"unchanged"}
	}
	return raised
}

func writeTemplateSummary(w io.Writer, composed []*compose.Template) {
	for _, t := range composed {
		fmt.Fprintf(w, "%s: toolchain %s %s + base %s %s (%s) -> version %s\n", t.Name, t.Toolchain.Name, t.Toolchain.Version,
			t.Base.Name, t.Base.Version, t.Base.Channel, t.VersionName())
		fmt.Fprintf(w, "  capabilities: %s\n", strings.Join(t.Provenance.Capabilities, ", "))
		for _, p := range t.Profiles {
			fmt.Fprintf(w, "  size %-20s %s\n", p.DisplayName, p.Label())
		}
		s := t.Schedule
		fmt.Fprintf(w, "  schedule: start %s, stop %s %s on %s; default TTL %s, activity bump %s\n", s.Autostart, s.Autostop, s.TimeZone,
			strings.Join(s.Days, ","), s.DefaultTTL, s.ActivityBump)
		a := t.Composition.Settings.Access
		fmt.Fprintf(w, "  access: groups %s; max %d workspaces per user\n", strings.Join(a.Groups, ", "), t.Composition.Settings.MaxWorkspacesPerUser)
		fmt.Fprintf(w, "  checked: valid HCL, contract inputs and outputs, agent auth %s, %s isolation, %d sizes, provenance\n",
			t.Facts.AgentAuth, t.Facts.Isolation, len(t.Facts.Sizes))
		fmt.Fprintf(w, "  security scan: %d rules, 0 findings, %d accepted\n", len(scan.Rules), len(t.Scan.Accepted))
		for _, f := range t.Scan.Accepted {
			fmt.Fprintf(w, "    accepted %s at %s: %s\n", f.Rule, f.Location(), f.Reason)
		}
	}
}

func writeTemplateDirs(root string, composed []*compose.Template) error {
	for _, t := range composed {
		for _, p := range templates.SortedKeys(t.Files) {
			path := filepath.Join(root, t.Name, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, t.Files[p], 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
