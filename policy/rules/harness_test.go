package rules

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Unknown marks a value not known until apply; Secret a masked secret.
const (
	Unknown = "<unknown>"
	Secret  = "<secret>"
)

// in builds a property map from JSON, turning the markers above into
// computed and secret values, as the engine sends them during preview; the
// conversion is the one `platform policy check` applies to preview files.
func in(t *testing.T, js string) resource.PropertyMap {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(js), &m), js)
	return preview.FromPlain(markers(m).(map[string]any))
}

// toValue converts one JSON value, with markers, to a property value.
func toValue(v any) resource.PropertyValue {
	return preview.FromPlain(map[string]any{"v": markers(v)})["v"]
}

// markers swaps the test markers for the preview file's sentinels.
func markers(v any) any {
	switch x := v.(type) {
	case string:
		switch x {
		case Unknown:
			return preview.UnknownText
		case Secret:
			return preview.SecretText
		}
	case []any:
		for i := range x {
			x[i] = markers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = markers(x[k])
		}
	}
	return v
}

// res is a resource of type t with the given inputs.
func res(t *testing.T, typ, js string) *Resource {
	return &Resource{URN: "urn:pulumi:test::p::" + typ + "::r", Type: typ, Name: "r", Props: in(t, js)}
}

// resourceCase is one resource and the exact problems a policy reports.
type resourceCase struct {
	name string
	r    *Resource
	want []string
}

// checkResource runs a resource policy's cases with its default config.
func checkResource(t *testing.T, p *Policy, cases []resourceCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(p.Name+"/"+c.name, func(t *testing.T) {
			require.True(t, p.Applies(c.r.Type), "%s judges %s", p.Name, c.r.Type)
			got := p.Check(c.r, p.Defaults())
			if len(c.want) == 0 {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, c.want, got)
		})
	}
}

// stackCase is a set of resources and the exact findings.
type stackCase struct {
	name string
	rs   []*Resource
	want []Finding
}

func checkStack(t *testing.T, p *Policy, cases []stackCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(p.Name+"/"+c.name, func(t *testing.T) {
			got := p.CheckStack(c.rs, p.Defaults())
			if len(c.want) == 0 {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, c.want, got)
		})
	}
}

// named gives a resource a URN of its own.
func named(r *Resource, name string) *Resource {
	r.Name = name
	r.URN = "urn:pulumi:test::p::" + r.Type + "::" + name
	return r
}

// deps records that input key was computed from the given resources.
func deps(r *Resource, key string, from ...*Resource) *Resource {
	if r.PropertyDependencies == nil {
		r.PropertyDependencies = map[string][]string{}
	}
	for _, f := range from {
		r.PropertyDependencies[key] = append(r.PropertyDependencies[key], f.URN)
	}
	return r
}

func protect(r *Resource) *Resource { r.Protect = true; return r }

func withProvider(r *Resource, p *Resource) *Resource { r.Provider = p; return r }
