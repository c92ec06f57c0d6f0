package rules

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// statement is one IAM policy statement.
type statement struct {
	Sid       string
	Effect    string
	Action    []string
	NotAction []string
	Resource  []string
	Principal any
	Condition map[string]map[string]any
}

// policyDoc reads an IAM policy document input, given as a JSON string or
// an object. A document with unknown parts is unknown.
func policyDoc(m resource.PropertyMap, key string) ([]statement, state) {
	v, s := at(m, key)
	if s != known {
		return nil, s
	}
	var raw []byte
	switch {
	case v.IsString():
		if v.StringValue() == "" {
			return nil, absent
		}
		raw = []byte(v.StringValue())
	case v.IsObject():
		if v.ContainsUnknowns() {
			return nil, unknown
		}
		b, err := json.Marshal(v.ObjectValue().Mappable())
		if err != nil {
			return nil, absent
		}
		raw = b
	default:
		return nil, absent
	}
	var doc struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, unknown // not JSON yet: an unresolved interpolation
	}
	var list []map[string]any
	if err := json.Unmarshal(doc.Statement, &list); err != nil {
		var one map[string]any
		if json.Unmarshal(doc.Statement, &one) != nil {
			return nil, absent
		}
		list = []map[string]any{one}
	}
	out := make([]statement, 0, len(list))
	for _, st := range list {
		x := statement{Action: anyStrings(st["Action"]), NotAction: anyStrings(st["NotAction"]),
			Resource: anyStrings(st["Resource"]), Principal: st["Principal"], Condition: map[string]map[string]any{}}
		x.Sid, _ = st["Sid"].(string)
		x.Effect, _ = st["Effect"].(string)
		if c, ok := st["Condition"].(map[string]any); ok {
			for op, body := range c {
				if bm, ok := body.(map[string]any); ok {
					x.Condition[op] = bm
				}
			}
		}
		out = append(out, x)
	}
	return out, known
}

func anyStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
