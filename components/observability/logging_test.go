package observability

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// splitRule is Fluent Bit 1.9.10's flb_slist_split_tokens(list, rule, 4)
// (src/flb_slist.c), which rewrite_tag uses to read a Rule: tokens split on
// spaces; a token that starts with a double quote runs to the next
// unescaped quote; after four tokens the rest is appended whole.
func splitRule(s string) []string {
	var out []string
	for s != "" {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		if len(out) == 4 {
			out = append(out, s)
			break
		}
		var tok string
		if s[0] == '"' {
			end := 1
			for end < len(s) && (s[end] != '"' || s[end-1] == '\\') {
				end++
			}
			tok, s = strings.ReplaceAll(s[1:end], `\"`, `"`), s[min(end+1, len(s)):]
		} else {
			end := strings.IndexByte(s, ' ')
			if end < 0 {
				end = len(s)
			}
			tok, s = s[:end], s[end:]
		}
		out = append(out, tok)
	}
	return out
}

// rules returns the Rule lines of a filter.
func rules(filter string) []string {
	var out []string
	for _, line := range strings.Split(filter, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Rule"); ok {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

func TestSplitRuleIsFluentBits(t *testing.T) {
	// The defect this guards against: a leading quote ends the regex early,
	// and the keep flag becomes the tag.
	assert.Equal(t, []string{"$log", "msg", `:"audit_log"`, "coder.audit", "false"},
		splitRule(`$log "msg":"audit_log" coder.audit false`))
	assert.Equal(t, []string{"$log", `a "b" c`, "t", "true"}, splitRule(`$log "a \"b\" c" t true`))
}

// Regression: the audit rule's leading quote made Fluent Bit read regex
// `msg`, tag `:"audit_log"` and an invalid keep flag, which dropped every
// coderd log line.
func TestAuditRuleParsesIntoKeyRegexTagKeep(t *testing.T) {
	rs := rules(auditFilter)
	require.Len(t, rs, 1)
	tok := splitRule(rs[0])
	require.Len(t, tok, 4, "KEY REGEX TAG KEEP: %q", tok)
	assert.Equal(t, "$"+mergeLogKey+"['msg']", tok[0], "the msg field merged from the JSON line")
	assert.Equal(t, "^"+AuditMessage+"$", tok[1])
	assert.Equal(t, "coder.audit", tok[2], "the tag auditOutput matches")
	assert.Contains(t, auditOutput, "Match             "+tok[2])
	assert.Equal(t, "false", tok[3], "audit lines leave the container stream")
}
