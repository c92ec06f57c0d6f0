package preview

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
)

// A value of another type, an unknown one or a secret reads as absent.
func TestTypedInputReads(t *testing.T) {
	t.Parallel()
	r := &Resource{Inputs: resource.NewPropertyMapFromMap(map[string]any{
		"name": "coder", "port": 443, "enabled": true,
		"list": []any{"a", 1, "b"}, "nested": map[string]any{"key": "v"},
	})}
	r.Inputs["secret"] = resource.MakeSecret(resource.NewStringProperty("s3cr3t"))
	r.Inputs["unknown"] = resource.MakeComputed(resource.NewStringProperty(""))

	assert.Equal(t, "coder", r.Str("name"))
	assert.Equal(t, "v", r.Str("nested.key"))
	assert.Empty(t, r.Str("port"), "a number is not a string")
	assert.Empty(t, r.Str("secret"))
	assert.Empty(t, r.Str("unknown"))
	assert.Empty(t, r.Str("missing"))

	n, ok := r.Num("port")
	assert.True(t, ok)
	assert.Equal(t, 443.0, n)
	_, ok = r.Num("name")
	assert.False(t, ok)

	b, ok := r.Bool("enabled")
	assert.True(t, ok)
	assert.True(t, b)
	_, ok = r.Bool("missing")
	assert.False(t, ok)

	assert.Equal(t, []string{"a", "b"}, r.Strs("list"), "only the strings")
	assert.Nil(t, r.Strs("name"))
}
