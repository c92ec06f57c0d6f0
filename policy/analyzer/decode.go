package analyzer

import (
	"errors"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

// unmarshal is how the pack decodes the engine's properties: unknowns,
// secrets, resource references and output values kept.
var unmarshal = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true, KeepOutputValues: true}

// decodeProperties is plugin.UnmarshalProperties(props, unmarshal) followed
// by the property.Map round trip the policyx pack made (policyx hands a
// policy a property.Map, which the pack turned back into a PropertyMap), so
// a policy sees exactly the values it saw through policyx.
//
// The SDK's unmarshaller converts every nested object to a plain map to
// look for a signature, and the round trip copies everything twice; both
// dominated a call. Plain values, lists and unsigned objects are decoded
// here in one pass; anything signed (secrets, assets, resource references,
// output values) and the unknown sentinels go to the SDK's decoder, and the
// round trip runs only when some value is not already in the form it yields.
// When that pass fails in any way, the SDK decodes the whole map again, so
// that errors (and the SDK's panics) are the ones it always gave.
func decodeProperties(props *structpb.Struct) (resource.PropertyMap, error) {
	if pm, ok := quickDecode(props); ok {
		return pm, nil
	}
	pm, err := plugin.UnmarshalProperties(props, unmarshal)
	if err != nil {
		return nil, err
	}
	return roundTrip(pm), nil
}

func quickDecode(props *structpb.Struct) (pm resource.PropertyMap, ok bool) {
	defer func() {
		if recover() != nil {
			pm, ok = nil, false
		}
	}()
	pm, err := decodeStruct(props)
	if err != nil {
		return nil, false
	}
	return roundTrip(pm), true
}

// roundTrip is resource.ToResourcePropertyMap(resource.FromResourcePropertyMap(pm)),
// skipped when it would change nothing.
func roundTrip(pm resource.PropertyMap) resource.PropertyMap {
	if canonicalMap(pm) {
		return pm
	}
	return resource.ToResourcePropertyMap(resource.FromResourcePropertyMap(pm))
}

func decodeStruct(s *structpb.Struct) (resource.PropertyMap, error) {
	fields := s.GetFields()
	out := make(resource.PropertyMap, len(fields))
	for k, v := range fields {
		pv, err := decodeValue(v)
		if err != nil {
			return nil, err
		}
		out[resource.PropertyKey(k)] = pv
	}
	return out, nil
}

// decodeValue is plugin.UnmarshalPropertyValue with the pack's options.
func decodeValue(v *structpb.Value) (resource.PropertyValue, error) {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NullValue:
		return resource.NewNullProperty(), nil
	case *structpb.Value_BoolValue:
		return resource.NewProperty(k.BoolValue), nil
	case *structpb.Value_NumberValue:
		return resource.NewProperty(k.NumberValue), nil
	case *structpb.Value_StringValue:
		if !isUnknownSentinel(k.StringValue) {
			return resource.NewProperty(k.StringValue), nil
		}
	case *structpb.Value_ListValue:
		vs := k.ListValue.GetValues()
		elems := make([]resource.PropertyValue, len(vs))
		for i, e := range vs {
			pv, err := decodeValue(e)
			if err != nil {
				return resource.PropertyValue{}, err
			}
			elems[i] = pv
		}
		return resource.NewProperty(elems), nil
	case *structpb.Value_StructValue:
		if _, signed := k.StructValue.GetFields()[string(resource.SigKey)]; !signed {
			m, err := decodeStruct(k.StructValue)
			if err != nil {
				return resource.PropertyValue{}, err
			}
			return resource.NewProperty(m), nil
		}
	}
	// Signed objects, unknowns and anything odd: the SDK.
	pv, err := plugin.UnmarshalPropertyValue("", v, unmarshal)
	if err != nil {
		return resource.PropertyValue{}, err
	}
	if pv == nil {
		return resource.PropertyValue{}, errors.New("value dropped")
	}
	return *pv, nil
}

func isUnknownSentinel(s string) bool {
	switch s {
	case plugin.UnknownBoolValue, plugin.UnknownNumberValue, plugin.UnknownStringValue, plugin.UnknownArrayValue,
		plugin.UnknownAssetValue, plugin.UnknownArchiveValue, plugin.UnknownObjectValue:
		return true
	}
	return false
}

// canonicalMap reports whether m comes back unchanged from
// resource.ToResourcePropertyMap(resource.FromResourcePropertyMap(m)).
func canonicalMap(m resource.PropertyMap) bool {
	if m == nil {
		return false
	}
	for _, v := range m {
		if !canonical(v) {
			return false
		}
	}
	return true
}

// canonical reports whether v comes back unchanged from the property.Value
// round trip: an unknown is the untyped computed string, a secret wraps a
// value that is neither secret nor an output, there are no output values,
// and objects and arrays are non-nil.
func canonical(v resource.PropertyValue) bool {
	switch {
	case v.IsNull(), v.IsBool(), v.IsNumber(), v.IsString(), v.IsAsset(), v.IsArchive():
		return true
	case v.IsArray():
		a := v.ArrayValue()
		if a == nil {
			return false
		}
		for _, e := range a {
			if !canonical(e) {
				return false
			}
		}
		return true
	case v.IsObject():
		return canonicalMap(v.ObjectValue())
	case v.IsResourceReference():
		return canonical(v.ResourceReferenceValue().ID)
	case v.IsComputed():
		e := v.Input().Element
		return e.IsString() && e.StringValue() == ""
	case v.IsSecret():
		e := v.SecretValue().Element
		return !e.IsSecret() && !e.IsOutput() && canonical(e)
	}
	return false // outputs, and anything else
}
