package compose

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/template"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/platformeng/coder-platform/templates"
	"github.com/platformeng/coder-platform/templates/contract"
)

//go:embed main.tf.tmpl
var rootTemplate string

var root = template.Must(template.New("main.tf").Funcs(template.FuncMap{
	"q": Quote, "hcl": hclValue, "join": strings.Join,
}).Parse(rootTemplate))

// Paths inside a composed template directory.
const (
	BaseDir        = "base"
	ToolchainDir   = "toolchain"
	ProvenanceFile = "provenance.json"
	MainFile       = "main.tf"
	ReadmeFile     = "README.md"
)

// render writes the template directory: the generated root module, the base
// module, the toolchain's scripts with a generated runner, the provenance
// file and the README whose front matter coderd reads.
func (t *Template) render() error {
	files := map[string][]byte{}
	for p, data := range t.Base.Module {
		files[BaseDir+"/"+p] = data
	}
	for p, data := range t.Toolchain.Files {
		files[ToolchainDir+"/"+p] = data
	}
	runner, err := t.runner()
	if err != nil {
		return err
	}
	files[ToolchainDir+"/"+t.runnerName()] = runner
	t.Provenance = t.provenance()
	prov, err := json.MarshalIndent(t.Provenance, "", "  ")
	if err != nil {
		return err
	}
	files[ProvenanceFile] = append(prov, '\n')
	var buf bytes.Buffer
	if err := root.Execute(&buf, t.view()); err != nil {
		return fmt.Errorf("render main.tf: %w", err)
	}
	files[MainFile] = hclwrite.Format(buf.Bytes())
	files[ReadmeFile] = []byte(t.readme())
	t.Files = files
	t.Hash = templates.HashFiles(files)
	return nil
}

// view is what main.tf.tmpl reads.
type view struct {
	T         *Template
	Platform  string
	Variables []templates.Variable
	Settings  []kv
	Images    []templates.Image
	Default   string
	Env       []kv
	Runner    string
	Timeout   int
	Items     []kv
	RegionTag string
}

type kv struct {
	Key   string
	Value any
}

func (t *Template) view() view {
	v := view{T: t, Platform: t.Base.Platform, Variables: t.Base.Variables, Images: t.Base.Images, Runner: t.runnerName(), RegionTag: templates.RegionTag}
	for _, k := range templates.SortedKeys(t.Settings) {
		v.Settings = append(v.Settings, kv{k, t.Settings[k]})
	}
	v.Default, _ = t.Settings["default_image"].(string)
	if v.Default == "" {
		v.Default = t.Base.Images[0].ID
	}
	for _, k := range templates.SortedKeys(t.Toolchain.Env) {
		v.Env = append(v.Env, kv{k, t.Toolchain.Env[k]})
	}
	for _, s := range t.Toolchain.Bootstrap {
		v.Timeout += scriptTimeout(s)
	}
	p := t.Provenance
	v.Items = []kv{
		{"template", t.Name},
		{"toolchain", fmt.Sprintf("%s %s (sha256:%s)", p.Toolchain.Name, p.Toolchain.Version, short(p.Toolchain.SHA256))},
		{"base", fmt.Sprintf("%s %s %s (sha256:%s)", p.Base.Name, p.Base.Version, p.Base.Channel, short(p.Base.SHA256))},
		{"composer", p.Composer},
		{"contract", p.Contract},
		{"capabilities", strings.Join(p.Capabilities, ", ")},
	}
	return v
}

// Quote renders s as an HCL string literal; template sequences are escaped
// so a value can never become an expression.
func Quote(s string) string {
	b, _ := json.Marshal(s)
	out := string(b)
	out = strings.ReplaceAll(out, "${", "$${")
	out = strings.ReplaceAll(out, "%{", "%%{")
	return out
}

// hclValue renders a resolved override value.
func hclValue(v any) string {
	switch x := v.(type) {
	case string:
		return Quote(x)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	default:
		return fmt.Sprint(x)
	}
}

func (t *Template) readme() string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ndisplay_name: %s\ndescription: %s\nicon: %s\n---\n\n", yamlString(t.Composition.DisplayName),
		yamlString(t.Composition.Description), yamlString(t.Composition.Icon))
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", t.Composition.DisplayName, t.Composition.Description)
	fmt.Fprintf(&b, "Composed from toolchain `%s` %s on base `%s` %s (%s channel) by composer %s, contract %s.\n\n",
		t.Toolchain.Name, t.Toolchain.Version, t.Base.Name, t.Base.Version, t.Base.Channel, Version, contract.Version)
	b.WriteString("| size | resources |\n|---|---|\n")
	for _, p := range t.Profiles {
		fmt.Fprintf(&b, "| %s | %s |\n", p.DisplayName, p.Label())
	}
	fmt.Fprintf(&b, "\nWorkspaces start in up to %d minutes. Do not edit this directory: change the toolchain, the base or `compositions/%s.yaml` and compose again.\n",
		t.Base.StartMinutes, t.Name)
	return b.String()
}

func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Apps returns the toolchain's apps in slug order.
func (t *Template) Apps() []templates.App {
	apps := append([]templates.App(nil), t.Toolchain.Apps...)
	sort.Slice(apps, func(i, j int) bool { return apps[i].Slug < apps[j].Slug })
	return apps
}
