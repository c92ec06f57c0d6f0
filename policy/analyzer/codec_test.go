package analyzer

import (
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/asset"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"pgregory.net/rapid"

	"github.com/platformeng/coder-platform/policy/rules"
)

// sdkDecode is what the policyx pack gave a policy of a Struct: the SDK's
// decoding, then the property.Map round trip.
func sdkDecode(s *structpb.Struct) (resource.PropertyMap, error) {
	pm, err := plugin.UnmarshalProperties(s, unmarshal)
	if err != nil {
		return nil, err
	}
	return resource.ToResourcePropertyMap(resource.FromResourcePropertyMap(pm)), nil
}

// sameProps is strict equality: nil and empty differ, numbers are equal
// when their bits are (NaN included).
func sameProps(a, b resource.PropertyMap) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !sameValue(v, w) {
			return false
		}
	}
	return true
}

func sameValue(a, b resource.PropertyValue) bool {
	switch {
	case a.IsNumber() && b.IsNumber():
		return math.Float64bits(a.NumberValue()) == math.Float64bits(b.NumberValue())
	case a.IsArray() && b.IsArray():
		x, y := a.ArrayValue(), b.ArrayValue()
		if (x == nil) != (y == nil) || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case a.IsObject() && b.IsObject():
		return sameProps(a.ObjectValue(), b.ObjectValue())
	case a.IsSecret() && b.IsSecret():
		return sameValue(a.SecretValue().Element, b.SecretValue().Element)
	case a.IsComputed() && b.IsComputed():
		return sameValue(a.Input().Element, b.Input().Element)
	case a.IsOutput() && b.IsOutput():
		x, y := a.OutputValue(), b.OutputValue()
		return sameValue(x.Element, y.Element) && x.Known == y.Known && x.Secret == y.Secret && reflect.DeepEqual(x.Dependencies, y.Dependencies)
	case a.IsResourceReference() && b.IsResourceReference():
		x, y := a.ResourceReferenceValue(), b.ResourceReferenceValue()
		return sameValue(x.ID, y.ID) && x.URN == y.URN && x.Name == y.Name && x.Type == y.Type && x.PackageVersion == y.PackageVersion
	}
	return reflect.DeepEqual(a, b)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A value of every kind the engine sends, signed ones included.
func genValue(t *rapid.T, depth int) *structpb.Value {
	kinds := []string{"null", "bool", "number", "string", "unknown"}
	if depth < 4 {
		kinds = append(kinds, "list", "struct", "secret", "output", "reference", "asset", "malformed")
	}
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case "null":
		return structpb.NewNullValue()
	case "bool":
		return structpb.NewBoolValue(rapid.Bool().Draw(t, "bool"))
	case "number":
		return structpb.NewNumberValue(rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1, -3.5, 90, 1e300, math.Inf(1)}).Draw(t, "number"))
	case "string":
		return structpb.NewStringValue(rapid.SampledFrom([]string{"", "ALL", "arn:aws:kms:us-east-2:1:key/k", "héllo ✓", string(resource.SigKey), resource.SecretSig}).Draw(t, "string"))
	case "unknown":
		return structpb.NewStringValue(rapid.SampledFrom([]string{plugin.UnknownStringValue, plugin.UnknownBoolValue,
			plugin.UnknownNumberValue, plugin.UnknownArrayValue, plugin.UnknownObjectValue, plugin.UnknownAssetValue, plugin.UnknownArchiveValue}).Draw(t, "unknown"))
	case "list":
		n := rapid.IntRange(0, 3).Draw(t, "len")
		vs := make([]*structpb.Value, n)
		for i := range vs {
			vs[i] = genValue(t, depth+1)
		}
		return structpb.NewListValue(&structpb.ListValue{Values: vs})
	case "struct":
		return structpb.NewStructValue(genStruct(t, depth+1))
	case "secret":
		return signed(resource.SecretSig, map[string]*structpb.Value{"value": genValue(t, depth+1)})
	case "output":
		f := map[string]*structpb.Value{}
		if rapid.Bool().Draw(t, "known") {
			f["value"] = genValue(t, depth+1)
		}
		if rapid.Bool().Draw(t, "has secret") {
			f["secret"] = structpb.NewBoolValue(rapid.Bool().Draw(t, "secret"))
		}
		if rapid.Bool().Draw(t, "has deps") {
			f["dependencies"] = structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{structpb.NewStringValue(urnPrefix + vpcType + "::vpc")}})
		}
		return signed(resource.OutputValueSig, f)
	case "reference":
		f := map[string]*structpb.Value{"urn": structpb.NewStringValue(urnPrefix + vpcType + "::vpc")}
		if rapid.Bool().Draw(t, "has id") {
			f["id"] = structpb.NewStringValue(rapid.SampledFrom([]string{"", "vpc-1", plugin.UnknownStringValue}).Draw(t, "id"))
		}
		return signed(resource.ResourceReferenceSig, f)
	case "asset":
		return signed(asset.AssetSig, map[string]*structpb.Value{"text": structpb.NewStringValue("hello"), "hash": structpb.NewStringValue("")})
	default: // a secret without its value: the SDK rejects it
		return signed(resource.SecretSig, map[string]*structpb.Value{"nope": structpb.NewNullValue()})
	}
}

func signed(sig string, f map[string]*structpb.Value) *structpb.Value {
	f[string(resource.SigKey)] = structpb.NewStringValue(sig)
	return structpb.NewStructValue(&structpb.Struct{Fields: f})
}

func genStruct(t *rapid.T, depth int) *structpb.Struct {
	s := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	n := rapid.IntRange(0, 4).Draw(t, "fields")
	for range n {
		s.Fields[rapid.SampledFrom([]string{"a", "tags", "kmsKeyId", "retentionInDays", "ingress", "é"}).Draw(t, "key")] = genValue(t, depth)
	}
	return s
}

// decodeProperties, and the wire decoder whenever it does not give up, give
// a policy exactly what the SDK and the policyx round trip gave it; both
// fail where the SDK fails.
func TestDecodersMatchTheSDK(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genStruct(t, 0)
		want, wantErr := sdkDecode(s)
		got, err := decodeProperties(s)
		require.Equal(t, errText(wantErr), errText(err))
		if wantErr == nil {
			require.True(t, sameProps(want, got), "decodeProperties\nwant %#v\ngot  %#v", want, got)
		}
		b, err := proto.Marshal(s)
		require.NoError(t, err)
		fast, ok := wireProperties(string(b), 0, len(b))
		if wantErr != nil {
			require.False(t, ok, "the wire decoder accepted what the SDK rejects: %v", wantErr)
			return
		}
		require.True(t, ok, "the wire decoder gave up on a plain encoding")
		require.True(t, sameProps(want, fast), "wireProperties\nwant %#v\ngot  %#v", want, fast)
	})
}

// decodeWith is a request as the server's handler ends up with it: decoded
// by the codec (fast=true) or by the proto codec, then the resource as
// decodeResource makes it. The SDK panics on a Value of no kind; so must
// both ways.
func decodeWith(fast bool, b []byte) (req *pulumirpc.AnalyzeRequest, r *rules.Resource, err error) {
	defer func() {
		if p := recover(); p != nil {
			req, r, err = nil, nil, fmt.Errorf("panic: %v", p)
		}
	}()
	var pre sync.Map
	c := newCodec(&pre)
	req = &pulumirpc.AnalyzeRequest{}
	data := mem.BufferSlice{mem.SliceBuffer(b)}
	if fast {
		err = c.Unmarshal(data, req)
	} else {
		err = c.proto.Unmarshal(data, req)
	}
	if err != nil {
		return nil, nil, err
	}
	var d decoded
	if v, ok := pre.LoadAndDelete(req); ok {
		d = v.(decoded)
	}
	r, err = decodeResource(req.GetType(), req.GetUrn(), req.GetName(), d, req.GetProperties(), req.GetOptions(), req.GetProvider())
	req.Properties = nil
	if req.Provider != nil {
		req.Provider.Properties = nil
	}
	return req, r, err
}

// sameResource compares what policies see of two resources.
func sameResource(a, b *rules.Resource) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	if a == nil {
		return true
	}
	pa, pb := a.Provider, b.Provider
	if !sameResource(pa, pb) {
		return false
	}
	ca, cb := *a, *b
	ca.Provider, cb.Provider, ca.Props, cb.Props = nil, nil, nil, nil
	return reflect.DeepEqual(ca, cb) && sameProps(a.Props, b.Props)
}

// Whatever bytes arrive, well-formed or not, the codec's request is the
// proto codec's, with the same properties or the same error.
func TestCodecMatchesProtobufOnAnyBytes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		req := &pulumirpc.AnalyzeRequest{Type: logGroupType, Urn: urnPrefix + logGroupType + "::coderd", Name: "coderd",
			Properties: genStruct(t, 0), Options: &pulumirpc.AnalyzerResourceOptions{Protect: rapid.Bool().Draw(t, "protect")}}
		if rapid.Bool().Draw(t, "provider") {
			req.Provider = &pulumirpc.AnalyzerProviderResource{Type: "pulumi:providers:aws", Urn: urnPrefix + "pulumi:providers:aws::aws", Name: "aws", Properties: genStruct(t, 0)}
		}
		b, err := proto.Marshal(req)
		require.NoError(t, err)
		for i, n := 0, rapid.IntRange(0, 3).Draw(t, "mutations"); i < n && len(b) > 0; i++ {
			at := rapid.IntRange(0, len(b)-1).Draw(t, "at")
			switch rapid.IntRange(0, 2).Draw(t, "mutation") {
			case 0:
				b[at] = rapid.Byte().Draw(t, "byte")
			case 1:
				b = b[:at]
			default:
				b = append(b[:at:at], append([]byte{rapid.Byte().Draw(t, "inserted")}, b[at:]...)...)
			}
		}
		wantReq, want, wantErr := decodeWith(false, append([]byte(nil), b...))
		gotReq, got, gotErr := decodeWith(true, append([]byte(nil), b...))
		require.Equal(t, errText(wantErr), errText(gotErr))
		if wantErr == nil {
			require.True(t, proto.Equal(wantReq, gotReq), "request\nwant %v\ngot  %v", wantReq, gotReq)
			require.True(t, sameResource(want, got), "resource\nwant %#v\ngot  %#v", want, got)
		}
	})
}

// Over both previews, the codec decodes every request on its fast path, to
// what the proto codec and decodeResource make of it.
func TestCodecOnThePreviews(t *testing.T) {
	for _, f := range allPreviews(t) {
		t.Run(f.name, func(t *testing.T) {
			for _, r := range f.requests {
				b, err := proto.Marshal(r)
				require.NoError(t, err)
				var pre sync.Map
				got := &pulumirpc.AnalyzeRequest{}
				require.NoError(t, newCodec(&pre).Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, got))
				v, ok := pre.LoadAndDelete(got)
				require.True(t, ok, "%s took the slow path", r.GetUrn())
				d := v.(decoded)
				require.NotNil(t, d.props, r.GetUrn())
				require.Equal(t, r.GetProvider().GetProperties() != nil, d.provider != nil, r.GetUrn())
				want, err := decodeResource(r.GetType(), r.GetUrn(), r.GetName(), decoded{}, r.GetProperties(), r.GetOptions(), r.GetProvider())
				require.NoError(t, err)
				gotRes, err := decodeResource(got.GetType(), got.GetUrn(), got.GetName(), d, got.GetProperties(), got.GetOptions(), got.GetProvider())
				require.NoError(t, err)
				require.True(t, sameResource(want, gotRes), r.GetUrn())
				require.True(t, proto.Equal(withoutProperties(r), got), r.GetUrn())
			}

			b, err := proto.Marshal(f.stackReq)
			require.NoError(t, err)
			var pre sync.Map
			got := &pulumirpc.AnalyzeStackRequest{}
			require.NoError(t, newCodec(&pre).Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, got))
			v, ok := pre.LoadAndDelete(got)
			require.True(t, ok, "AnalyzeStack took the slow path")
			ds := v.([]decoded)
			require.Len(t, ds, len(f.stackReq.GetResources()))
			for i, r := range f.stackReq.GetResources() {
				g := got.GetResources()[i]
				want, err := decodeResource(r.GetType(), r.GetUrn(), r.GetName(), decoded{}, r.GetProperties(), r.GetOptions(), r.GetProvider())
				require.NoError(t, err)
				gotRes, err := decodeResource(g.GetType(), g.GetUrn(), g.GetName(), ds[i], g.GetProperties(), g.GetOptions(), g.GetProvider())
				require.NoError(t, err)
				require.True(t, sameResource(want, gotRes), r.GetUrn())
				plain := proto.Clone(r).(*pulumirpc.AnalyzerResource)
				plain.Properties = nil
				if plain.Provider != nil {
					plain.Provider.Properties = nil
				}
				require.True(t, proto.Equal(plain, g), r.GetUrn())
			}
		})
	}
}

func withoutProperties(r *pulumirpc.AnalyzeRequest) *pulumirpc.AnalyzeRequest {
	c := proto.Clone(r).(*pulumirpc.AnalyzeRequest)
	c.Properties = nil
	if c.Provider != nil {
		c.Provider.Properties = nil
	}
	return c
}

// Every method that receives a request the codec decodes properties of
// takes them back, so that none stays in predecoded; a new such method in
// the SDK's Analyzer service fails this test until the server handles it.
func TestEveryRequestTakesItsProperties(t *testing.T) {
	handled := map[string]bool{"Analyze": true, "AnalyzeStack": true, "Remediate": true}
	api := reflect.TypeFor[pulumirpc.AnalyzerServer]()
	for i := range api.NumMethod() {
		m := api.Method(i)
		for j := range m.Type.NumIn() {
			switch m.Type.In(j) {
			case reflect.TypeFor[*pulumirpc.AnalyzeRequest](), reflect.TypeFor[*pulumirpc.AnalyzeStackRequest]():
				require.True(t, handled[m.Name], "%s receives a request the codec decodes", m.Name)
			}
		}
	}

	s, err := NewServer()
	require.NoError(t, err)
	c := newCodec(&s.predecoded)
	ctx := t.Context()
	req := logGroup(t, resource.NewNumberProperty(30))
	req.Provider = &pulumirpc.AnalyzerProviderResource{Type: "pulumi:providers:aws", Urn: urnPrefix + "pulumi:providers:aws::aws", Name: "aws",
		Properties: props(t, resource.PropertyMap{"region": resource.NewStringProperty("us-east-2")})}
	b, err := proto.Marshal(req)
	require.NoError(t, err)
	decode := func() *pulumirpc.AnalyzeRequest {
		got := &pulumirpc.AnalyzeRequest{}
		require.NoError(t, c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, got))
		_, ok := s.predecoded.Load(got)
		require.True(t, ok)
		return got
	}
	_, err = s.Analyze(ctx, decode())
	require.NoError(t, err)
	_, err = s.Remediate(ctx, decode())
	require.Error(t, err)
	stack := &pulumirpc.AnalyzeStackRequest{Resources: []*pulumirpc.AnalyzerResource{{Type: req.Type, Urn: req.Urn, Name: req.Name,
		Properties: req.Properties, Provider: req.Provider}}}
	sb, err := proto.Marshal(stack)
	require.NoError(t, err)
	got := &pulumirpc.AnalyzeStackRequest{}
	require.NoError(t, c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(sb)}, got))
	_, err = s.AnalyzeStack(ctx, got)
	require.NoError(t, err)
	left := 0
	s.predecoded.Range(func(any, any) bool { left++; return true })
	require.Zero(t, left, "requests left in predecoded")
}

// Encodings no encoder of ours writes but protobuf accepts: the codec
// decodes them as protobuf does, or leaves them to it.
func TestCodecOnOddEncodings(t *testing.T) {
	str := func(s string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, 3, protowire.BytesType), s)
	}
	num := func(f float64) []byte {
		return protowire.AppendFixed64(protowire.AppendTag(nil, 2, protowire.Fixed64Type), math.Float64bits(f))
	}
	entry := func(parts ...[]byte) []byte {
		var e []byte
		for _, p := range parts {
			e = append(e, p...)
		}
		return protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), e)
	}
	key := func(k string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), k)
	}
	value := func(v ...[]byte) []byte {
		var b []byte
		for _, p := range v {
			b = append(b, p...)
		}
		return protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), b)
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	unknown := protowire.AppendVarint(protowire.AppendTag(nil, 9, protowire.VarintType), 1)
	structs := map[string][]byte{
		"key twice":          cat(entry(key("a"), value(num(1))), entry(key("a"), value(str("x")))),
		"value before key":   entry(value(str("x")), key("a")),
		"two kinds":          entry(key("a"), value(str("x"), num(2))),
		"unknown in struct":  cat(entry(key("a"), value(str("x"))), unknown),
		"unknown in entry":   entry(key("a"), value(str("x")), unknown),
		"unknown in value":   entry(key("a"), value(str("x"), unknown)),
		"no key":             entry(value(str("x"))),
		"no value":           entry(key("a")),
		"empty value":        entry(key("a"), value()),
		"invalid utf-8 key":  entry(key("\xff"), value(str("x"))),
		"invalid utf-8":      entry(key("a"), value(str("\xff"))),
		"unknown sentinel":   entry(key("a"), value(str(plugin.UnknownArrayValue))),
		"long varint length": entry(key("a"), protowire.AppendTag(nil, 2, protowire.BytesType), []byte{0x82, 0x80, 0x80, 0x00}, str("")),
	}
	for name, props := range structs {
		t.Run(name, func(t *testing.T) {
			req := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), logGroupType)
			req = protowire.AppendBytes(protowire.AppendTag(req, 2, protowire.BytesType), props)
			wantReq, want, wantErr := decodeWith(false, append([]byte(nil), req...))
			gotReq, got, gotErr := decodeWith(true, append([]byte(nil), req...))
			require.Equal(t, errText(wantErr), errText(gotErr))
			if wantErr == nil {
				require.True(t, proto.Equal(wantReq, gotReq))
				require.True(t, sameResource(want, got), "want %#v\ngot  %#v", want, got)
			}
		})
	}
}
