package preview

import (
	"encoding/json"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// SecretText replaces every secret value in printed and JSON output.
const SecretText = "[secret]"

// UnknownText is the engine's sentinel for values not known until apply.
const UnknownText = plugin.UnknownStringValue

// Plain converts a property map to plain JSON values: secrets become
// "[secret]", unknowns the engine's unknown sentinel, resource references
// their URN.
func Plain(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = PlainValue(v)
	}
	return out
}

// PlainValue converts one property value; see Plain.
func PlainValue(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = PlainValue(e)
		}
		return out
	case v.IsObject():
		return Plain(v.ObjectValue())
	case v.IsSecret():
		return SecretText
	case v.IsComputed():
		return UnknownText
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return SecretText
		}
		if !o.Known {
			return UnknownText
		}
		return PlainValue(o.Element)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset():
		a := v.AssetValue()
		return map[string]any{"asset": a.Path + a.URI, "hash": a.Hash}
	case v.IsArchive():
		a := v.ArchiveValue()
		return map[string]any{"archive": a.Path + a.URI, "hash": a.Hash}
	}
	return nil
}

// FromPlain converts plain JSON back to properties, restoring secrets (as
// secret-wrapped unknowns, since their value is not in the file) and
// unknowns, so that policies judge a preview file as they judge live inputs.
func FromPlain(m map[string]any) resource.PropertyMap {
	out := resource.PropertyMap{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out[resource.PropertyKey(k)] = fromPlainValue(m[k])
	}
	return out
}

func fromPlainValue(v any) resource.PropertyValue {
	switch x := v.(type) {
	case nil:
		return resource.NewNullProperty()
	case bool:
		return resource.NewBoolProperty(x)
	case float64:
		return resource.NewNumberProperty(x)
	case int:
		return resource.NewNumberProperty(float64(x))
	case string:
		switch x {
		case SecretText:
			return resource.MakeSecret(resource.MakeComputed(resource.NewStringProperty("")))
		case UnknownText:
			return resource.MakeComputed(resource.NewStringProperty(""))
		}
		return resource.NewStringProperty(x)
	case []any:
		arr := make([]resource.PropertyValue, len(x))
		for i, e := range x {
			arr[i] = fromPlainValue(e)
		}
		return resource.NewArrayProperty(arr)
	case map[string]any:
		if x[resource.SigKey] == resource.SecretSig {
			return engineSecret(x)
		}
		return resource.NewObjectProperty(FromPlain(x))
	}
	return resource.NewNullProperty()
}

// engineSecret reads a secret as `pulumi preview --json` writes it: a
// signed object with the value JSON-encoded under "plaintext" when the
// preview ran with --show-secrets, and only a ciphertext otherwise.
func engineSecret(x map[string]any) resource.PropertyValue {
	if pt, ok := x["plaintext"].(string); ok {
		var v any
		if json.Unmarshal([]byte(pt), &v) == nil {
			return resource.MakeSecret(fromPlainValue(v))
		}
	}
	return resource.MakeSecret(resource.MakeComputed(resource.NewStringProperty("")))
}
