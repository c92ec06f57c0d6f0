package analyzer

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// session is what the codec decoded of the properties of one preview's
// Analyze calls, for the AnalyzeStack call that ends it: the engine sends
// every resource to Analyze and then all of them again to AnalyzeStack,
// with the same properties. A provider's properties, the same for every
// resource of the provider, are also reused from one Analyze call to the
// next.
//
// An entry is found by URN and used only when the properties arrive in an
// encoding of the same Struct: the same bytes, or bytes with the same
// fingerprint (below), so that a resource whose properties changed is
// decoded again. (Protobuf writes a Struct's entries in Go map order, which
// differs from one encoding of the same properties to the next, so the
// bytes alone seldom match.) Decoding depends on nothing but the Struct, so
// a map reused is the one decoding again would give.
//
// A session lasts one preview at most: Configure starts a new one, and
// AnalyzeStack takes the current one over and leaves a new one in its
// place, so memory does not grow from preview to preview. The maps it
// hands out are shared by the calls that reuse them: the policies only read
// a resource's properties.
type session struct {
	mu sync.RWMutex
	// resources and providers are keyed by URN: a provider's properties
	// as a resource's provider are not its inputs as a resource.
	resources, providers map[string]cachedProps
}

type cachedProps struct {
	// raw is the encoding props was decoded from: a substring of its
	// request, which the keys and strings of props point into anyway.
	raw   string
	props resource.PropertyMap
	// fp is the fingerprint of raw, when known (fpKnown) and raw has one
	// (fpOK). It is computed when a provider's properties are stored, as
	// they are looked up once per resource; a resource's, by the
	// AnalyzeStack call that looks it up (on every processor).
	fp            uint64
	fpKnown, fpOK bool
}

func newSession() *session {
	return &session{resources: map[string]cachedProps{}, providers: map[string]cachedProps{}}
}

// lookup is what was decoded for urn from an encoding of the Struct raw
// encodes, if anything.
func (s *session) lookup(provider bool, urn, raw string) resource.PropertyMap {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	c, ok := s.table(provider)[urn]
	s.mu.RUnlock()
	if !ok {
		return nil
	}
	if c.raw == raw {
		return c.props
	}
	if !c.fpKnown {
		c.fp, c.fpOK = fingerprint(c.raw)
	}
	if !c.fpOK {
		return nil
	}
	if fp, ok := fingerprint(raw); !ok || fp != c.fp {
		return nil
	}
	return c.props
}

// store records that raw decoded to props for urn.
func (s *session) store(provider bool, urn, raw string, props resource.PropertyMap) {
	if s == nil {
		return
	}
	c := cachedProps{raw: raw, props: props}
	if provider {
		c.fp, c.fpOK = fingerprint(raw)
		c.fpKnown = true
	}
	s.mu.Lock()
	s.table(provider)[urn] = c
	s.mu.Unlock()
}

func (s *session) table(provider bool) map[string]cachedProps {
	if provider {
		return s.providers
	}
	return s.resources
}

// fingerprintSeed makes fingerprints differ from process to process, so
// that no encoding can be made to collide with another on purpose.
var fingerprintSeed = maphash.MakeSeed()

// fingerprint is a hash of the encoded Struct raw that is the same for
// every order of the entries of every Struct in it (the order of lists'
// elements counts). Two encodings with the same fingerprint encode the same
// Struct, as the wire decoder reads it, but for a chance of 2⁻⁶⁴.
//
// It is made of the entries' keys and of the bytes of every Value that is
// neither a Struct nor a list, which the wire decoder decodes on their own,
// and it takes a Struct only as the wire decoder does (the same tags, map
// entries and depth). Not ok (no fingerprint: decode again) when the
// decoder would not take the encoding, or a Struct holds a key twice: the
// decoder keeps the last, so there the order of entries counts.
//
// Keys are not checked for UTF-8 as the decoder checks them: the bytes of
// a key that is not UTF-8 hash apart from those of every key that is (but
// for that chance), and only what the decoder took is ever looked up.
func fingerprint(raw string) (uint64, bool) {
	keys := keyHashes.Get().(*[]uint64)
	w := wire{src: raw}
	h, ks, ok := w.structHash(0, len(raw), 0, (*keys)[:0])
	*keys = ks
	keyHashes.Put(keys)
	return h, ok
}

// keyHashes holds the slices fingerprint finds keys twice with.
var keyHashes = sync.Pool{New: func() any { ks := make([]uint64, 0, 64); return &ks }}

// Marks of a Struct's and a list's hashes, so that an empty Struct and an
// empty list (or the same hashes summed and chained) hash apart.
const (
	hashedStruct = 0x9e3779b97f4a7c15
	hashedList   = 0xd6e8feb86659fd93
)

// mix is the hash of the pair (a, b), given that a and b are hashes:
// wyhash's mixing, a full 128-bit product folded.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^0xa0761d6478bd642f, b^0xe7037ed1a0b428db)
	return hi ^ lo
}

// structHash hashes the Struct at src[i:end] (as structAt reads it): the
// sum of its entries' hashes, which no order changes. keys holds the
// hashes of the keys of the Structs it is in, and is given back as it
// came.
func (w *wire) structHash(i, end, depth int, keys []uint64) (uint64, []uint64, bool) {
	if depth > maxDepth {
		return 0, keys, false
	}
	base := len(keys)
	var sum uint64
	for i < end {
		num, typ, next := w.tag(i, end)
		if next < 0 || num != structFields || typ != bytesType {
			return 0, keys[:base], false
		}
		start, stop := w.bytes(next, end)
		if start < 0 {
			return 0, keys[:base], false
		}
		i = stop
		key, vstart, vstop, ok := w.entryBytes(start, stop)
		if !ok {
			return 0, keys[:base], false
		}
		var vh uint64
		if vh, keys, ok = w.valueHash(vstart, vstop, depth, keys); !ok {
			return 0, keys[:base], false
		}
		kh := maphash.String(fingerprintSeed, key)
		keys = append(keys, kh)
		sum += mix(kh, vh)
	}
	mine := keys[base:]
	slices.Sort(mine)
	for k := 1; k < len(mine); k++ {
		if mine[k] == mine[k-1] {
			return 0, keys[:base], false
		}
	}
	return mix(sum, hashedStruct^uint64(len(mine))), keys[:base], true
}

// valueHash hashes the Value at src[i:end]: a Struct or a list by its
// contents, any other by its bytes (which valueAt decodes on their own).
func (w *wire) valueHash(i, end, depth int, keys []uint64) (uint64, []uint64, bool) {
	num, typ, next := w.tag(i, end)
	if next >= 0 && typ == bytesType && (num == valueStruct || num == valueList) {
		if start, stop := w.bytes(next, end); start >= 0 && stop == end {
			if num == valueStruct {
				return w.structHash(start, stop, depth+1, keys)
			}
			return w.listHash(start, stop, depth+1, keys)
		}
	}
	return maphash.String(fingerprintSeed, w.src[i:end]), keys, true
}

// listHash hashes the ListValue at src[i:end] (as listAt reads it), in
// order.
func (w *wire) listHash(i, end, depth int, keys []uint64) (uint64, []uint64, bool) {
	if depth > maxDepth {
		return 0, keys, false
	}
	var h, n uint64
	for i < end {
		num, typ, next := w.tag(i, end)
		if next < 0 || num != listValues || typ != bytesType {
			return 0, keys, false
		}
		start, stop := w.bytes(next, end)
		if start < 0 {
			return 0, keys, false
		}
		i = stop
		var vh uint64
		var ok bool
		if vh, keys, ok = w.valueHash(start, stop, depth, keys); !ok {
			return 0, keys, false
		}
		h, n = mix(h, vh), n+1
	}
	return mix(h, hashedList^n), keys, true
}
