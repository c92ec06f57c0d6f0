package config

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// The generated part of docs/config-reference.md: every key of the stack
// schema, walked from Stack's json tags, with its type, the default each
// profile's defaulting gives it (applyDefaults run on an empty config of
// that profile) and its meaning, read from the Go doc comment of its field.
// The types, the defaulting code and the comments are the one source; a
// test in this package keeps the document current.

// modulePath is the module of the config types: their source files are
// found under the module's root by package path.
const modulePath = "github.com/platformeng/coder-platform"

// ReferenceProfiles are the profiles the reference shows defaults for, in
// its column order.
var ReferenceProfiles = []Profile{ProfileEnterprise, ProfileWorkshop}

// SchemaKey is one key of the stack config schema: a json-tagged field of
// Stack or of a struct under it, or a secret config key.
type SchemaKey struct {
	// Path is the dotted key; the items of a list are [] and the values of
	// a map of objects <name>: regions[].name, coder.oidc.groups.mapping.
	Path string
	// Type is the value's type in words: string, integer, number, boolean,
	// object, "list of strings", "map of lists of strings", secret.
	Type string
	// Defaults is each profile's default, rendered as YAML flow text; ""
	// when that profile's defaulting leaves the key unset (it is required,
	// optional, or derived from other keys during validation).
	Defaults map[Profile]string
	// Meaning is the sentence of the Go doc comment that describes the
	// field ("" when the field and its type have none).
	Meaning string
	// Object marks a key whose value is an object of further keys.
	Object bool
	// Secret marks a secret config key (secrets.go).
	Secret bool
}

// Leaf is the last segment of the key's path, without [].
func (k SchemaKey) Leaf() string {
	p := k.Path[strings.LastIndex(k.Path, ".")+1:]
	return strings.TrimSuffix(p, "[]")
}

// Top is the top-level key the key belongs to.
func (k SchemaKey) Top() string {
	top, _, _ := strings.Cut(k.Path, ".")
	return strings.TrimSuffix(top, "[]")
}

// effective gives the default of a key whose defaulting leaves it nil and
// which the program reads through an accessor that decides what nil means.
// The schema test fails for a nil key of either profile missing here.
var effective = map[string]func(*Stack) any{
	"coder.provisioners.autoscaling":        func(s *Stack) any { return s.Coder.Provisioners.AutoscalingEnabled() },
	"network.egress.directConnections":      func(s *Stack) any { return s.Network.Egress.DirectConnectionsEnabled() },
	"cluster.nodeGroups.control.spot":       func(s *Stack) any { return s.Cluster.NodeGroups.Control.IsSpot() },
	"cluster.nodeGroups.provisioner.spot":   func(s *Stack) any { return s.Cluster.NodeGroups.Provisioner.IsSpot() },
	"cluster.nodeGroups.workspace.spot":     func(s *Stack) any { return s.Cluster.NodeGroups.Workspace.IsSpot() },
	"database.deletionProtection":           func(s *Stack) any { return s.Database.DeletionProtected() },
	"observability.containerInsights":       func(s *Stack) any { return s.Observability.InsightsOn() },
	"observability.cloudTrail.enabled":      func(s *Stack) any { return s.Observability.CloudTrail.On() },
	"templates.deliver":                     func(s *Stack) any { return s.Templates.Delivering() },
	"cost.enabled":                          func(s *Stack) any { return s.Cost.On() },
	"images.ecr":                            func(s *Stack) any { return s.Images.On() },
	"security.guardDuty.enabled":            func(s *Stack) any { return s.Security.GuardDuty.On() },
	"security.config.enabled":               func(s *Stack) any { return s.Security.Config.On() },
	"security.remediation.enabled":          func(s *Stack) any { return s.Security.Remediation.On() },
	"security.securityHub.enabled":          func(s *Stack) any { return s.Security.SecurityHub.On() },
	"security.accessAnalyzer.enabled":       func(s *Stack) any { return s.Security.AccessAnalyzer.On() },
	"scaletest.cleanup":                     func(s *Stack) any { return s.Scaletest.CleanupOn() },
	"resilience.volumes.enabled":            func(s *Stack) any { return s.Resilience.Volumes.On() },
	"resilience.volumes.copyToBackupRegion": func(s *Stack) any { return s.Resilience.Volumes.Copied() },
}

// meaningOf gives the meaning of the fields of a type whose fields carry
// no doc comments because another table describes them.
var meaningOf = map[reflect.Type]func(key string) string{
	reflect.TypeOf(thresholds.Values{}): func(key string) string {
		for _, r := range thresholds.Table {
			if r.Key == key {
				return r.Meaning
			}
		}
		return ""
	},
}

// zeroIsDefault are the types whose defaulting fills every field, so that
// a zero there is the default, not an unset key.
var zeroIsDefault = map[reflect.Type]bool{reflect.TypeOf(thresholds.Values{}): true}

// DefaultedStack is an empty config of the profile after the defaulting
// Load runs (before validation, which derives what depends on other keys).
func DefaultedStack(p Profile) *Stack {
	s := &Stack{Profile: p, secrets: map[string]secret{}}
	applyDefaults(s)
	return s
}

// Schema lists every key of the stack config, in declaration order, then
// the secret keys. root is the module's root directory: the meanings are
// read from the Go source there.
func Schema(root string) ([]SchemaKey, error) {
	docs := &docIndex{root: root, types: map[string]*typeDoc{}, parsed: map[string]bool{}}
	stacks := map[Profile]*Stack{}
	vals := map[Profile]reflect.Value{}
	for _, p := range ReferenceProfiles {
		stacks[p] = DefaultedStack(p)
		vals[p] = reflect.ValueOf(stacks[p]).Elem()
	}
	w := &schemaWalker{docs: docs, stacks: stacks}
	if err := w.walk(reflect.TypeOf(Stack{}), "", vals); err != nil {
		return nil, err
	}
	for _, s := range secretKeys {
		w.keys = append(w.keys, SchemaKey{Path: s.key, Type: "secret", Defaults: map[Profile]string{},
			Meaning: upperFirst(s.holds) + "; set with `pulumi config set --secret`.", Secret: true})
	}
	return w.keys, nil
}

// Reference is the Markdown table of Schema: one row per key.
func Reference(root string) (string, error) {
	keys, err := Schema(root)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| key | type |")
	for _, p := range ReferenceProfiles {
		fmt.Fprintf(&b, " %s default |", p)
	}
	b.WriteString(" meaning |\n|---|---|")
	for range ReferenceProfiles {
		b.WriteString("---|")
	}
	b.WriteString("---|\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "| `%s` | %s |", k.Path, k.Type)
		for _, p := range ReferenceProfiles {
			d := "—"
			if k.Object {
				d = ""
			} else if v := k.Defaults[p]; v != "" {
				d = "`" + cell(v) + "`"
			}
			fmt.Fprintf(&b, " %s |", d)
		}
		fmt.Fprintf(&b, " %s |\n", markdownText(k.Meaning))
	}
	return b.String(), nil
}

type schemaWalker struct {
	docs   *docIndex
	stacks map[Profile]*Stack
	keys   []SchemaKey
}

// walk visits the json-tagged fields of struct type t under prefix. vals
// holds each profile's defaulted value of t; a profile is missing where
// no default reaches (list items, map values, unset optional objects).
func (w *schemaWalker) walk(t reflect.Type, prefix string, vals map[Profile]reflect.Value) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		if name == "-" {
			continue
		}
		path := prefix + name
		meaning, err := w.docs.meaning(t, f, name)
		if err != nil {
			return err
		}
		base := f.Type
		for base.Kind() == reflect.Pointer {
			base = base.Elem()
		}
		key := SchemaKey{Path: path, Type: typeWords(base), Defaults: map[Profile]string{}, Meaning: meaning,
			Object: base.Kind() == reflect.Struct && base != reflect.TypeOf(time.Time{})}
		sub := map[Profile]reflect.Value{}
		for p, v := range vals {
			fv := v.Field(i)
			key.Defaults[p] = w.defaultOf(p, path, fv, zeroIsDefault[t])
			for fv.Kind() == reflect.Pointer && !fv.IsNil() {
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Struct {
				sub[p] = fv
			}
		}
		w.keys = append(w.keys, key)

		switch {
		case key.Object:
			if err := w.walk(base, path+".", sub); err != nil {
				return err
			}
		case base.Kind() == reflect.Slice && structType(base.Elem()) != nil:
			if err := w.walk(structType(base.Elem()), path+"[].", nil); err != nil {
				return err
			}
		case base.Kind() == reflect.Map && structType(base.Elem()) != nil:
			if err := w.walk(structType(base.Elem()), path+".<name>.", nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// defaultOf renders the defaulted value v of the key path: "" for an
// object, an unset pointer without an accessor, or a zero value that is
// not false, unless the pointer was set or the zero is the default (zero).
func (w *schemaWalker) defaultOf(p Profile, path string, v reflect.Value, zero bool) string {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		if get, ok := effective[path]; ok {
			return renderFlow(reflect.ValueOf(get(w.stacks[p])))
		}
		return ""
	}
	set := v.Kind() == reflect.Pointer
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	switch {
	case v.Kind() == reflect.Struct:
		return ""
	case v.Kind() == reflect.Bool, set, zero:
		return renderFlow(v)
	case v.IsZero():
		return ""
	}
	return renderFlow(v)
}

func structType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		return t
	}
	return nil
}

// typeWords names a config value's type; plural names the items of a list
// or map.
func typeWords(t reflect.Type) string { return typeWord(t, false) }

func typeWord(t reflect.Type, plural bool) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var w string
	switch t.Kind() {
	case reflect.String:
		w = "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		w = "integer"
	case reflect.Float32, reflect.Float64:
		w = "number"
	case reflect.Bool:
		w = "boolean"
	case reflect.Struct:
		w = "object"
	case reflect.Slice, reflect.Array:
		if plural {
			return "lists of " + typeWord(t.Elem(), true)
		}
		return "list of " + typeWord(t.Elem(), true)
	case reflect.Map:
		if plural {
			return "maps of " + typeWord(t.Elem(), true)
		}
		return "map of " + typeWord(t.Elem(), true)
	default:
		w = t.Kind().String()
	}
	if plural {
		w += "s"
	}
	return w
}

// renderFlow writes a value as YAML flow text: scalars plain, lists [a, b],
// objects {key: value} with their set keys only.
func renderFlow(v reflect.Value) string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "null"
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Slice, reflect.Array:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = renderFlow(v.Index(i))
		}
		return "[" + strings.Join(items, ", ") + "]"
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		byKey := map[string]reflect.Value{}
		for _, k := range v.MapKeys() {
			s := renderFlow(k)
			keys = append(keys, s)
			byKey[s] = v.MapIndex(k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			keys[i] = k + ": " + renderFlow(byKey[k])
		}
		return "{" + strings.Join(keys, ", ") + "}"
	case reflect.Struct:
		var fields []string
		for i := 0; i < v.NumField(); i++ {
			name := jsonName(v.Type().Field(i))
			if name == "-" || v.Field(i).IsZero() {
				continue
			}
			fields = append(fields, name+": "+renderFlow(v.Field(i)))
		}
		return "{" + strings.Join(fields, ", ") + "}"
	}
	return fmt.Sprint(v.Interface())
}

// docIndex reads the doc comments of the module's struct types from source.
type docIndex struct {
	root   string
	types  map[string]*typeDoc // "<package path>.<type>"
	parsed map[string]bool     // package paths
}

type typeDoc struct {
	doc    string
	fields []fieldDoc // in declaration order
}

type fieldDoc struct {
	name, doc, comment string
}

// meaning is the sentence that describes field f (json name key) of
// struct type owner: its own doc comment (the sentence naming it, or the
// first), its line comment, another table's (meaningOf), the doc comment of
// an earlier field that names it, or the doc comment of its type.
func (d *docIndex) meaning(owner reflect.Type, f reflect.StructField, key string) (string, error) {
	td, err := d.typeDoc(owner)
	if err != nil {
		return "", err
	}
	names := map[string]string{} // Go field name → json name
	for i := 0; i < owner.NumField(); i++ {
		if n := jsonName(owner.Field(i)); n != "-" {
			names[owner.Field(i).Name] = n
		}
	}
	if td != nil {
		for i, fd := range td.fields {
			if fd.name != f.Name {
				continue
			}
			if s := sentenceNaming(fd.doc, f.Name, true); s != "" {
				return jsonNames(s, names), nil
			}
			if c := collapse(fd.comment); c != "" {
				return jsonNames(c, names), nil
			}
			if get, ok := meaningOf[owner]; ok {
				if m := get(key); m != "" {
					return m, nil
				}
			}
			// A doc comment shared by the fields declared after it, whose
			// first sentence names this one ("Coderd and Proxy override …").
			for j := i - 1; j >= 0; j-- {
				if doc := td.fields[j].doc; doc != "" {
					if first := sentences(collapse(doc)); len(first) > 0 && sentenceNaming(first[0], f.Name, false) != "" {
						return jsonNames(first[0], names), nil
					}
					break
				}
			}
		}
	}
	t := f.Type
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Name() == "" || !strings.HasPrefix(t.PkgPath(), modulePath) {
		return "", nil
	}
	ft, err := d.typeDoc(t)
	if err != nil || ft == nil {
		return "", err
	}
	s := sentenceNaming(ft.doc, t.Name(), true)
	for _, verb := range []string{" is ", " are "} {
		if rest, ok := strings.CutPrefix(s, t.Name()+verb); ok {
			s = upperFirst(rest)
			break
		}
	}
	return s, nil
}

// typeDoc returns the docs of the named type t, parsing its package's
// source files the first time; nil for a type outside the module.
func (d *docIndex) typeDoc(t reflect.Type) (*typeDoc, error) {
	pkg := t.PkgPath()
	if pkg != modulePath && !strings.HasPrefix(pkg, modulePath+"/") {
		return nil, nil
	}
	if !d.parsed[pkg] {
		d.parsed[pkg] = true
		if err := d.parse(pkg); err != nil {
			return nil, err
		}
	}
	return d.types[pkg+"."+t.Name()], nil
}

func (d *docIndex) parse(pkg string) error {
	dir := filepath.Join(d.root, filepath.FromSlash(strings.TrimPrefix(strings.TrimPrefix(pkg, modulePath), "/")))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("config reference: the source of %s: %w", pkg, err)
	}
	fset := token.NewFileSet()
	found := false
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ParseComments)
		if err != nil {
			return fmt.Errorf("config reference: %w", err)
		}
		found = true
		for _, decl := range file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc.Text()
				if doc == "" && len(gd.Specs) == 1 {
					doc = gd.Doc.Text()
				}
				td := &typeDoc{doc: doc}
				if st, ok := ts.Type.(*ast.StructType); ok {
					for _, fl := range st.Fields.List {
						for _, n := range fl.Names {
							td.fields = append(td.fields, fieldDoc{name: n.Name, doc: fl.Doc.Text(), comment: fl.Comment.Text()})
						}
					}
				}
				d.types[pkg+"."+ts.Name.Name] = td
			}
		}
	}
	if !found {
		return fmt.Errorf("config reference: no Go source for %s in %s", pkg, dir)
	}
	return nil
}

// sentenceNaming is the first sentence of doc that names name as a word,
// or (when first is set) the first sentence when none does.
func sentenceNaming(doc, name string, first bool) string {
	sentences := sentences(collapse(doc))
	word := regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`)
	for _, s := range sentences {
		if word.MatchString(s) {
			return s
		}
	}
	if first && len(sentences) > 0 {
		return sentences[0]
	}
	return ""
}

// sentences splits text after a full stop that a space and a capital,
// digit, parenthesis or quote follow; abbreviations such as "e.g." do not
// end a sentence.
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i+2 < len(text); i++ {
		if (text[i] != '.' && text[i] != '!' && text[i] != '?') || text[i+1] != ' ' {
			continue
		}
		c := text[i+2]
		if !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '(' && c != '`' && c != '"' {
			continue
		}
		word := text[strings.LastIndex(text[:i], " ")+1 : i+1]
		if word == "e.g." || word == "i.e." || word == "vs." || word == "etc." {
			continue
		}
		out = append(out, strings.TrimSpace(text[start:i+1]))
		start = i + 2
	}
	if rest := strings.TrimSpace(text[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// jsonNames writes the struct's Go field names as their config keys; an
// all-capitals name (SCIM, OIDC) only where it begins the sentence, since
// elsewhere it is the acronym.
func jsonNames(s string, names map[string]string) string {
	goNames := make([]string, 0, len(names))
	for n := range names {
		goNames = append(goNames, regexp.QuoteMeta(n))
	}
	if len(goNames) == 0 {
		return s
	}
	sort.Sort(sort.Reverse(sort.StringSlice(goNames))) // longer names first among shared prefixes
	re := regexp.MustCompile(`\b(` + strings.Join(goNames, "|") + `)\b`)
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		n := s[m[0]:m[1]]
		b.WriteString(s[last:m[0]])
		if m[0] > 0 && strings.ToUpper(n) == n {
			b.WriteString(n)
		} else {
			b.WriteString("`" + names[n] + "`")
		}
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// envName matches coderd's environment variables, and quoted matches a
// literal value in double quotes: both are set in code.
var (
	envName = regexp.MustCompile(`\bCODER_[A-Z0-9_]*(<[a-z]+>[A-Z0-9_]*)*\*?`)
	quoted  = regexp.MustCompile(`"([^"]+)"`)
)

// markdownText makes a sentence safe in a table cell: environment variable
// names and quoted values in code, and outside code no pipe, angle bracket
// or stray emphasis.
func markdownText(s string) string {
	parts := strings.Split(s, "`")
	for i := 0; i < len(parts); i += 2 { // outside code spans
		p := envName.ReplaceAllStringFunc(parts[i], func(n string) string { return "\x00" + n + "\x00" })
		p = quoted.ReplaceAllString(p, "\x00$1\x00")
		var b strings.Builder
		for j, q := range strings.Split(p, "\x00") {
			if j%2 == 1 {
				b.WriteString("`" + q + "`")
				continue
			}
			q = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`).Replace(q)
			b.WriteString(q)
		}
		parts[i] = b.String()
	}
	for i := 1; i < len(parts); i += 2 {
		parts[i] = cell(parts[i])
	}
	return strings.Join(parts, "`")
}

// cell escapes the pipes of text inside a table cell's code span.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
