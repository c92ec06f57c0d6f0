package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Source yields raw config values by key, without the project namespace.
// Structured values are JSON, as Pulumi passes them to programs.
type Source interface {
	Get(key string) (string, bool)
	IsSecret(key string) bool
	// Sealed reports a secret this process holds only as ciphertext (a
	// stack file read without its secrets provider): present, unreadable.
	Sealed(key string) bool
	// Keys lists every key the source holds, or nil when it cannot tell.
	Keys() []string
}

// MapSource is a Source over a plain map (tests, the offline preview).
type MapSource struct {
	Values  map[string]string
	Secrets map[string]bool
	// SealedKeys are secrets given only as ciphertext.
	SealedKeys map[string]bool
}

func (m MapSource) Get(k string) (string, bool) { v, ok := m.Values[k]; return v, ok }
func (m MapSource) IsSecret(k string) bool      { return m.Secrets[k] }
func (m MapSource) Sealed(k string) bool        { return m.SealedKeys[k] }
func (m MapSource) Keys() []string {
	out := make([]string, 0, len(m.Values))
	for k := range m.Values {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Load reads, defaults and validates the whole stack config at the wall
// clock's time. It returns a *ValidationError listing every problem, or the
// stack's Plan, ready to deploy.
func Load(project, stack string, src Source) (*Plan, error) {
	return LoadAt(project, stack, src, time.Now())
}

// LoadAt is Load at the instant now: the only time the config reads, so
// that tests fix it (workshop event actions in the past, DST checks).
func LoadAt(project, stack string, src Source, now time.Time) (*Plan, error) {
	pl := &Plan{Stack: Stack{Project: project, Name: stack, secrets: map[string]secret{}, Now: now},
		regions: map[string]RegionPlan{}, proxyTokens: map[string]bool{}}
	p := &problems{}
	decode(&pl.Stack, src, p)
	if len(p.list) == 0 {
		applyDefaults(&pl.Stack)
		validate(pl, p)
	}
	if err := p.err(stack); err != nil {
		return nil, err
	}
	pl.built = true
	return pl, nil
}

// decode fills s from src, reporting unknown keys and type mismatches.
func decode(s *Stack, src Source, p *problems) {
	rv := reflect.ValueOf(s).Elem()
	known := map[string]bool{}
	for _, k := range SecretKeys() {
		known[k] = true
		if v, ok := src.Get(k); ok && v != "" {
			if !src.IsSecret(k) {
				p.add(k, secretValue{}, "must be set as a secret: pulumi config set --secret %s ...", k)
			}
			s.secrets[k] = secret{state: SecretReadable, value: v}
			if src.Sealed(k) {
				s.secrets[k] = secret{state: SecretSealed}
			}
		}
	}
	decodeFields(rv, src, p, known)
}

// decodeFields fills the config-tagged fields of the struct rv from src and
// reports keys src holds that neither rv nor known has.
func decodeFields(rv reflect.Value, src Source, p *problems, known map[string]bool) {
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		key := jsonName(f)
		if key == "-" {
			continue
		}
		known[key] = true
		raw, ok := src.Get(key)
		if !ok {
			continue
		}
		if src.IsSecret(key) {
			p.add(key, secretValue{}, "is not a secret setting; set it with pulumi config set (without --secret)")
			continue
		}
		decodeField(rv.Field(i), f.Type, key, raw, p)
	}
	for _, k := range src.Keys() {
		if !known[k] {
			p.add(k, "set", "unknown key; allowed keys: %s", strings.Join(sortedKeys(known), ", "))
		}
	}
}

func decodeField(dst reflect.Value, t reflect.Type, key, raw string, p *problems) {
	if t.Kind() == reflect.String {
		dst.SetString(raw)
		return
	}
	var generic any
	if err := json.Unmarshal([]byte(raw), &generic); err != nil {
		p.add(key, raw, "must be JSON-structured YAML matching docs/config-reference.md (%v)", err)
		return
	}
	before := len(p.list)
	checkKeys(generic, t, key, p)
	if len(p.list) > before {
		return
	}
	if err := json.Unmarshal([]byte(raw), dst.Addr().Interface()); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			path := key
			if te.Field != "" {
				path = key + "." + te.Field
			}
			p.add(path, description("a "+te.Value), "must be of type %s", typeName(te.Type))
			return
		}
		p.add(key, raw, "cannot be read: %v", err)
	}
}

// checkKeys walks a decoded JSON value against the Go type and reports keys
// the type does not have, with their full path.
func checkKeys(v any, t reflect.Type, path string, p *problems) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			if v != nil {
				p.add(path, fmt.Sprint(v), "must be an object")
			}
			return
		}
		fields := map[string]reflect.StructField{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if n := jsonName(f); n != "-" {
				fields[n] = f
			}
		}
		for k, sub := range m {
			f, ok := fields[k]
			if !ok {
				names := make(map[string]bool, len(fields))
				for n := range fields {
					names[n] = true
				}
				p.add(path+"."+k, "set", "unknown key; allowed keys here: %s", strings.Join(sortedKeys(names), ", "))
				continue
			}
			checkKeys(sub, f.Type, path+"."+k, p)
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			if v != nil {
				p.add(path, fmt.Sprint(v), "must be a list")
			}
			return
		}
		for i, sub := range arr {
			checkKeys(sub, t.Elem(), fmt.Sprintf("%s[%d]", path, i), p)
		}
	case reflect.Map:
		if m, ok := v.(map[string]any); ok {
			for k, sub := range m {
				checkKeys(sub, t.Elem(), path+"."+k, p)
			}
		}
	}
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return "-"
	}
	return name
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "integer"
	case reflect.Float64, reflect.Float32:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		return "list"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return t.Kind().String()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TopLevelKeys lists the keys a stack file may set: the fields of Stack and
// the secret keys. Pulumi.yaml must declare exactly these.
func TopLevelKeys() (plain, secret []string) {
	rt := reflect.TypeOf(Stack{})
	for i := 0; i < rt.NumField(); i++ {
		if key := jsonName(rt.Field(i)); key != "-" {
			plain = append(plain, key)
		}
	}
	secret = SecretKeys()
	sort.Strings(plain)
	sort.Strings(secret)
	return plain, secret
}
