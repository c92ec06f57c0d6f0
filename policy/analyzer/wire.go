package analyzer

import (
	"math"
	"unicode/utf8"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// The wire decoder: an encoded google.protobuf.Struct straight to the
// PropertyMap decodeProperties makes of it.
//
// It reads one string holding the whole request, so that keys and string
// values are substrings of it rather than an allocation each. It takes only
// the plain encoding every protobuf encoder writes: one field per Value, a
// key and a value per map entry, nothing unknown, valid UTF-8, varints of
// at most 9 bytes. Unknowns and signed objects (secrets, assets, archives,
// resource references, output values) go to the SDK's decoder. Anything
// else, or anything the SDK rejects, and the decoder gives up (not ok): the
// caller then decodes as protobuf and the SDK always did.

// wireProperties is decodeProperties of the Struct encoded at src[i:end].
func wireProperties(src string, i, end int) (resource.PropertyMap, bool) {
	w := wire{src: src}
	m, signed, ok := w.structAt(i, end, 0)
	if !ok || signed {
		return nil, false
	}
	if w.odd {
		m = resource.ToResourcePropertyMap(resource.FromResourcePropertyMap(m))
	}
	return m, true
}

type wire struct {
	src string
	// odd is set when a value the SDK decoded is not in the form the
	// property.Map round trip gives it (everything decoded here is).
	odd bool
}

// maxDepth bounds the decoder's recursion; deeper values take the usual
// path (protobuf has its own limit).
const maxDepth = 64

// Field numbers and wire types of google.protobuf.Struct, its map entries,
// Value and ListValue.
const (
	structFields = 1
	entryKey     = 1
	entryValue   = 2
	valueNull    = 1
	valueNumber  = 2
	valueString  = 3
	valueBool    = 4
	valueStruct  = 5
	valueList    = 6
	listValues   = 1

	varintType  = 0
	fixed64Type = 1
	bytesType   = 2
)

// varint reads a varint at i; next < 0 when there is none.
func (w *wire) varint(i, end int) (v uint64, next int) {
	for shift := uint(0); shift < 63; shift += 7 {
		if i >= end {
			return 0, -1
		}
		c := w.src[i]
		i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, i
		}
	}
	return 0, -1 // ten bytes or more: protobuf's business
}

// tag reads a field's tag at i.
func (w *wire) tag(i, end int) (num int, typ int, next int) {
	v, next := w.varint(i, end)
	if next < 0 || v>>3 == 0 || v>>3 > math.MaxInt32 {
		return 0, 0, -1
	}
	return int(v >> 3), int(v & 7), next
}

// bytes reads a length-delimited payload at i: it is src[start:stop].
func (w *wire) bytes(i, end int) (start, stop int) {
	n, i := w.varint(i, end)
	if i < 0 || n > uint64(end-i) {
		return -1, -1
	}
	return i, i + int(n)
}

// structAt decodes the Struct at src[i:end]; a signed object is reported,
// not decoded.
func (w *wire) structAt(i, end, depth int) (m resource.PropertyMap, signed, ok bool) {
	if depth > maxDepth {
		return nil, false, false
	}
	count := 0
	for j := i; j < end; count++ {
		num, typ, next := w.tag(j, end)
		if next < 0 || num != structFields || typ != bytesType {
			return nil, false, false
		}
		if _, j = w.bytes(next, end); j < 0 {
			return nil, false, false
		}
	}
	m = make(resource.PropertyMap, count)
	for i < end {
		_, _, next := w.tag(i, end)
		start, stop := w.bytes(next, end)
		i = stop
		key, vstart, vstop, ok := w.entry(start, stop)
		if !ok {
			return nil, false, false
		}
		if key == string(resource.SigKey) {
			return nil, true, true
		}
		v, ok := w.valueAt(vstart, vstop, depth)
		if !ok {
			return nil, false, false
		}
		m[resource.PropertyKey(key)] = v // a key twice: the last wins, as in protobuf
	}
	return m, false, true
}

// entry reads a map entry at src[i:end]: its key and where its Value is.
func (w *wire) entry(i, end int) (key string, vstart, vstop int, ok bool) {
	if key, vstart, vstop, ok = w.entryBytes(i, end); !ok || !utf8.ValidString(key) {
		return "", 0, 0, false
	}
	return key, vstart, vstop, true
}

// entryBytes is entry, with a key that need not be UTF-8.
func (w *wire) entryBytes(i, end int) (key string, vstart, vstop int, ok bool) {
	haveKey, haveValue := false, false
	for i < end {
		num, typ, next := w.tag(i, end)
		if next < 0 || typ != bytesType {
			return "", 0, 0, false
		}
		start, stop := w.bytes(next, end)
		if start < 0 {
			return "", 0, 0, false
		}
		i = stop
		switch {
		case num == entryKey && !haveKey:
			key, haveKey = w.src[start:stop], true
		case num == entryValue && !haveValue:
			vstart, vstop, haveValue = start, stop, true
		default:
			return "", 0, 0, false
		}
	}
	return key, vstart, vstop, haveValue
}

// valueAt decodes the Value at src[i:end] as plugin.UnmarshalPropertyValue
// does.
func (w *wire) valueAt(i, end, depth int) (resource.PropertyValue, bool) {
	num, typ, i := w.tag(i, end)
	if i < 0 {
		return resource.PropertyValue{}, false
	}
	var v resource.PropertyValue
	next := -1
	switch {
	case num == valueNull && typ == varintType:
		_, next = w.varint(i, end)
		v = resource.NewNullProperty()
	case num == valueBool && typ == varintType:
		var x uint64
		x, next = w.varint(i, end)
		v = resource.NewProperty(x != 0)
	case num == valueNumber && typ == fixed64Type:
		if end-i >= 8 {
			var x uint64
			for k := 7; k >= 0; k-- {
				x = x<<8 | uint64(w.src[i+k])
			}
			v = resource.NewProperty(math.Float64frombits(x))
			next = i + 8
		}
	case num == valueString && typ == bytesType:
		start, stop := w.bytes(i, end)
		if start < 0 {
			return resource.PropertyValue{}, false
		}
		s := w.src[start:stop]
		if !utf8.ValidString(s) {
			return resource.PropertyValue{}, false
		}
		if isUnknownSentinel(s) {
			var ok bool
			if v, ok = w.sdk(structpb.NewStringValue(s)); !ok {
				return resource.PropertyValue{}, false
			}
		} else {
			v = resource.NewProperty(s)
		}
		next = stop
	case num == valueStruct && typ == bytesType:
		start, stop := w.bytes(i, end)
		if start < 0 {
			return resource.PropertyValue{}, false
		}
		m, signed, ok := w.structAt(start, stop, depth+1)
		if !ok {
			return resource.PropertyValue{}, false
		}
		if signed {
			// The SDK's decoder, on the Struct as protobuf decodes it.
			st := &structpb.Struct{}
			if proto.Unmarshal([]byte(w.src[start:stop]), st) != nil {
				return resource.PropertyValue{}, false
			}
			if v, ok = w.sdk(structpb.NewStructValue(st)); !ok {
				return resource.PropertyValue{}, false
			}
		} else {
			v = resource.NewProperty(m)
		}
		next = stop
	case num == valueList && typ == bytesType:
		start, stop := w.bytes(i, end)
		if start < 0 {
			return resource.PropertyValue{}, false
		}
		elems, ok := w.listAt(start, stop, depth+1)
		if !ok {
			return resource.PropertyValue{}, false
		}
		v = resource.NewProperty(elems)
		next = stop
	}
	// Exactly one field: a second would override or merge the first.
	if next != end {
		return resource.PropertyValue{}, false
	}
	return v, true
}

// listAt decodes the ListValue at src[i:end].
func (w *wire) listAt(i, end, depth int) ([]resource.PropertyValue, bool) {
	if depth > maxDepth {
		return nil, false
	}
	count := 0
	for j := i; j < end; count++ {
		num, typ, next := w.tag(j, end)
		if next < 0 || num != listValues || typ != bytesType {
			return nil, false
		}
		if _, j = w.bytes(next, end); j < 0 {
			return nil, false
		}
	}
	elems := make([]resource.PropertyValue, 0, count)
	for i < end {
		_, _, next := w.tag(i, end)
		start, stop := w.bytes(next, end)
		i = stop
		v, ok := w.valueAt(start, stop, depth)
		if !ok {
			return nil, false
		}
		elems = append(elems, v)
	}
	return elems, true
}

// sdk is the SDK's decoding of one value; not ok when it fails or panics.
func (w *wire) sdk(v *structpb.Value) (pv resource.PropertyValue, ok bool) {
	defer func() {
		if recover() != nil {
			pv, ok = resource.PropertyValue{}, false
		}
	}()
	p, err := plugin.UnmarshalPropertyValue("", v, unmarshal)
	if err != nil || p == nil {
		return resource.PropertyValue{}, false
	}
	if !canonical(*p) {
		w.odd = true
	}
	return *p, true
}
