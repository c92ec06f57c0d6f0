package analyzer

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"pgregory.net/rapid"
)

// encodeStruct encodes s as protobuf does, with the entries of every
// Struct in an order drawn at random, as Go's map order gives them.
func encodeStruct(t *rapid.T, s *structpb.Struct) []byte {
	var b []byte
	for _, k := range rapid.Permutation(slices.Sorted(maps.Keys(s.GetFields()))).Draw(t, "order") {
		e := protowire.AppendString(protowire.AppendTag(nil, entryKey, protowire.BytesType), k)
		e = protowire.AppendBytes(protowire.AppendTag(e, entryValue, protowire.BytesType), encodeValue(t, s.GetFields()[k]))
		b = protowire.AppendBytes(protowire.AppendTag(b, structFields, protowire.BytesType), e)
	}
	return b
}

func encodeValue(t *rapid.T, v *structpb.Value) []byte {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StructValue:
		return protowire.AppendBytes(protowire.AppendTag(nil, valueStruct, protowire.BytesType), encodeStruct(t, k.StructValue))
	case *structpb.Value_ListValue:
		var l []byte
		for _, e := range k.ListValue.GetValues() {
			l = protowire.AppendBytes(protowire.AppendTag(l, listValues, protowire.BytesType), encodeValue(t, e))
		}
		return protowire.AppendBytes(protowire.AppendTag(nil, valueList, protowire.BytesType), l)
	}
	b, err := proto.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every encoding of a Struct has the same fingerprint, whatever the order
// of its entries.
func TestFingerprintIgnoresEntryOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genStruct(t, 0)
		a, b := encodeStruct(t, s), encodeStruct(t, s)
		fa, okA := fingerprint(string(a))
		fb, okB := fingerprint(string(b))
		require.True(t, okA && okB, "no fingerprint")
		require.Equal(t, fa, fb)
	})
}

// Two Structs with the same fingerprint decode alike, whether they are two
// Structs drawn at random or one and its encoding with bytes changed: a
// reused map is always the one decoding would have given.
func TestSameFingerprintDecodesAlike(t *testing.T) {
	sameDecoding := func(t *rapid.T, a, b []byte) {
		fa, okA := fingerprint(string(a))
		fb, okB := fingerprint(string(b))
		if !okA || !okB || fa != fb {
			return
		}
		pa, okA := wireProperties(string(a), 0, len(a))
		pb, okB := wireProperties(string(b), 0, len(b))
		require.Equal(t, okA, okB)
		if okA {
			require.True(t, sameProps(pa, pb), "same fingerprint, different properties\n%#v\n%#v", pa, pb)
		}
	}
	t.Run("two structs", rapid.MakeCheck(func(t *rapid.T) {
		a := genStruct(t, 0)
		b := a
		if rapid.Bool().Draw(t, "another") {
			b = genStruct(t, 0)
		}
		sameDecoding(t, encodeStruct(t, a), encodeStruct(t, b))
	}))
	t.Run("changed bytes", rapid.MakeCheck(func(t *rapid.T) {
		s := genStruct(t, 0)
		a, b := encodeStruct(t, s), encodeStruct(t, s)
		for i, n := 0, rapid.IntRange(1, 3).Draw(t, "mutations"); i < n && len(b) > 0; i++ {
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
		sameDecoding(t, a, b)
	}))
}

// A Struct holding a key twice has no fingerprint: the decoder keeps the
// last, so the order of its entries counts.
func TestNoFingerprintForAKeyTwice(t *testing.T) {
	entry := func(k string, v *structpb.Value) []byte {
		e := protowire.AppendString(protowire.AppendTag(nil, entryKey, protowire.BytesType), k)
		vb, err := proto.Marshal(v)
		require.NoError(t, err)
		e = protowire.AppendBytes(protowire.AppendTag(e, entryValue, protowire.BytesType), vb)
		return protowire.AppendBytes(protowire.AppendTag(nil, structFields, protowire.BytesType), e)
	}
	one, two := entry("a", structpb.NewNumberValue(1)), entry("a", structpb.NewNumberValue(2))
	_, ok := fingerprint(string(append(append([]byte(nil), one...), two...)))
	require.False(t, ok)
	nested := structpb.NewStructValue(&structpb.Struct{})
	inner := append(append([]byte(nil), one...), two...)
	nb := protowire.AppendBytes(protowire.AppendTag(nil, valueStruct, protowire.BytesType), inner)
	e := protowire.AppendString(protowire.AppendTag(nil, entryKey, protowire.BytesType), "tags")
	e = protowire.AppendBytes(protowire.AppendTag(e, entryValue, protowire.BytesType), nb)
	_, ok = fingerprint(string(protowire.AppendBytes(protowire.AppendTag(nil, structFields, protowire.BytesType), e)))
	require.False(t, ok, "a key twice in a nested Struct")
	_, ok = fingerprint(string(entry("tags", nested)))
	require.True(t, ok)
}

// decodeAs runs bytes through the server's codec as the request type m
// and hands the request to its handler, as gRPC does, returning what the
// codec decoded.
func decodeAs[M proto.Message](t *testing.T, s *Server, c *codec, msg M) (M, any) {
	t.Helper()
	b, err := proto.Marshal(msg)
	require.NoError(t, err)
	got := msg.ProtoReflect().New().Interface().(M)
	require.NoError(t, c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, got))
	d, ok := s.predecoded.Load(got)
	require.True(t, ok, "the codec took the slow path")
	switch req := any(got).(type) {
	case *pulumirpc.AnalyzeRequest:
		_, err = s.Analyze(t.Context(), req)
	case *pulumirpc.AnalyzeStackRequest:
		_, err = s.AnalyzeStack(t.Context(), req)
	}
	require.NoError(t, err)
	return got, d
}

func samePointer(a, b resource.PropertyMap) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// AnalyzeStack takes every resource's properties, and its provider's, from
// the Analyze calls before it rather than decoding them again, and a
// provider's are decoded once for all its resources; the stack call ends
// the session.
func TestAnalyzeStackReusesWhatAnalyzeDecoded(t *testing.T) {
	f := allPreviews(t)[0]
	s, err := NewServer()
	require.NoError(t, err)
	c := s.codec()
	byURN, providers := map[string]decoded{}, map[string]resource.PropertyMap{}
	for _, r := range f.requests {
		_, v := decodeAs(t, s, c, r)
		d := v.(decoded)
		byURN[r.GetUrn()] = d
		if p := r.GetProvider(); p != nil {
			if seen, ok := providers[p.GetUrn()]; ok {
				require.True(t, samePointer(seen, d.provider), "provider %s decoded again", p.GetUrn())
			}
			providers[p.GetUrn()] = d.provider
		}
	}
	require.NotEmpty(t, providers)
	got, v := decodeAs(t, s, c, f.stackReq)
	for i, d := range v.([]decoded) {
		urn := got.GetResources()[i].GetUrn()
		require.True(t, samePointer(byURN[urn].props, d.props), "%s decoded again", urn)
		if p := got.GetResources()[i].GetProvider(); p != nil {
			require.True(t, samePointer(providers[p.GetUrn()], d.provider), "provider of %s decoded again", urn)
		}
	}
	sess := s.session.Load()
	require.Empty(t, sess.resources, "the stack call leaves a new session")
	require.Empty(t, sess.providers, "the stack call leaves a new session")
}

// A resource or provider whose properties changed between Analyze and
// AnalyzeStack is decoded again, and so is everything after Configure.
func TestChangedPropertiesAreDecodedAgain(t *testing.T) {
	s, err := NewServer()
	require.NoError(t, err)
	c := s.codec()
	req := logGroup(t, resource.NewNumberProperty(30))
	provider := func(region string) *pulumirpc.AnalyzerProviderResource {
		return &pulumirpc.AnalyzerProviderResource{Type: "pulumi:providers:aws", Urn: urnPrefix + "pulumi:providers:aws::aws", Name: "aws",
			Properties: props(t, resource.PropertyMap{"region": resource.NewStringProperty(region), "skipMetadataApiCheck": resource.NewBoolProperty(true)})}
	}
	req.Provider = provider("us-east-2")
	stackOf := func(r *pulumirpc.AnalyzeRequest) *pulumirpc.AnalyzeStackRequest {
		return &pulumirpc.AnalyzeStackRequest{Resources: []*pulumirpc.AnalyzerResource{{Type: r.Type, Urn: r.Urn, Name: r.Name,
			Properties: r.Properties, Provider: r.Provider}}}
	}
	stackDecoded := func(r *pulumirpc.AnalyzeRequest) decoded {
		_, v := decodeAs(t, s, c, stackOf(r))
		return v.([]decoded)[0]
	}

	_, v := decodeAs(t, s, c, req)
	first := v.(decoded)
	d := stackDecoded(req)
	require.True(t, samePointer(first.props, d.props))
	require.True(t, samePointer(first.provider, d.provider))

	_, v = decodeAs(t, s, c, req)
	first = v.(decoded)
	changed := proto.Clone(req).(*pulumirpc.AnalyzeRequest)
	changed.Properties = logGroup(t, resource.NewNumberProperty(3650)).Properties
	changed.Provider = provider("eu-west-1")
	d = stackDecoded(changed)
	require.False(t, samePointer(first.props, d.props))
	require.Equal(t, 3650.0, d.props["retentionInDays"].NumberValue())
	require.False(t, samePointer(first.provider, d.provider))
	require.Equal(t, "eu-west-1", d.provider["region"].StringValue())

	_, v = decodeAs(t, s, c, req)
	first = v.(decoded)
	_, err = s.Configure(t.Context(), &pulumirpc.ConfigureAnalyzerRequest{})
	require.NoError(t, err)
	d = stackDecoded(req)
	require.False(t, samePointer(first.props, d.props), "reused across Configure")
	require.True(t, sameProps(first.props, d.props))
}
