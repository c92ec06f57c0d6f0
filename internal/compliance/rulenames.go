package compliance

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
)

// tConfigRule is the resource the security component deploys per rule.
const tConfigRule = "aws:cfg/rule:Rule"

// RuleNames maps region → managed rule identifier → the name of the AWS
// Config rule the stack deploys there.
type RuleNames map[string]map[string]string

// DeployedRules reads the Config rules the preview registers: their name
// and source identifier, in their provider's region. Rules are read from
// the preview rather than rebuilt from a naming scheme, so the live report
// asks AWS for exactly what `pulumi up` created.
func DeployedRules(rs []*preview.Resource) RuleNames {
	out := RuleNames{}
	for _, r := range gate.Resources(rs) {
		if r.Type != tConfigRule || r.Provider == nil {
			continue
		}
		name, region := knownString(r.Props, "name"), knownString(r.Provider.Props, "region")
		src, ok := r.Props["source"]
		if !ok || !src.IsObject() || name == "" || region == "" {
			continue
		}
		id := knownString(src.ObjectValue(), "sourceIdentifier")
		if id == "" {
			continue
		}
		if out[region] == nil {
			out[region] = map[string]string{}
		}
		out[region][id] = name
	}
	return out
}

// ruleNames are the rule names to ask a region about, by control ID: the
// deployed ones when the preview registers Config rules, else (before the
// security component deploys any) the managed identifiers themselves, with
// a rule over global resources asked of the home region only.
func (r *Report) ruleNames(deployed RuleNames, region, home string) map[string]string {
	out := map[string]string{}
	for _, c := range r.Controls {
		switch {
		case c.ConfigRule == "":
		case len(deployed) > 0:
			if n := deployed[region][c.ConfigRule]; n != "" {
				out[c.ID] = n
			}
		case !c.global || region == home:
			out[c.ID] = c.ConfigRule
		}
	}
	return out
}

func knownString(m resource.PropertyMap, key string) string {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return ""
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return ""
	}
	return v.StringValue()
}
