package config

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// OfflineSecret stands in for a `secure:` value the offline preview cannot
// decrypt; programs treat it as present but opaque.
const OfflineSecret = "[secret]"

// StackFile is a parsed Pulumi.<stack>.yaml.
type StackFile struct {
	// Values maps the project's keys (without namespace) to the strings a
	// Pulumi program receives: structured values as JSON.
	Values map[string]string
	// Secrets marks keys given as `secure:` values. Their ciphertext is kept
	// opaque: only the Pulumi CLI with the stack's secrets provider decrypts.
	Secrets map[string]bool
	// Other holds keys of other namespaces (aws:, kubernetes:), unused here.
	Other map[string]string
}

// ReadStackFile reads a stack file for project.
func ReadStackFile(path, project string) (*StackFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseStackFile(data, project)
}

// ParseStackFile parses stack-file YAML for project.
func ParseStackFile(data []byte, project string) (*StackFile, error) {
	var doc struct {
		Config map[string]json.RawMessage `json:"config"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("stack file is not valid YAML: %w", err)
	}
	sf := &StackFile{Values: map[string]string{}, Secrets: map[string]bool{}, Other: map[string]string{}}
	for full, raw := range doc.Config {
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
	return sf, nil
}

// Source returns the file as a config Source.
func (sf *StackFile) Source() Source { return MapSource{Values: sf.Values, Secrets: sf.Secrets} }

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
