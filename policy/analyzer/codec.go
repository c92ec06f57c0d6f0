package analyzer

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// codec is the server's gRPC codec: protobuf, as the default one, except
// that the resource properties of AnalyzeRequest and AnalyzeStackRequest
// are decoded from the wire straight into PropertyMaps.
//
// A Struct decoded by protobuf and then by the SDK costs a message, a map
// entry and a oneof wrapper per value, twice; that was most of a call's
// time in the server. The properties of the resource and of its provider
// are left out of the request protobuf decodes, decoded by the wire decoder
// (wire.go) instead, and wait in predecoded for the handler, keyed by the
// request. When the wire decoder gives up (on anything but the plain
// encoding, or a value the SDK rejects), the whole request is decoded as
// before, so results and errors are always those of protobuf and the SDK.
//
// With a session (the server's), the properties the Analyze requests
// decoded are kept for the AnalyzeStack call that follows, which reuses
// them rather than decoding the same properties again, and a provider's
// properties are decoded once for all its resources (session.go).
type codec struct {
	proto      encoding.CodecV2
	predecoded *sync.Map // *pulumirpc.AnalyzeRequest → decoded; *pulumirpc.AnalyzeStackRequest → []decoded
	// session, when not nil, holds the current preview's session.
	session *atomic.Pointer[session]
}

func newCodec(predecoded *sync.Map) *codec {
	return &codec{proto: encoding.GetCodecV2(protocodec.Name), predecoded: predecoded}
}

func (c *codec) Name() string { return c.proto.Name() }

func (c *codec) Marshal(v any) (mem.BufferSlice, error) { return c.proto.Marshal(v) }

func (c *codec) Unmarshal(data mem.BufferSlice, v any) error {
	switch m := v.(type) {
	case *pulumirpc.AnalyzeRequest:
		if c.fastAnalyze(data, m) {
			return nil
		}
	case *pulumirpc.AnalyzeStackRequest:
		if c.fastAnalyzeStack(data, m) {
			return nil
		}
	}
	return c.proto.Unmarshal(data, v)
}

// resourcesField is the resources of AnalyzeStackRequest
// (pulumi/proto/analyzer.proto).
const resourcesField protowire.Number = 1

// decoded is what the codec decoded of a resource of a request; a nil map
// was absent from the request.
type decoded struct {
	props, provider resource.PropertyMap
}

// merge decodes a run of fields into a message: protobuf decodes a message
// split into runs, merged in order, as it decodes the whole.
var merge = proto.UnmarshalOptions{Merge: true}

// request is the encoding of a request, as bytes (for protobuf) and as one
// string (for the wire decoder, whose strings are substrings of it).
type request struct {
	b []byte
	s string
}

func (c *codec) fastAnalyze(data mem.BufferSlice, m *pulumirpc.AnalyzeRequest) bool {
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	r := request{b: buf.ReadOnlyData()}
	r.s = string(r.b)
	var sess *session
	if c.session != nil {
		sess = c.session.Load()
	}
	d, ok := r.resource(0, len(r.b), m, func(p *pulumirpc.AnalyzerProviderResource) { m.Provider = p }, sess, true)
	if !ok {
		return false
	}
	c.predecoded.Store(m, d)
	return true
}

func (c *codec) fastAnalyzeStack(data mem.BufferSlice, m *pulumirpc.AnalyzeStackRequest) bool {
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	r := request{b: buf.ReadOnlyData()}
	r.s = string(r.b)
	// Where each resource is; the request's other fields go to protobuf.
	var spans [][2]int
	if !r.runs(0, len(r.b), m, func(_ protowire.Number, i, end int) bool {
		spans = append(spans, [2]int{i, end})
		return true
	}, resourcesField, 0) {
		return false
	}
	// This call ends the preview: what its Analyze calls decoded is
	// reused, and the next preview starts afresh.
	var sess *session
	if c.session != nil {
		sess = c.session.Swap(newSession())
	}
	// The resources are independent: decode them on every processor, in
	// chunks (a stack is a few hundred resources, each a few microseconds).
	res := make([]*pulumirpc.AnalyzerResource, len(spans))
	ds := make([]decoded, len(spans))
	workers := min(runtime.GOMAXPROCS(0), (len(spans)+63)/64)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w * len(spans) / workers; k < (w+1)*len(spans)/workers && !failed.Load(); k++ {
				x := &pulumirpc.AnalyzerResource{}
				d, ok := r.resource(spans[k][0], spans[k][1], x, func(p *pulumirpc.AnalyzerProviderResource) { x.Provider = p }, sess, false)
				if !ok {
					failed.Store(true)
					return
				}
				res[k], ds[k] = x, d
			}
		}()
	}
	wg.Wait()
	if failed.Load() {
		return false
	}
	if len(res) > 0 {
		m.Resources = res
	}
	c.predecoded.Store(m, ds)
	return true
}

// Field numbers of AnalyzeRequest and AnalyzerResource (the same for the
// fields both have) and AnalyzerProviderResource.
const (
	propertiesField protowire.Number = 2
	providerField   protowire.Number = 6
)

// resource decodes the resource message (an AnalyzeRequest or
// AnalyzerResource) at [i:end] into m: its properties and its provider's
// with the wire decoder, into d, everything else with protobuf. Properties
// sess holds for the resource's (or provider's) URN, decoded from an
// encoding of the same Struct, are taken from it rather than decoded again;
// with keep, those decoded here are added to it.
func (r request) resource(i, end int, m urnMessage, setProvider func(*pulumirpc.AnalyzerProviderResource), sess *session, keep bool) (d decoded, ok bool) {
	// Where the properties are: they are decoded once the URNs, which
	// usually follow them, are known.
	var props, providerProps span
	var p *pulumirpc.AnalyzerProviderResource
	ok = r.runs(i, end, m, func(num protowire.Number, i, end int) bool {
		switch {
		case num == propertiesField && !props.present:
			props = span{i, end, true}
			return true
		case num == providerField && p == nil:
			p = &pulumirpc.AnalyzerProviderResource{}
			return r.runs(i, end, p, func(_ protowire.Number, i, end int) bool {
				if providerProps.present {
					return false
				}
				providerProps = span{i, end, true}
				return true
			}, propertiesField, 0)
		}
		return false // a second occurrence, which protobuf would merge into the first
	}, propertiesField, providerField)
	if !ok {
		return d, false
	}
	if props.present {
		if d.props, ok = r.properties(props, false, m.GetUrn(), sess, keep); !ok {
			return d, false
		}
	}
	if p != nil {
		if providerProps.present {
			if d.provider, ok = r.properties(providerProps, true, p.GetUrn(), sess, keep); !ok {
				return d, false
			}
		}
		setProvider(p)
	}
	return d, true
}

// urnMessage is a resource message: AnalyzeRequest or AnalyzerResource.
type urnMessage interface {
	proto.Message
	GetUrn() string
}

// span is where a field's payload is in a request.
type span struct {
	i, end  int
	present bool
}

// properties is the Struct at s decoded, or as sess has it for urn from an
// encoding of the same Struct.
func (r request) properties(s span, provider bool, urn string, sess *session, keep bool) (resource.PropertyMap, bool) {
	raw := r.s[s.i:s.end]
	if pm := sess.lookup(provider, urn, raw); pm != nil {
		return pm, true
	}
	pm, ok := wireProperties(r.s, s.i, s.end)
	if ok && keep {
		sess.store(provider, urn, raw, pm)
	}
	return pm, ok
}

// runs decodes the message at [i:end] into m with protobuf, except for the
// length-delimited fields x and y (0: none), whose payloads it passes to f
// in order instead; not ok when the message is malformed, x or y is not
// length-delimited, protobuf fails or f does.
func (r request) runs(i, end int, m proto.Message, f func(num protowire.Number, i, end int) bool, x, y protowire.Number) bool {
	start := i
	flush := func(stop int) bool {
		return stop == start || merge.Unmarshal(r.b[start:stop], m) == nil
	}
	for i < end {
		num, typ, n := protowire.ConsumeTag(r.b[i:end])
		if n < 0 {
			return false
		}
		vn := protowire.ConsumeFieldValue(num, typ, r.b[i+n:end])
		if vn < 0 {
			return false
		}
		if num == x || num == y {
			if typ != protowire.BytesType || !flush(i) {
				return false
			}
			_, ln := protowire.ConsumeVarint(r.b[i+n : end])
			if !f(num, i+n+ln, i+n+vn) {
				return false
			}
			start = i + n + vn
		}
		i += n + vn
	}
	return flush(end)
}
