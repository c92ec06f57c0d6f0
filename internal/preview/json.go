package preview

import (
	"encoding/json"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// Step is one step of `pulumi preview --json`.
type Step struct {
	Op       string              `json:"op"`
	URN      string              `json:"urn"`
	Provider string              `json:"provider,omitempty"`
	NewState *apitype.ResourceV3 `json:"newState"`
}

// JSONDiagnostic is one entry of the diagnostics list.
type JSONDiagnostic struct {
	URN      string `json:"urn,omitempty"`
	Message  string `json:"message"`
	Severity string `json:"severity"`
}

// Document is the file `--json` writes: the shape of `pulumi preview --json`
// plus the policy results later stages add.
type Document struct {
	Steps            []Step           `json:"steps"`
	Diagnostics      []JSONDiagnostic `json:"diagnostics"`
	ChangeSummary    map[string]int   `json:"changeSummary"`
	PolicyViolations []any            `json:"policyViolations,omitempty"`
}

// JSON renders the result as a preview document.
func (r *Result) JSON() *Document {
	doc := &Document{ChangeSummary: map[string]int{"create": 0}, Diagnostics: []JSONDiagnostic{}}
	root := r.Root
	doc.Steps = append(doc.Steps, Step{Op: "create", URN: root, NewState: &apitype.ResourceV3{
		URN: resource.URN(root), Type: resource.RootStackType, Inputs: map[string]any{},
	}})
	for _, res := range r.Resources {
		st := &apitype.ResourceV3{
			URN:      resource.URN(res.URN),
			Custom:   res.Custom,
			Type:     tokens.Type(res.Type),
			Inputs:   Plain(res.Inputs),
			Parent:   resource.URN(res.Parent),
			Provider: res.Provider,
			Protect:  res.Protect,

			RetainOnDelete: res.RetainOnDelete,
		}
		for _, d := range res.Dependencies {
			st.Dependencies = append(st.Dependencies, resource.URN(d))
		}
		if len(res.PropertyDependencies) > 0 {
			st.PropertyDependencies = map[resource.PropertyKey][]resource.URN{}
			for k, urns := range res.PropertyDependencies {
				for _, u := range urns {
					st.PropertyDependencies[resource.PropertyKey(k)] = append(st.PropertyDependencies[resource.PropertyKey(k)], resource.URN(u))
				}
			}
		}
		doc.Steps = append(doc.Steps, Step{Op: "create", URN: res.URN, Provider: res.Provider, NewState: st})
	}
	doc.ChangeSummary["create"] = len(doc.Steps)
	for _, d := range r.Diagnostics {
		doc.Diagnostics = append(doc.Diagnostics, JSONDiagnostic{Message: d.Subject + ": " + d.Message, Severity: string(d.Severity)})
	}
	return doc
}

// WriteJSON writes doc to path.
func WriteJSON(path string, doc *Document) error {
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// ReadDocument reads a preview JSON file (ours or `pulumi preview --json`).
func ReadDocument(path string) (*Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc Document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

// ResourcesFromDocument turns preview steps back into resources, skipping
// deletes (which have no new state).
func ResourcesFromDocument(doc *Document) []*Resource {
	var out []*Resource
	for _, s := range doc.Steps {
		ns := s.NewState
		if ns == nil || ns.Type == resource.RootStackType {
			continue
		}
		res := &Resource{
			URN: string(ns.URN), Type: string(ns.Type), Custom: ns.Custom, Parent: string(ns.Parent),
			Provider: ns.Provider, Protect: ns.Protect, RetainOnDelete: ns.RetainOnDelete,
			Inputs: FromPlain(ns.Inputs), Name: resource.URN(ns.URN).Name(),
		}
		for _, d := range ns.Dependencies {
			res.Dependencies = append(res.Dependencies, string(d))
		}
		if len(ns.PropertyDependencies) > 0 {
			res.PropertyDependencies = map[string][]string{}
			for k, urns := range ns.PropertyDependencies {
				for _, u := range urns {
					res.PropertyDependencies[string(k)] = append(res.PropertyDependencies[string(k)], string(u))
				}
			}
		}
		out = append(out, res)
	}
	return out
}
