// Package componenttest registers one component under the offline
// preview's mock monitor and reads back what it registered, for the
// component-level tests in components/<name>/ (external test packages).
package componenttest

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Project and Stack are the names the mock engine runs under.
const (
	Project = "coder-platform"
	Stack   = "test"
)

// Run registers fn under a fresh recorder and returns what it registered;
// the run must succeed.
func Run(t testing.TB, fn pulumi.RunFunc) Resources {
	t.Helper()
	rs, err := RunErr(fn)
	require.NoError(t, err)
	return rs
}

// RunErr is Run for programs expected to fail; it returns what was
// registered before the failure as well.
func RunErr(fn pulumi.RunFunc) (Resources, error) {
	rec := preview.NewRecorder(Project, Stack)
	err := pulumi.RunErr(fn, pulumi.WithMocks(Project, Stack, rec), preview.WithConfig(nil, nil))
	return rec.Resources(), err
}

// AWSProvider is an explicit AWS provider of region, as stacks builds one
// per region.
func AWSProvider(ctx *pulumi.Context, region string) (*aws.Provider, error) {
	return aws.NewProvider(ctx, "aws-"+region, &aws.ProviderArgs{Region: pulumi.String(region)})
}

// Resources are the registrations of one run, in the order they were made.
type Resources []*preview.Resource

// OfType returns the resources of type typ.
func (rs Resources) OfType(typ string) Resources {
	var out Resources
	for _, r := range rs {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Named returns the resource of type typ with logical name name, or nil.
func (rs Resources) Named(typ, name string) *preview.Resource {
	for _, r := range rs {
		if r.Type == typ && r.Name == name {
			return r
		}
	}
	return nil
}

// Input returns the plain value of r's input at path (see
// preview.Resource.Input), secrets unwrapped; it fails the test when the
// input is absent.
func Input(t testing.TB, r *preview.Resource, path string) any {
	t.Helper()
	require.NotNil(t, r)
	v, ok := r.Input(path)
	require.True(t, ok, "%s %s has no input %s; inputs: %v", r.Type, r.Name, path, Plain(resource.NewObjectProperty(r.Inputs)))
	return Plain(v)
}

// At is Input for a path of keys that may contain dots ("tags",
// "kubernetes.io/role/elb"); see preview.Resource.InputAt.
func At(t testing.TB, r *preview.Resource, keys ...string) any {
	t.Helper()
	require.NotNil(t, r)
	v, ok := r.InputAt(keys...)
	require.True(t, ok, "%s %s has no input %v", r.Type, r.Name, keys)
	return Plain(v)
}

// Has reports whether r has a non-null input at path.
func Has(r *preview.Resource, path string) bool {
	v, ok := r.Input(path)
	return ok && !v.IsNull()
}

// String is Input for a string input.
func String(t testing.TB, r *preview.Resource, path string) string {
	t.Helper()
	v := Input(t, r, path)
	s, ok := v.(string)
	require.True(t, ok, "%s %s: %s is %T, not a string", r.Type, r.Name, path, v)
	return s
}

// JSON decodes the JSON document in r's string input at path (a policy).
func JSON(t testing.TB, r *preview.Resource, path string) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(String(t, r, path)), &doc), "%s %s: %s", r.Type, r.Name, path)
	return doc
}

// Plain converts a property value to plain Go values (numbers are
// float64), with secrets unwrapped and unknowns as nil.
func Plain(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return Plain(v.SecretValue().Element)
	case v.IsOutput():
		if !v.OutputValue().Known {
			return nil
		}
		return Plain(v.OutputValue().Element)
	case v.IsComputed(), v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		out := make([]any, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			out[i] = Plain(e)
		}
		return out
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			out[string(k)] = Plain(e)
		}
		return out
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	}
	return nil
}

// Statements returns the statements of a policy document by Sid.
func Statements(doc map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	stmts, _ := doc["Statement"].([]any)
	for _, s := range stmts {
		m, _ := s.(map[string]any)
		sid, _ := m["Sid"].(string)
		out[sid] = m
	}
	return out
}
