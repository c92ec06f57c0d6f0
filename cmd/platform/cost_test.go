package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCostBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cost"}, "--stack is required"},
		{[]string{"cost", "--stack", "nope"}, "Pulumi.nope.yaml"},
		{[]string{"cost", "--stack", "prod", "--bogus"}, "flag provided but not defined"},
		{[]string{"cost", "--stack", "prod", "extra"}, `unexpected argument "extra"`},
		{[]string{"cost", "--stack", "prod", "--json", "--compare", "Pulumi.workshop.yaml"}, "cannot be combined"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestCostJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "cost", "--stack", "prod", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Currency       string           `json:"currency"`
		TotalMonthly   float64          `json:"totalMonthly"`
		PerUserMonthly float64          `json:"perUserMonthly"`
		Lines          []map[string]any `json:"lines"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not one JSON object: %v", err)
	}
	if doc.Currency != "USD" || doc.TotalMonthly <= 0 || doc.PerUserMonthly <= 0 || len(doc.Lines) == 0 {
		t.Fatalf("doc: %+v", doc)
	}
	for _, l := range doc.Lines {
		for _, k := range []string{"urn", "type", "region", "monthly", "basis"} {
			if _, ok := l[k]; !ok {
				t.Fatalf("line without %s: %v", k, l)
			}
		}
	}
}

func TestCostTextAndCompare(t *testing.T) {
	data, err := os.ReadFile("../../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// One more Aurora reader: one more Serverless v2 instance.
	other := filepath.Join(t.TempDir(), "Pulumi.prod.yaml")
	if err := os.WriteFile(other, []byte(strings.Replace(string(data), "readers: 1", "readers: 2", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "cost", "--stack", "prod", "--compare", other)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"us-east-1 · cluster:Cluster", "Total: $", "per user", "1 line(s) differ",
		"ClusterInstance coder-prod-us-east-1-reader-2 ACU-hours", "+1467.30"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}
