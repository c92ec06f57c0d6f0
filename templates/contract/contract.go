// Package contract is the versioned interface between the two template
// layers: a toolchain (what a developer needs, on any platform) and an
// infrastructure base (how one platform runs a workspace). The JSON Schema
// in v1/ is the source of truth; this package compiles it and names its
// vocabulary for Go callers.
package contract

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// Version is the contract version; a breaking change is a new directory.
const Version = "v1"

// APIVersion is what every manifest declares.
const APIVersion = "templates.coder-platform/v1"

//go:embed v1/contract.schema.json
var schemaJSON []byte

// SchemaJSON returns the schema document.
func SchemaJSON() []byte { return slices.Clone(schemaJSON) }

// Capability is one thing a base can provide and a toolchain can require.
type Capability string

const (
	PersistentHome   Capability = "persistent-home"
	NetworkEgress    Capability = "network-egress"
	IdentityMode     Capability = "identity-mode"
	GPUSupport       Capability = "gpu-support"
	ArtifactCache    Capability = "artifact-cache"
	SecretsInjection Capability = "secrets-injection"
	GUIVNC           Capability = "gui-vnc"
	GUIRDP           Capability = "gui-rdp"
)

// Capabilities is the vocabulary with the meaning each base must honour
// (docs/templates.md repeats it for readers).
var Capabilities = []struct {
	Name    Capability
	Meaning string
}{
	{PersistentHome, "the home directory survives stop and start (a PVC or an EBS volume that is not deleted on stop)"},
	{NetworkEgress, "outbound HTTPS to registries and Git hosting through the stack's egress controls; no inbound from outside the VPC"},
	{IdentityMode, "the workspace runs as a cloud identity with no standing permissions (IRSA service account or instance profile)"},
	{GPUSupport, "NVIDIA GPUs with drivers and CUDA installed; profiles that ask for GPUs are offered only on such bases"},
	{ArtifactCache, "a persistent cache for package managers under the home directory"},
	{SecretsInjection, "secrets reach the workspace as Coder external-auth tokens or agent env, never baked into images"},
	{GUIVNC, "a Linux desktop in the browser over KasmVNC, exposed as a coder_app"},
	{GUIRDP, "a Windows desktop in the browser over RDP (Web RDP) or NICE DCV, exposed as a coder_app"},
}

// Known reports whether c is in the vocabulary.
func Known(c Capability) bool {
	for _, k := range Capabilities {
		if k.Name == c {
			return true
		}
	}
	return false
}

// Inputs are the variables every base module takes; Outputs are what it
// returns. The composer wires both, and tests parse every base for them.
var (
	Inputs  = []string{"workspace_name", "owner", "compute_profile", "image_id"}
	Outputs = []string{"agent_endpoint", "env_vars", "volume_mounts", "metadata"}
)

// Definition names a manifest kind's definition in the schema.
type Definition string

const (
	DefToolchain   Definition = "toolchain"
	DefBase        Definition = "base"
	DefComposition Definition = "composition"
	DefPublished   Definition = "published"
)

const schemaURL = "https://platformeng.github.io/coder-platform/templates/contract/v1/contract.schema.json"

// Validator checks manifests against the schema.
type Validator struct {
	schemas map[Definition]*jsonschema.Schema
}

// NewValidator compiles the schema.
func NewValidator() (*Validator, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("contract schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("contract schema: %w", err)
	}
	v := &Validator{schemas: map[Definition]*jsonschema.Schema{}}
	for _, d := range []Definition{DefToolchain, DefBase, DefComposition, DefPublished} {
		s, err := c.Compile(schemaURL + "#/$defs/" + string(d))
		if err != nil {
			return nil, fmt.Errorf("contract schema %s: %w", d, err)
		}
		v.schemas[d] = s
	}
	return v, nil
}

// Decode validates a YAML manifest against a definition and then decodes it
// strictly into out, so the schema and the Go types cannot drift apart
// silently.
func (v *Validator) Decode(def Definition, file string, data []byte, out any) error {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if err := v.schemas[def].Validate(inst); err != nil {
		return fmt.Errorf("%s does not match the %s contract: %w", file, def, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// Strings returns capabilities as plain strings.
func Strings(cs []Capability) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}
