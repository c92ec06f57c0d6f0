package controls_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/platformeng/coder-platform/internal/standards"
	"github.com/platformeng/coder-platform/policy/controls"
	"github.com/platformeng/coder-platform/policy/rules"
)

// Every policy the table cites is a policy of the pack.
func TestPoliciesExistInPack(t *testing.T) {
	for _, c := range controls.All() {
		for _, p := range c.Policies {
			if rules.Lookup(p) == nil {
				t.Errorf("%s cites policy %q, which is not in the pack (policy/rules.Pack)", c.ID, p)
			}
		}
	}
}

var (
	idRe   = regexp.MustCompile(`^[A-Za-z0-9]+\.[0-9]+$`)
	ruleRe = regexp.MustCompile(`^[A-Z0-9]+(_[A-Z0-9]+)*$`)
	nameRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

func TestTableWellFormed(t *testing.T) {
	ids, rules := map[string]bool{}, map[string]bool{}
	for _, c := range controls.All() {
		if !idRe.MatchString(c.ID) || c.Title == "" {
			t.Errorf("control %q: malformed ID or empty title", c.ID)
		}
		if !ruleRe.MatchString(c.ConfigRule) || !nameRe.MatchString(c.RuleName) {
			t.Errorf("%s: malformed Config rule %q / name %q", c.ID, c.ConfigRule, c.RuleName)
		}
		if ids[c.ID] {
			t.Errorf("%s listed twice", c.ID)
		}
		if rules[c.ConfigRule] {
			t.Errorf("%s: Config rule %s listed twice (one cfg.Rule per row)", c.ID, c.ConfigRule)
		}
		ids[c.ID], rules[c.ConfigRule] = true, true
	}
	if len(ids) < 15 {
		t.Errorf("only %d controls", len(ids))
	}
}

// The table's thresholds are the pack's.
func TestParametersMatchStandards(t *testing.T) {
	c, ok := controls.Lookup("cloudwatch.16")
	if !ok {
		t.Fatal("CloudWatch.16 missing")
	}
	if got := c.Parameters["MinRetentionTime"]; got != strconv.Itoa(standards.MinLogRetentionDays) {
		t.Errorf("MinRetentionTime = %s, want %d", got, standards.MinLogRetentionDays)
	}
	if p := rules.Lookup("secrets-rotation"); p != nil {
		c, _ := controls.Lookup("SecretsManager.4")
		if got, want := c.Parameters["maxDaysSinceRotation"], strconv.Itoa(p.Defaults().Int("maxDays")); got != want {
			t.Errorf("maxDaysSinceRotation = %s, want the pack's %s", got, want)
		}
	}
}

func TestAllIsACopy(t *testing.T) {
	a := controls.All()
	a[0].Policies[0] = "changed"
	for _, c := range controls.All() {
		if c.Parameters != nil {
			for k := range c.Parameters {
				c.Parameters[k] = "changed"
			}
		}
	}
	if controls.All()[0].Policies[0] == "changed" {
		t.Error("All shares its Policies slices")
	}
	c, _ := controls.Lookup("CloudWatch.16")
	if c.Parameters["MinRetentionTime"] == "changed" {
		t.Error("All shares its Parameters maps")
	}
	if got := controls.ForPolicy("iam-no-wildcard"); len(got) != 2 {
		t.Errorf("ForPolicy(iam-no-wildcard) = %d controls, want 2", len(got))
	}
}

// docs/policy.md embeds Markdown(); they must not drift apart.
func TestPolicyDocIsCurrent(t *testing.T) {
	data, err := os.ReadFile("../../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	start := strings.Index(doc, "<!-- controls-table -->\n")
	end := strings.Index(doc, "<!-- /controls-table -->")
	if start < 0 || end < start {
		t.Fatal("docs/policy.md has no controls-table markers")
	}
	if got := doc[start+len("<!-- controls-table -->\n") : end]; got != controls.Markdown() {
		t.Errorf("docs/policy.md's controls table is stale; paste controls.Markdown() between its markers:\n%s", controls.Markdown())
	}
}
