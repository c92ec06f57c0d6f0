// Package templates is the template catalog: portable toolchains, per-platform
// infrastructure bases, the compositions that pair them into published Coder
// templates, and the ledger of published versions. The files are embedded so
// the Pulumi program, the CLI and the tests read the same bytes.
package templates

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/templates/contract"
)

// RegionTag is the provisioner tag that binds a build to its region: every
// region's provisioner keys carry it, and every composed template sets it
// from the workspace's region (coder_workspace_tags), so a build runs only
// on the provisioners of the region its workspace lives in.
const RegionTag = "region"

//go:embed toolchains bases compositions published.yaml
var embedded embed.FS

// Embedded is the catalog in this checkout.
func Embedded() fs.FS { return embedded }

// Catalog is every manifest, decoded and checked against the contract schema.
type Catalog struct {
	Toolchains   map[string]*Toolchain
	Bases        map[string]*Base
	Compositions []*Composition
	Published    Published
}

// Load reads a catalog laid out as toolchains/<name>/toolchain.yaml,
// bases/<name>/base.yaml, compositions/<name>.yaml and published.yaml.
func Load(fsys fs.FS) (*Catalog, error) {
	v, err := contract.NewValidator()
	if err != nil {
		return nil, err
	}
	c := &Catalog{Toolchains: map[string]*Toolchain{}, Bases: map[string]*Base{}}
	if err := c.loadToolchains(fsys, v); err != nil {
		return nil, err
	}
	if err := c.loadBases(fsys, v); err != nil {
		return nil, err
	}
	comps, err := fs.Glob(fsys, "compositions/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range comps {
		var m Composition
		if err := decode(fsys, v, contract.DefComposition, f, &m); err != nil {
			return nil, err
		}
		if want := strings.TrimSuffix(path.Base(f), ".yaml"); m.Name != want {
			return nil, fmt.Errorf("%s: name %q must match the file name %q", f, m.Name, want)
		}
		c.Compositions = append(c.Compositions, &m)
	}
	if err := decode(fsys, v, contract.DefPublished, "published.yaml", &c.Published); err != nil {
		return nil, err
	}
	return c, nil
}

// Composition returns a composition by name.
func (c *Catalog) Composition(name string) (*Composition, bool) {
	for _, m := range c.Compositions {
		if m.Name == name {
			return m, true
		}
	}
	return nil, false
}

// CompositionNames lists the compositions in file order.
func (c *Catalog) CompositionNames() []string {
	var out []string
	for _, m := range c.Compositions {
		out = append(out, m.Name)
	}
	return out
}

func (c *Catalog) loadToolchains(fsys fs.FS, v *contract.Validator) error {
	files, err := fs.Glob(fsys, "toolchains/*/toolchain.yaml")
	if err != nil {
		return err
	}
	for _, f := range files {
		var t Toolchain
		if err := decode(fsys, v, contract.DefToolchain, f, &t); err != nil {
			return err
		}
		dir := path.Dir(f)
		if t.Name != path.Base(dir) {
			return fmt.Errorf("%s: name %q must match its directory %q", f, t.Name, path.Base(dir))
		}
		if t.Files, err = readTree(fsys, dir); err != nil {
			return err
		}
		for _, s := range t.Bootstrap {
			if _, ok := t.Files[s.Path]; !ok {
				return fmt.Errorf("%s: bootstrap %s: %s does not exist", f, s.Name, s.Path)
			}
		}
		for _, a := range t.Apps {
			if !a.Subdomain {
				return fmt.Errorf("%s: app %s: subdomain must be true: coderd serves workspace apps on subdomains only "+
					"(CODER_DISABLE_PATH_APPS), since a path-based app runs on the dashboard's origin and can call the Coder API as its user", f, a.Slug)
			}
		}
		t.Hash = hashFiles(t.Files)
		c.Toolchains[t.Name] = &t
	}
	return nil
}

func (c *Catalog) loadBases(fsys fs.FS, v *contract.Validator) error {
	files, err := fs.Glob(fsys, "bases/*/base.yaml")
	if err != nil {
		return err
	}
	for _, f := range files {
		var b Base
		if err := decode(fsys, v, contract.DefBase, f, &b); err != nil {
			return err
		}
		dir := path.Dir(f)
		if b.Name != path.Base(dir) {
			return fmt.Errorf("%s: name %q must match its directory %q", f, b.Name, path.Base(dir))
		}
		all, err := readTree(fsys, dir)
		if err != nil {
			return err
		}
		if _, ok := all["main.tf"]; !ok {
			return fmt.Errorf("%s: the base module has no main.tf", dir)
		}
		b.Module = map[string][]byte{}
		for p, data := range all {
			if p != "base.yaml" {
				b.Module[p] = data
			}
		}
		// The manifest is part of the base's identity: a bound or a
		// capability change is a change of the base.
		b.Hash = hashFiles(all)
		c.Bases[b.Name] = &b
	}
	return nil
}

func decode(fsys fs.FS, v *contract.Validator, def contract.Definition, file string, out any) error {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return err
	}
	return v.Decode(def, file, data, out)
}

// readTree reads every file under dir, keyed by its path relative to dir.
func readTree(fsys fs.FS, dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out[strings.TrimPrefix(p, dir+"/")] = data
		return nil
	})
	return out, err
}

// hashFiles is the SHA-256 over the sorted paths and contents, so the hash
// changes when any byte or name changes and never with read order.
func hashFiles(files map[string][]byte) string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(files[p]))
		h.Write(files[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// HashFiles exposes the content hash for rendered templates.
func HashFiles(files map[string][]byte) string { return hashFiles(files) }

// SortedKeys returns a map's keys in order.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
