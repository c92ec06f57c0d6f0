package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	yamlv3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/yaml"
)

// OfflineSecret is the placeholder the offline preview's mock engine holds
// for a `secure:` value it cannot decrypt. The program never compares with
// it: the key is Sealed in the Source, so Stack.Secret says SecretSealed.
const OfflineSecret = "[secret]"

// StackFile is a parsed Pulumi.<stack>.yaml.
type StackFile struct {
	// Values maps the project's keys (without namespace) to the strings a
	// Pulumi program receives: structured values as JSON.
	Values map[string]string
	// Secrets marks keys given as `secure:` values. Their ciphertext is kept
	// opaque: only the Pulumi CLI with the stack's secrets provider decrypts.
	Secrets map[string]bool
	// Sealed marks the secrets held only as ciphertext (every `secure:`
	// value of a file): present, and unreadable without the secrets provider.
	Sealed map[string]bool
	// Other holds keys of other namespaces (aws:, kubernetes:), unused here.
	Other map[string]string
}

// ReadStackFile reads a stack file for project. A file that is not valid
// YAML, or whose shape is not that of a stack file, is a *ValidationError
// whose problems name the file and the line; an error reading the file is
// returned as it is.
func ReadStackFile(path, project string) (*StackFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseNamedStackFile(path, data, project)
}

// ParseStackFile parses stack-file YAML for project. Its problems name the
// line (ParseNamedStackFile also names the file).
func ParseStackFile(data []byte, project string) (*StackFile, error) {
	return ParseNamedStackFile("", data, project)
}

// ParseNamedStackFile parses the stack-file YAML read from file for project.
// Every error is a *ValidationError: YAML that does not parse, a top level
// or a config: that is not a mapping, a config key that is not a string or
// is given twice, a `secure:` that is not a string, each with the file, the
// line (and column when known) and what is allowed.
func ParseNamedStackFile(file string, data []byte, project string) (*StackFile, error) {
	sp := &stackProblems{file: file}
	// Values come from sigs.k8s.io/yaml's conversion to JSON, as they always
	// have; gopkg.in/yaml.v3 (the parser of the Pulumi CLI) gives the line
	// of every key and refuses what the Pulumi CLI refuses.
	jsonDoc, convErr := convertYAML(data)
	root, parseErr := parseNode(data)
	if parseErr != nil || isSyntaxError(convErr) {
		sp.syntax(data, convErr, parseErr)
		return nil, sp.err()
	}
	cfgNode := sp.checkShape(root)
	if len(sp.list) > 0 {
		return nil, sp.err()
	}
	if convErr != nil {
		sp.unconvertible(root, convErr)
		return nil, sp.err()
	}

	var top map[string]json.RawMessage
	if err := json.Unmarshal(jsonDoc, &top); err != nil {
		sp.add(docNode(root), "(top level)", description("YAML that is not a mapping"), "must be a mapping with a config: key (%v)", err)
		return nil, sp.err()
	}
	var cfg map[string]json.RawMessage
	if raw, ok := top["config"]; ok {
		if err := json.Unmarshal(raw, &cfg); err != nil {
			sp.add(orNode(cfgNode, docNode(root)), "config", description("a value that is not a mapping"), configAllowed)
			return nil, sp.err()
		}
	}
	entries := configEntries(cfgNode)

	sf := &StackFile{Values: map[string]string{}, Secrets: map[string]bool{}, Sealed: map[string]bool{}, Other: map[string]string{}}
	for full, raw := range cfg {
		ns, key, ok := strings.Cut(full, ":")
		if !ok {
			ns, key = project, full
		}
		var value string
		var s string
		var secure struct {
			Secure *string `json:"secure"`
		}
		switch {
		case json.Unmarshal(raw, &s) == nil:
			value = s
		case json.Unmarshal(raw, &secure) == nil && secure.Secure != nil:
			value = OfflineSecret
			if ns == project {
				sf.Secrets[key], sf.Sealed[key] = true, true
			}
		default:
			value = string(raw)
			sp.checkSecure(full, raw, entries, orNode(cfgNode, docNode(root)))
		}
		if ns != project {
			sf.Other[full] = value
			continue
		}
		sf.Values[key] = value
	}
	if len(sp.list) > 0 {
		return nil, sp.err()
	}
	return sf, nil
}

// Source returns the file as a config Source.
func (sf *StackFile) Source() Source {
	return MapSource{Values: sf.Values, Secrets: sf.Secrets, SealedKeys: sf.Sealed}
}

// PulumiConfig renders the values as the PULUMI_CONFIG map a program
// receives ("<project>:<key>" → value) and the list of secret keys.
func (sf *StackFile) PulumiConfig(project string) (map[string]string, []string) {
	out := make(map[string]string, len(sf.Values)+len(sf.Other))
	var secrets []string
	for k, v := range sf.Values {
		out[project+":"+k] = v
		if sf.Secrets[k] {
			secrets = append(secrets, project+":"+k)
		}
	}
	for k, v := range sf.Other {
		out[k] = v
	}
	return out, secrets
}

// configAllowed is what config: may hold.
const configAllowed = "must be a mapping of config keys to values, one `<project>:<key>: value` per line, as pulumi config set writes it (such as coder-platform:profile: enterprise)"

// convertYAML is sigs.k8s.io/yaml's conversion of the document to JSON,
// with a panic of the parser reported as an error.
func convertYAML(data []byte) (j []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			j, err = nil, fmt.Errorf("yaml: the YAML parser failed: %v", r)
		}
	}()
	return yaml.YAMLToJSON(data)
}

// parseNode parses the first document into a yaml.v3 node tree, with a
// panic of the parser reported as an error.
func parseNode(data []byte) (n *yamlv3.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("yaml: the YAML parser failed: %v", r)
		}
	}()
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

// isSyntaxError reports whether a conversion error is the YAML parser's
// (not a value that has no JSON form).
func isSyntaxError(err error) bool {
	if err == nil {
		return false
	}
	return lineOf.MatchString(err.Error()) || readerError.MatchString(err.Error()) || unknownAnchor.MatchString(err.Error())
}

var (
	lineOf        = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: line (\d+): `)
	readerError   = regexp.MustCompile(`(?:invalid (?:leading|trailing) UTF-8 octet|incomplete UTF-8 octet sequence|control characters are not allowed|invalid Unicode character|invalid BOM|input error)`)
	unknownAnchor = regexp.MustCompile(`unknown anchor '([^']*)' referenced`)
	yamlPrefix    = regexp.MustCompile(`^(?:error converting YAML to JSON: )?(?:yaml: )?(?:line \d+: )?`)
)

// stackProblems collects the problems of one stack file, with their place.
type stackProblems struct {
	file string
	list []placedProblem
}

type placedProblem struct {
	line, col int
	Problem
}

// where renders a place: file:line:col, or line L, column C without a file.
func (sp *stackProblems) where(line, col int) string {
	if sp.file == "" {
		if col > 0 {
			return fmt.Sprintf("line %d, column %d", line, col)
		}
		return fmt.Sprintf("line %d", line)
	}
	if col > 0 {
		return fmt.Sprintf("%s:%d:%d", sp.file, line, col)
	}
	return fmt.Sprintf("%s:%d", sp.file, line)
}

func (sp *stackProblems) addAt(line, col int, key string, value any, allowed string, args ...any) {
	if line < 1 {
		line, col = 1, 0
	}
	k := sp.where(line, col)
	if key != "" {
		k += ": " + key
	}
	sp.list = append(sp.list, placedProblem{line, col, Problem{Key: k, Value: render(value), Allowed: fmt.Sprintf(allowed, args...)}})
}

func (sp *stackProblems) add(n *yamlv3.Node, key string, value any, allowed string, args ...any) {
	line, col := 1, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	sp.addAt(line, col, key, value, allowed, args...)
}

func (sp *stackProblems) err() error {
	sort.SliceStable(sp.list, func(i, j int) bool {
		a, b := sp.list[i], sp.list[j]
		if a.line != b.line {
			return a.line < b.line
		}
		return a.col < b.col
	})
	out := make([]Problem, len(sp.list))
	for i, p := range sp.list {
		out[i] = p.Problem
	}
	return &ValidationError{Stack: stackOfFile(sp.file), Problems: out}
}

// stackOfFile is the stack a file is of: <stack> of Pulumi.<stack>.yaml, or
// the file's name.
func stackOfFile(file string) string {
	base := filepath.Base(file)
	if file == "" {
		return "(stack file)"
	}
	for _, ext := range []string{".yaml", ".yml"} {
		if s, ok := strings.CutPrefix(base, "Pulumi."); ok {
			if s, ok := strings.CutSuffix(s, ext); ok && s != "" {
				return s
			}
		}
	}
	return base
}

// syntax reports YAML that does not parse, at the line the parser names.
// The parser of the values (go-yaml v2) names the line more exactly than
// yaml.v3, whose message is the fallback.
func (sp *stackProblems) syntax(data []byte, convErr, parseErr error) {
	err := parseErr
	if isSyntaxError(convErr) && (parseErr == nil || lineOf.MatchString(convErr.Error()) || !lineOf.MatchString(parseErr.Error())) {
		err = convErr
	}
	msg := err.Error()
	line, col := 1, 0
	switch {
	case lineOf.MatchString(msg):
		line, _ = strconv.Atoi(lineOf.FindStringSubmatch(msg)[1])
	case readerError.MatchString(msg):
		line, col = badCharAt(data)
	case unknownAnchor.MatchString(msg):
		line, col = aliasAt(data, unknownAnchor.FindStringSubmatch(msg)[1])
	}
	sp.addAt(line, col, "", description("invalid YAML"), "%s (a stack file is YAML: config: and under it one indented `<project>:<key>: value` per line)",
		yamlPrefix.ReplaceAllString(msg, ""))
}

// badCharAt is the place of the first byte the YAML reader refuses: invalid
// UTF-8 or a control character.
func badCharAt(data []byte) (line, col int) {
	line, col = 1, 1
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		data = data[3:]
	}
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, col
		case r == '\n':
			line, col = line+1, 1
			data = data[size:]
			continue
		case r == '\t' || r == '\r' || r == 0x85:
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == 0xfffe || r == 0xffff || (r >= 0xd800 && r <= 0xdfff):
			return line, col
		}
		col++
		data = data[size:]
	}
	return 1, 0
}

// aliasAt is the place of the first alias *name.
func aliasAt(data []byte, name string) (line, col int) {
	i := bytes.Index(data, []byte("*"+name))
	if i < 0 {
		return 1, 0
	}
	before := data[:i]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// docNode is the document's top node, or nil for an empty document.
func docNode(root *yamlv3.Node) *yamlv3.Node {
	if root != nil && root.Kind == yamlv3.DocumentNode && len(root.Content) > 0 {
		return root.Content[0]
	}
	return nil
}

func orNode(a, b *yamlv3.Node) *yamlv3.Node {
	if a != nil {
		return a
	}
	return b
}

// resolve follows an alias to its anchored node.
func resolve(n *yamlv3.Node) *yamlv3.Node {
	for i := 0; n != nil && n.Kind == yamlv3.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yamlv3.Node) bool {
	return n == nil || (n.Kind == yamlv3.ScalarNode && n.ShortTag() == "!!null")
}

// shape describes a node's value for a problem: the scalar itself, or what
// kind of value it is.
func shape(n *yamlv3.Node) any {
	n = resolve(n)
	switch {
	case n == nil || isNull(n):
		return nil
	case n.Kind == yamlv3.MappingNode:
		return description("a mapping")
	case n.Kind == yamlv3.SequenceNode:
		return description("a list")
	case n.Kind == yamlv3.ScalarNode && n.ShortTag() == "!!str":
		v := n.Value
		if len(v) > 80 {
			v = v[:77] + "..."
		}
		return v
	case n.Kind == yamlv3.ScalarNode:
		v := n.Value
		if len(v) > 80 {
			v = v[:77] + "..."
		}
		return description(v)
	}
	return description("a value")
}

// kindName names the kind of a scalar (or other node) for a problem.
func kindName(n *yamlv3.Node) string {
	n = resolve(n)
	switch {
	case n == nil || isNull(n):
		return "nothing (null)"
	case n.Kind == yamlv3.MappingNode:
		return "a mapping"
	case n.Kind == yamlv3.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	case "!!str":
		return strconv.Quote(n.Value)
	}
	return fmt.Sprintf("%s %s", n.ShortTag(), n.Value)
}

// checkShape reports a top level that is not a mapping, a config: that is
// not one, config keys that are not strings or are given twice, and keys
// anywhere that have no JSON form (lists, mappings and null as keys). It
// returns the config: mapping (nil when the file has none).
func (sp *stackProblems) checkShape(root *yamlv3.Node) *yamlv3.Node {
	top := docNode(root)
	if top == nil || isNull(resolve(top)) {
		return nil // an empty stack file: no config
	}
	if r := resolve(top); r.Kind != yamlv3.MappingNode {
		sp.add(top, "(top level)", shape(top), "must be a mapping with a config: key (config: and under it one indented `<project>:<key>: value` per line)")
		return nil
	}
	top = resolve(top)
	var cfg *yamlv3.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if !sp.checkKey(k, "", seen) {
			continue
		}
		if k.Value != "config" || k.ShortTag() != "!!str" {
			sp.checkKeys(v, k.Value, 0)
			continue
		}
		rv := resolve(v)
		if isNull(rv) {
			continue // config: with nothing under it
		}
		if rv.Kind != yamlv3.MappingNode {
			sp.add(v, "config", shape(v), configAllowed)
			continue
		}
		cfg = rv
		if v.Kind == yamlv3.AliasNode {
			continue // the anchored mapping is checked where it stands
		}
		keys := map[string]int{}
		for j := 0; j+1 < len(rv.Content); j += 2 {
			ck, cv := rv.Content[j], rv.Content[j+1]
			if ck.Kind == yamlv3.ScalarNode && ck.ShortTag() == "!!merge" {
				sp.checkKeys(cv, "config", 0)
				continue
			}
			if ck.Kind != yamlv3.ScalarNode || ck.ShortTag() != "!!str" {
				sp.add(ck, "config key "+keyText(ck), description(kindName(ck)),
					"config keys are strings: `<project>:<key>` such as coder-platform:profile, or a provider's such as aws:region")
				continue
			}
			if line, dup := keys[ck.Value]; dup {
				sp.add(ck, ck.Value, description("a second value"), "is already set at line %d; a key may be set once (the Pulumi CLI refuses the file)", line)
				continue
			}
			keys[ck.Value] = ck.Line
			sp.checkKeys(cv, ck.Value, 0)
		}
	}
	return cfg
}

// checkKey reports a mapping key with no JSON form and a key given twice;
// it reports whether the key is usable.
func (sp *stackProblems) checkKey(k *yamlv3.Node, path string, seen map[string]int) bool {
	name := joinKey(path, keyText(k))
	if k.Kind == yamlv3.ScalarNode && k.ShortTag() == "!!merge" {
		return false
	}
	if k.Kind != yamlv3.ScalarNode || isNull(k) {
		sp.add(k, name, description(kindName(k)+" as a key"), "keys must be strings")
		return false
	}
	if line, dup := seen[k.Value]; dup {
		sp.add(k, name, description("a second value"), "is already set at line %d; a key may be set once (the Pulumi CLI refuses the file)", line)
		return false
	}
	seen[k.Value] = k.Line
	return true
}

// checkKeys walks a value for keys with no JSON form and duplicate keys.
// Aliases are not followed: their anchored node is checked where it stands.
func (sp *stackProblems) checkKeys(n *yamlv3.Node, path string, depth int) {
	if n == nil || depth > 200 {
		return
	}
	switch n.Kind {
	case yamlv3.MappingNode:
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yamlv3.ScalarNode && k.ShortTag() == "!!merge" {
				sp.checkKeys(v, path, depth+1)
				continue
			}
			if sp.checkKey(k, path, seen) {
				sp.checkKeys(v, joinKey(path, k.Value), depth+1)
			}
		}
	case yamlv3.SequenceNode:
		for i, c := range n.Content {
			sp.checkKeys(c, fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
	}
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// keyText is a key as written, for a problem's key path.
func keyText(k *yamlv3.Node) string {
	switch {
	case k.Kind == yamlv3.ScalarNode && !isNull(k):
		return k.Value
	case k.Kind == yamlv3.MappingNode:
		return "{...}"
	case k.Kind == yamlv3.SequenceNode:
		return "[...]"
	case k.Kind == yamlv3.AliasNode:
		return "*" + k.Value
	}
	return "~"
}

// configEntries maps each config key as written to its key node.
func configEntries(cfg *yamlv3.Node) map[string][2]*yamlv3.Node {
	out := map[string][2]*yamlv3.Node{}
	if cfg == nil {
		return out
	}
	for i := 0; i+1 < len(cfg.Content); i += 2 {
		k := cfg.Content[i]
		if k.Kind == yamlv3.ScalarNode {
			if _, ok := out[k.Value]; !ok {
				out[k.Value] = [2]*yamlv3.Node{k, cfg.Content[i+1]}
			}
		}
	}
	return out
}

// checkSecure reports a `secure:` whose value is not a string (the
// ciphertext pulumi config set --secret writes).
func (sp *stackProblems) checkSecure(full string, raw json.RawMessage, entries map[string][2]*yamlv3.Node, fallback *yamlv3.Node) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	sec, ok := m["secure"]
	if !ok {
		return
	}
	var s string
	if json.Unmarshal(sec, &s) == nil {
		return
	}
	at, value := fallback, any(description("a value that is not a string"))
	if e, ok := entries[full]; ok {
		at = e[0]
		if v := resolve(e[1]); v != nil && v.Kind == yamlv3.MappingNode {
			for i := 0; i+1 < len(v.Content); i += 2 {
				if v.Content[i].Value == "secure" {
					at, value = v.Content[i+1], description(kindName(v.Content[i+1]))
				}
			}
		}
	}
	sp.add(at, full+".secure", value, "must be a string: the ciphertext that pulumi config set --secret %s writes", full)
}

// unconvertible reports YAML that parses but has no JSON form (such as an
// explicit tag its value does not fit), at the first node that may be why.
func (sp *stackProblems) unconvertible(root *yamlv3.Node, err error) {
	msg := yamlPrefix.ReplaceAllString(err.Error(), "")
	if m := lineOf.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		sp.addAt(line, 0, "", description("a value with no JSON form"), "cannot be read: %s", msg)
		return
	}
	n, path := suspect(docNode(root), "", 0)
	value := description("a value with no JSON form")
	switch {
	case n == nil:
		n, path = docNode(root), "(top level)"
	case n.Kind == yamlv3.ScalarNode && n.Style&yamlv3.TaggedStyle != 0:
		value = description(n.Tag + " " + n.Value)
	}
	sp.add(n, strings.TrimPrefix(path, "config."), value, "cannot be read: %s", msg)
}

// suspect finds the first node that may have no JSON form: an explicitly
// tagged scalar, or a key that is not a plain string or number.
func suspect(n *yamlv3.Node, path string, depth int) (*yamlv3.Node, string) {
	if n == nil || depth > 200 {
		return nil, ""
	}
	switch n.Kind {
	case yamlv3.ScalarNode:
		if n.Style&yamlv3.TaggedStyle != 0 {
			return n, path
		}
	case yamlv3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			kp := joinKey(path, keyText(k))
			if k.Kind != yamlv3.ScalarNode || k.Style&yamlv3.TaggedStyle != 0 || isNull(k) {
				return k, kp
			}
			if k.ShortTag() == "!!int" {
				if _, err := strconv.ParseInt(strings.ReplaceAll(k.Value, "_", ""), 0, 64); err != nil {
					return k, kp
				}
			}
			if s, sp := suspect(v, kp, depth+1); s != nil {
				return s, sp
			}
		}
	case yamlv3.SequenceNode:
		for i, c := range n.Content {
			if s, sp := suspect(c, fmt.Sprintf("%s[%d]", path, i), depth+1); s != nil {
				return s, sp
			}
		}
	}
	return nil, ""
}
