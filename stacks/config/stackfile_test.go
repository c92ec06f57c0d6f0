package config

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// Every stack file that does not parse, or is not of a stack file's shape,
// is a *ValidationError whose problems name the file, the line (and the
// column when the parser gives one), the key and what is allowed.
func TestBadStackFiles(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // the problems, in order
	}{
		{"config is a number", "config: 5\n", []string{
			"Pulumi.bad.yaml:1:9: config: got 5; must be a mapping of config keys to values, one `<project>:<key>: value` per line, as pulumi config set writes it (such as coder-platform:profile: enterprise)",
		}},
		{"config is a list", "# comment\nconfig: [a, b]\n", []string{
			"Pulumi.bad.yaml:2:9: config: got a list; must be a mapping of config keys",
		}},
		{"config is a string", "config: enterprise\n", []string{
			`Pulumi.bad.yaml:1:9: config: got "enterprise"; must be a mapping of config keys`,
		}},
		{"top level is a list", "- config\n", []string{
			"Pulumi.bad.yaml:1:1: (top level): got a list; must be a mapping with a config: key",
		}},
		{"top level is a scalar", "\n5\n", []string{
			"Pulumi.bad.yaml:2:1: (top level): got 5; must be a mapping with a config: key",
		}},
		{"bad indentation", "config:\n  coder-platform:profile: enterprise\n   coder-platform:tags: x\n", []string{
			"Pulumi.bad.yaml:3: got invalid YAML; mapping values are not allowed in this context (a stack file is YAML",
		}},
		{"unclosed flow list", "config:\n  coder-platform:profile: enterprise\n  coder-platform:regions: [a\n", []string{
			"Pulumi.bad.yaml:3: got invalid YAML; did not find expected ',' or ']'",
		}},
		{"tab indentation", "config:\n  coder-platform:profile: enterprise\n\tcoder-platform:tags: x\n", []string{
			"Pulumi.bad.yaml:3: got invalid YAML; found a tab character that violates indentation",
		}},
		{"error on the first line", "config: : x\n", []string{
			"Pulumi.bad.yaml:1: got invalid YAML; mapping values are not allowed in this context",
		}},
		{"control character", "config:\n  coder-platform:profile: ent\x01erprise\n", []string{
			"Pulumi.bad.yaml:2:30: got invalid YAML; control characters are not allowed",
		}},
		{"invalid UTF-8", "config:\n  coder-platform:profile: \xff\n", []string{
			"Pulumi.bad.yaml:2:27: got invalid YAML; invalid leading UTF-8 octet",
		}},
		{"unknown alias", "config:\n  coder-platform:profile: *p\n", []string{
			"Pulumi.bad.yaml:2:27: got invalid YAML; unknown anchor 'p' referenced",
		}},
		{"key set twice", "config:\n  coder-platform:profile: workshop\n  coder-platform:profile: enterprise\n", []string{
			"Pulumi.bad.yaml:3:3: coder-platform:profile: got a second value; is already set at line 2; a key may be set once (the Pulumi CLI refuses the file)",
		}},
		{"config set twice", "config: {}\nconfig: {}\n", []string{
			"Pulumi.bad.yaml:2:1: config: got a second value; is already set at line 1",
		}},
		{"keys that are not strings", "config:\n  5: x\n  ? [a]\n  : b\n  ~: c\n", []string{
			"Pulumi.bad.yaml:2:3: config key 5: got the number 5; config keys are strings: `<project>:<key>` such as coder-platform:profile, or a provider's such as aws:region",
			"Pulumi.bad.yaml:3:5: config key [...]: got a list; config keys are strings",
			"Pulumi.bad.yaml:5:3: config key ~: got nothing (null); config keys are strings",
		}},
		{"nested key that is null", "config:\n  coder-platform:coder:\n    oidc:\n      ~: x\n", []string{
			"Pulumi.bad.yaml:4:7: coder-platform:coder.oidc.~: got nothing (null) as a key; keys must be strings",
		}},
		{"nested key that is a mapping", "config:\n  coder-platform:regions:\n    - {? {a: b} : c}\n", []string{
			"Pulumi.bad.yaml:3:10: coder-platform:regions[0].{...}: got a mapping as a key; keys must be strings",
		}},
		{"nested key set twice", "config:\n  coder-platform:tags:\n    owner: a\n    owner: b\n", []string{
			"Pulumi.bad.yaml:4:5: coder-platform:tags.owner: got a second value; is already set at line 3",
		}},
		{"secure is not a string", "config:\n  coder-platform:profile:\n    secure: 5\n  aws:secretKey: {secure: {a: b}}\n", []string{
			"Pulumi.bad.yaml:3:13: coder-platform:profile.secure: got the number 5; must be a string: the ciphertext that pulumi config set --secret coder-platform:profile writes",
			"Pulumi.bad.yaml:4:27: aws:secretKey.secure: got a mapping; must be a string",
		}},
		{"a tag the value does not fit", "config:\n  coder-platform:workload: {workspaces: !!int many}\n", []string{
			"Pulumi.bad.yaml:2:41: coder-platform:workload.workspaces: got !!int many; cannot be read: cannot decode !!str `many` as a !!int",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sf, err := ParseNamedStackFile("Pulumi.bad.yaml", []byte(c.yaml), project)
			require.Error(t, err)
			assert.Nil(t, sf)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "want *ValidationError, got %T: %v", err, err)
			assert.Equal(t, "bad", ve.Stack)
			require.Len(t, ve.Problems, len(c.want), err.Error())
			for i, w := range c.want {
				assert.True(t, strings.HasPrefix(ve.Problems[i].String(), w), "problem %d:\n got %s\nwant %s...", i, ve.Problems[i], w)
			}
			assert.Contains(t, err.Error(), `stack "bad" config is invalid`)
		})
	}
}

// Without a file name the problems name the line and column.
func TestParseStackFileNamesTheLine(t *testing.T) {
	_, err := ParseStackFile([]byte("config: 5\n"), project)
	require.True(t, IsValidationError(err))
	assert.Contains(t, err.Error(), "  - line 1, column 9: config: got 5; must be a mapping")
	_, err = ParseStackFile([]byte("config:\n  a: b\n   c: d\n"), project)
	require.True(t, IsValidationError(err))
	assert.Contains(t, err.Error(), "  - line 3: got invalid YAML; mapping values are not allowed in this context")
}

// ReadStackFile names the file as given; a file it cannot read is the
// error reading it.
func TestReadStackFileNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Pulumi.staging.yaml")
	require.NoError(t, os.WriteFile(path, []byte("config:\n  coder-platform:profile: [\n"), 0o644))
	_, err := ReadStackFile(path, project)
	var ve *ValidationError
	require.True(t, errors.As(err, &ve), "%T: %v", err, err)
	assert.Equal(t, "staging", ve.Stack)
	require.Len(t, ve.Problems, 1)
	assert.True(t, strings.HasPrefix(ve.Problems[0].Key, path+":"), ve.Problems[0].Key)

	_, err = ReadStackFile(filepath.Join(dir, "Pulumi.none.yaml"), project)
	assert.True(t, errors.Is(err, fs.ErrNotExist), "%v", err)
	assert.False(t, IsValidationError(err))
}

// What parses is read as before: empty files and an empty config: are an
// empty config, secure: values stay opaque, structured values are JSON.
func TestStackFileShapesThatParse(t *testing.T) {
	for _, s := range []string{"", "# nothing\n", "~\n", "config:\n", "config: {}\n", "secretsprovider: awskms://x\n"} {
		sf, err := ParseNamedStackFile("Pulumi.x.yaml", []byte(s), project)
		require.NoError(t, err, "%q", s)
		assert.Empty(t, sf.Values, "%q", s)
	}
	sf, err := ParseNamedStackFile("Pulumi.x.yaml", []byte(
		"config:\n  coder-platform:dbPassword:\n    secure: AAABAGNpcGhlcnRleHQ=\n  coder-platform:tags: {owner: a}\n"+
			"  coder-platform:workspaces: 30\n  aws:region: us-east-2\n  plain: x\n"), project)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"dbPassword": OfflineSecret,
		"tags":       `{"owner":"a"}`,
		"workspaces": "30",
		"plain":      "x",
	}, sf.Values)
	assert.Equal(t, map[string]bool{"dbPassword": true}, sf.Secrets)
	assert.Equal(t, map[string]string{"aws:region": "us-east-2"}, sf.Other)
}

// The committed stack files read exactly as the loader before line-aware
// parsing read them.
func TestCommittedStackFilesReadAsBefore(t *testing.T) {
	for _, name := range []string{"prod", "workshop"} {
		data, err := os.ReadFile(repoFile(t, "Pulumi."+name+".yaml"))
		require.NoError(t, err)
		sf, err := ParseNamedStackFile("Pulumi."+name+".yaml", data, project)
		require.NoError(t, err)
		want := parseStackFileBefore(t, data, project)
		assert.Equal(t, want.Values, sf.Values, name)
		assert.Equal(t, want.Secrets, sf.Secrets, name)
		assert.Equal(t, want.Other, sf.Other, name)
	}
}

// parseStackFileBefore is the loader as it was: sigs.k8s.io/yaml into
// config: values as JSON.
func parseStackFileBefore(t *testing.T, data []byte, project string) *StackFile {
	var doc struct {
		Config map[string]json.RawMessage `json:"config"`
	}
	require.NoError(t, yaml.Unmarshal(data, &doc))
	sf := &StackFile{Values: map[string]string{}, Secrets: map[string]bool{}, Other: map[string]string{}}
	for full, raw := range doc.Config {
		ns, key, ok := strings.Cut(full, ":")
		if !ok {
			ns, key = project, full
		}
		var value, s string
		var secure struct {
			Secure *string `json:"secure"`
		}
		switch {
		case json.Unmarshal(raw, &s) == nil:
			value = s
		case json.Unmarshal(raw, &secure) == nil && secure.Secure != nil:
			value = OfflineSecret
			if ns == project {
				sf.Secrets[key] = true
			}
		default:
			value = string(raw)
		}
		if ns != project {
			sf.Other[full] = value
			continue
		}
		sf.Values[key] = value
	}
	return sf
}
