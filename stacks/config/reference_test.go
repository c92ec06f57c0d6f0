package config

import (
	"flag"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

var updateDocs = flag.Bool("update", false, "rewrite the generated schema table of docs/config-reference.md")

const schemaBegin, schemaEnd = "<!-- schema:begin -->\n", "<!-- schema:end -->"

func schema(t *testing.T) []SchemaKey {
	t.Helper()
	keys, err := Schema(repoFile(t, "."))
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	return keys
}

func configReference(t *testing.T) (path, doc string) {
	t.Helper()
	path = repoFile(t, "docs/config-reference.md")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return path, string(data)
}

// docs/config-reference.md shows Reference between its schema markers;
// go test ./stacks/config -run TestSchemaReferenceIsCurrent -update
// rewrites it.
func TestSchemaReferenceIsCurrent(t *testing.T) {
	path, doc := configReference(t)
	i, j := strings.Index(doc, schemaBegin), strings.Index(doc, schemaEnd)
	require.True(t, i >= 0 && j > i, "docs/config-reference.md has the schema markers")
	want, err := Reference(repoFile(t, "."))
	require.NoError(t, err)
	if *updateDocs {
		require.NoError(t, os.WriteFile(path, []byte(doc[:i+len(schemaBegin)]+want+doc[j:]), 0o644))
		return
	}
	assert.Equal(t, want, doc[i+len(schemaBegin):j], "run go test ./stacks/config -run TestSchemaReferenceIsCurrent -update")
}

// The schema is the decoder's: every path it lists is a key a stack file
// may set (the decoder's key check accepts it), every top-level key and
// every secret key is listed, and no path is listed twice.
func TestSchemaIsTheDecodersKeys(t *testing.T) {
	keys := schema(t)
	seen := map[string]bool{}
	var tops []string
	for _, k := range keys {
		assert.False(t, seen[k.Path], "%s listed twice", k.Path)
		seen[k.Path] = true
		if k.Secret {
			continue
		}
		if !strings.ContainsAny(k.Path, ".[") {
			tops = append(tops, k.Path)
		}
		// The key as a stack file would set it: its top-level key holds
		// an object (or a list of objects) down to this key.
		top, rest, nested := strings.Cut(k.Path, ".")
		if !nested {
			continue
		}
		field, ok := stackField(strings.TrimSuffix(top, "[]"))
		require.True(t, ok, k.Path)
		value := nestedValue(strings.Split(rest, "."))
		if strings.HasSuffix(top, "[]") {
			value = []any{value}
		}
		p := &problems{}
		checkKeys(value, field.Type, top, p)
		assert.Empty(t, p.list, "%s: the decoder refuses it", k.Path)
	}
	plain, secret := TopLevelKeys()
	assert.ElementsMatch(t, plain, tops, "every top-level key")
	for _, s := range secret {
		assert.True(t, seen[s], "secret key %s", s)
	}
}

// stackField is the field of Stack whose key is key.
func stackField(key string) (reflect.StructField, bool) {
	rt := reflect.TypeOf(Stack{})
	for i := 0; i < rt.NumField(); i++ {
		if jsonName(rt.Field(i)) == key {
			return rt.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// nestedValue is the JSON value that sets the key path below a top-level
// key: {"a": {"b": [{"c": null}]}} for a.b[].c.
func nestedValue(path []string) any {
	if len(path) == 0 {
		return nil
	}
	name, list := strings.CutSuffix(path[0], "[]")
	inner := nestedValue(path[1:])
	if list {
		inner = []any{inner}
	}
	if name == "<name>" {
		name = "x"
	}
	return map[string]any{name: inner}
}

// The defaults are the defaulting code's: the committed profiles' node
// groups and build concurrency differ, and a pointer the defaulting leaves
// nil is rendered through the accessor the program reads it with, so
// every such key has an entry in effective.
func TestSchemaDefaultsComeFromTheProfiles(t *testing.T) {
	byPath := map[string]SchemaKey{}
	for _, k := range schema(t) {
		byPath[k.Path] = k
	}
	for path := range effective {
		_, ok := byPath[path]
		assert.True(t, ok, "effective names %s, which is not a key", path)
	}
	ent, ws := ProfileEnterprise, ProfileWorkshop
	e, w := DefaultedStack(ent), DefaultedStack(ws)
	flow := func(v any) string { return renderFlow(reflect.ValueOf(v)) }
	assert.Equal(t, "enterprise", byPath["profile"].Defaults[ent])
	assert.Equal(t, "workshop", byPath["profile"].Defaults[ws])
	for path, want := range map[string][2]string{
		"workload.buildConcurrency":                        {flow(e.Workload.BuildConcurrency), flow(w.Workload.BuildConcurrency)},
		"cluster.nodeGroups.control.instanceTypes":         {flow(e.Cluster.NodeGroups.Control.InstanceTypes), flow(w.Cluster.NodeGroups.Control.InstanceTypes)},
		"cluster.nodeGroups.workspace.maxSize":             {flow(e.Cluster.NodeGroups.Workspace.MaxSize), flow(w.Cluster.NodeGroups.Workspace.MaxSize)},
		"coder.provisioners.organizations":                 {flow(e.Coder.Provisioners.Organizations), flow(w.Coder.Provisioners.Organizations)},
		"observability.thresholds.ephemeralStoragePercent": {flow(e.Observability.Thresholds.EphemeralStoragePercent), flow(w.Observability.Thresholds.EphemeralStoragePercent)},
		"cluster.nodeGroups.provisioner.minSize":           {flow(e.Cluster.NodeGroups.Provisioner.MinSize), flow(w.Cluster.NodeGroups.Provisioner.MinSize)},
	} {
		assert.Equal(t, want, [2]string{byPath[path].Defaults[ent], byPath[path].Defaults[ws]}, path)
	}
	// The profiles differ where the defaulting code says so.
	assert.NotEqual(t, byPath["workload.buildConcurrency"].Defaults[ent], byPath["workload.buildConcurrency"].Defaults[ws])
	assert.NotEqual(t, byPath["cluster.nodeGroups.workspace.maxSize"].Defaults[ent], byPath["cluster.nodeGroups.workspace.maxSize"].Defaults[ws])
	assert.Equal(t, "0", byPath["cluster.nodeGroups.provisioner.minSize"].Defaults[ent], "a pointer set to 0 is a default")
	assert.Equal(t, flow(thresholds.Defaults().AuroraDeadlocks), byPath["observability.thresholds.auroraDeadlocks"].Defaults[ent], "a threshold of 0 is a default")
	assert.Equal(t, "true", byPath["coder.provisioners.autoscaling"].Defaults[ent], "nil means on")
	assert.Equal(t, "false", byPath["cluster.nodeGroups.control.spot"].Defaults[ent], "nil means off")
	assert.Empty(t, byPath["coder.version"].Defaults[ent], "required: no default")
	assert.Empty(t, byPath["regions[].share"].Defaults[ent], "list items have no default")

	for _, p := range ReferenceProfiles {
		nilPointers(reflect.ValueOf(DefaultedStack(p)).Elem(), "", func(path string) {
			_, ok := effective[path]
			assert.True(t, ok || byPath[path].Object || pointerDerived[path], "%s (%s) is nil after the defaults: add its accessor to effective, or list it in pointerDerived", path, p)
		})
	}
}

// pointerDerived are the pointer keys the defaulting leaves nil because
// validation derives them from other keys (the capacity arithmetic).
var pointerDerived = map[string]bool{
	"coder.provisioners.replicas": true,
	"database.minAcu":             true,
	"database.maxAcu":             true,
}

// nilPointers calls found for every nil pointer field under v that is not
// inside a list or map.
func nilPointers(v reflect.Value, prefix string, found func(path string)) {
	for i := 0; i < v.NumField(); i++ {
		name := jsonName(v.Type().Field(i))
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				found(prefix + name)
				continue
			}
			fv = fv.Elem()
		}
		if fv.Kind() == reflect.Struct && fv.Type().PkgPath() != "time" {
			nilPointers(fv, prefix+name+".", found)
		}
	}
}

// Every key is documented: every top-level key has a hand-written section
// (a heading that names it), and a key whose field has no doc comment (an
// empty meaning in the generated table) is named in its section's prose.
func TestEveryKeyIsDocumented(t *testing.T) {
	_, doc := configReference(t)
	i, j := strings.Index(doc, schemaBegin), strings.Index(doc, schemaEnd)
	require.True(t, i >= 0 && j > i)
	generated := doc[i:j]
	prose := doc[:i] + doc[j:]

	sections := map[string]string{} // heading → body
	var heading string
	for _, line := range strings.Split(prose, "\n") {
		if strings.HasPrefix(line, "## ") {
			heading = line
		}
		sections[heading] += line + "\n"
	}
	codeSpan := regexp.MustCompile("`([^`]+)`")
	word := regexp.MustCompile(`[A-Za-z0-9_]+`)
	mentioned := func(body string) map[string]bool {
		out := map[string]bool{}
		for _, m := range codeSpan.FindAllStringSubmatch(body, -1) {
			for _, w := range word.FindAllString(m[1], -1) {
				out[w] = true
			}
		}
		return out
	}
	sectionOf := func(top string) (string, bool) {
		for h, body := range sections {
			if strings.Contains(h, "`"+top+"`") {
				return body, true
			}
		}
		return "", false
	}

	for _, k := range schema(t) {
		assert.Contains(t, generated, "| `"+k.Path+"` |", "the generated table has %s", k.Path)
		if k.Secret {
			continue
		}
		body, ok := sectionOf(k.Top())
		if !assert.True(t, ok, "docs/config-reference.md has no section headed `%s`", k.Top()) {
			continue
		}
		if k.Meaning == "" && k.Path != k.Top() {
			assert.True(t, mentioned(body)[k.Leaf()], "%s has no doc comment and its section does not name `%s`: describe it there (or comment the field)", k.Path, k.Leaf())
		}
	}
}

func TestSentences(t *testing.T) {
	assert.Equal(t, []string{"A is one.", "B, e.g. x, is two.", "(C) three"}, sentences("A is one. B, e.g. x, is two. (C) three"))
	assert.Equal(t, "B names Name.", sentenceNaming("A first. B names Name.", "Name", true))
	assert.Equal(t, "A first.", sentenceNaming("A first. B second.", "Name", true))
	assert.Empty(t, sentenceNaming("A first.", "Name", false))
	assert.Equal(t, "`replicas` and `minReplicas`", jsonNames("Replicas and MinReplicas", map[string]string{"Replicas": "replicas", "MinReplicas": "minReplicas"}))
	assert.Equal(t, "`CODER_EXTERNAL_AUTH_<n>_*` at coder/&lt;stack&gt; a \\| b", markdownText("CODER_EXTERNAL_AUTH_<n>_* at coder/<stack> a | b"))
	assert.Equal(t, "{name: default, replicas: 2}", renderFlow(reflect.ValueOf(ProvisionerOrg{Name: "default", Replicas: 2})))
}
