package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/fakeaws"
	"github.com/platformeng/coder-platform/policy/controls"
)

func TestComplianceBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compliance"}, "--stack is required"},
		{[]string{"compliance", "--stack", "nope"}, "Pulumi.nope.yaml"},
		{[]string{"compliance", "--stack", "prod", "--bogus"}, "flag provided but not defined"},
		{[]string{"compliance", "--stack", "prod", "extra"}, `unexpected argument "extra"`},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with %q", tc.args, code, stderr, tc.want)
		}
	}
}

// editedProd writes a copy of the prod stack file with one change.
func editedProd(t *testing.T, old, new string) string {
	t.Helper()
	data, err := os.ReadFile("../../Pulumi.prod.yaml")
	require.NoError(t, err)
	require.Contains(t, string(data), old)
	file := filepath.Join(t.TempDir(), "Pulumi.prod.yaml")
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(string(data), old, new, 1)), 0o600))
	return file
}

func TestComplianceBothStacks(t *testing.T) {
	for _, stack := range []string{"prod", "workshop"} {
		code, out, errOut := runCLI(t, "compliance", "--stack", stack)
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "# Compliance of stack "+stack+": AWS Foundational Security Best Practices v1.0.0")
		assert.Contains(t, out, " 0 fail,")
		assert.Contains(t, out, "| S3.5 | S3 buckets should require requests to use Secure Socket Layer | `s3-tls-only` (pass) |")
	}
}

// Deletion protection turned off in a copy of prod: RDS.7 fails, exit 1.
func TestComplianceFailingControl(t *testing.T) {
	file := editedProd(t, "    readers: 1\n", "    readers: 1\n    deletionProtection: false\n")
	code, out, errOut := runCLI(t, "compliance", "--stack", "prod", "--config-file", file, "--json")
	require.Equal(t, exitFailure, code, errOut)
	assert.Contains(t, errOut, "1 claimed control(s) fail on the offline preview")
	var doc struct {
		Stack, Standard string
		Controls        []struct {
			ID, Verdict string
			Failing     []struct{ Policy, URN, Message string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Len(t, doc.Controls, len(controls.All()))
	for _, c := range doc.Controls {
		if c.ID != "RDS.7" {
			assert.NotEqual(t, "fail", c.Verdict, c.ID)
			continue
		}
		assert.Equal(t, "fail", c.Verdict)
		require.NotEmpty(t, c.Failing)
		assert.Equal(t, "data-store-protection", c.Failing[0].Policy)
		assert.Contains(t, c.Failing[0].URN, "aws:rds/cluster:Cluster")
	}
}

// A stack that does not subscribe FSBP claims nothing the table maps.
func TestComplianceStackWithoutFSBP(t *testing.T) {
	file := editedProd(t, "    findingsMinSeverity: 4\n", "    findingsMinSeverity: 4\n    securityHub:\n      standards: [cis]\n")
	code, _, errOut := runCLI(t, "compliance", "--stack", "prod", "--config-file", file)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "does not claim AWS Foundational Security Best Practices")
}

// --live reads the fake account through the default credential chain.
func TestComplianceLive(t *testing.T) {
	fake := fakeaws.New(t)
	awsAt(t, fake)
	// The name components/guard gives the rule, read from the preview.
	fake.Region("us-east-1").ConfigRules = []fakeaws.ConfigRule{{Name: "coder-prod-us-east-1-ec2-imdsv2-check", Compliance: "NON_COMPLIANT", NonCompliant: 1}}
	fake.Region("us-east-1").Findings = []fakeaws.Finding{{ID: "f-1", ControlID: "EC2.8", GeneratorID: "security-control/EC2.8",
		Status: "FAILED", RecordState: "ACTIVE", Workflow: "NEW", ResourceID: "arn:aws:ec2:us-east-1:111122223333:instance/i-1", Title: "IMDSv2", Severity: "HIGH"}}
	code, out, errOut := runCLI(t, "compliance", "--stack", "prod", "--live")
	require.Equal(t, exitOK, code, "live results are reported, not gated on: %s", errOut)
	assert.Contains(t, out, "Live: AWS Config and Security Hub in us-east-1.")
	assert.Contains(t, out, "| **pass** | us-east-1: NON_COMPLIANT (1 resources) | 1 |")
	assert.Contains(t, out, "| **pass** | us-east-1: NOT_DEPLOYED | 0 |")
	assert.Contains(t, out, "- Security Hub us-east-1 arn:aws:ec2:us-east-1:111122223333:instance/i-1 (HIGH): IMDSv2")

	fake.Deny["config:DescribeComplianceByConfigRule"] = true
	code, _, errOut = runCLI(t, "compliance", "--stack", "prod", "--live")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "reading live compliance: config:DescribeComplianceByConfigRule in us-east-1")
}
