package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/fakeaws"
)

// awsAt points the default credential chain at a fake account, as a user's
// environment points the CLI at AWS.
func awsAt(t *testing.T, fake *fakeaws.Server) {
	t.Setenv("AWS_ENDPOINT_URL", fake.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
}

func TestPreflightCommand(t *testing.T) {
	fake := fakeaws.New(t)
	fake.Plenty = 100000
	awsAt(t, fake)
	code, out, errOut := runCLI(t, "preflight", "--stack", "workshop")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Every quota has room for the stack (53 checked)")
	for _, region := range []string{"us-east-2", "us-west-2", "eu-west-2"} {
		assert.Contains(t, out, region)
	}

	fake.Applied["eu-west-2/vpc/L-FE5A380F"] = 1
	fake.Region("eu-west-2").NATs = []fakeaws.NAT{{ID: "nat-x", VpcID: "vpc-other", SubnetID: "subnet-x", State: "available"}}
	fake.Region("eu-west-2").Subnets["subnet-x"] = "eu-west-2b"
	code, out, _ = runCLI(t, "preflight", "--stack", "workshop")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, out, "1 quota(s) fall short")
	assert.Contains(t, out, "aws service-quotas request-service-quota-increase --region eu-west-2 --service-code vpc --quota-code L-FE5A380F --desired-value 2")

	code, out, _ = runCLI(t, "preflight", "--stack", "workshop", "--request")
	assert.Equal(t, exitFailure, code, "a filed request is not an approved one")
	assert.Contains(t, out, "eu-west-2 L-FE5A380F: requested 2 (request req-1, PENDING)")

	fake.Deny["ec2:DescribeVpcs"] = true
	code, _, errOut = runCLI(t, "preflight", "--stack", "workshop")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "ec2:DescribeVpcs in us-east-2 was denied (UnauthorizedOperation")

	code, _, _ = runCLI(t, "preflight")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCLI(t, "preflight", "--stack", "nosuchstack")
	assert.Equal(t, exitUsage, code)
}

func TestPolicySummary(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/preview-prod.json"
	code, _, errOut := runCLI(t, "preview", "--stack", "prod", "--json", path)
	require.Equal(t, exitOK, code, errOut)
	code, out, errOut := runCLI(t, "policy", "summary", path)
	require.Equal(t, exitOK, code, errOut)
	assert.True(t, strings.HasPrefix(out, SummaryMarker+"\n"), "the marker finds the comment to update")
	assert.Regexp(t, "\\| `preview-prod` \\| [0-9]+ \\| 0 \\| 0 \\| 0 \\| 0 \\| 0 ✅ \\| [0-9]+ \\|", out)
	code, _, _ = runCLI(t, "policy", "summary")
	assert.Equal(t, exitUsage, code)
}

func TestDeployDryRunPrintsStages(t *testing.T) {
	code, out, errOut := runCLI(t, "deploy", "--stack", "workshop", "--dry-run", "--from", "v2.34.2")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "0 mandatory")
	assert.Contains(t, out, "Stage 1/2: control plane to v2.35.1 (proxy regions excluded)")
	assert.Contains(t, out, "exclude urn:pulumi:workshop::coder-platform::coder:stacks:Region::us-west-2 (and its dependents)")
	assert.Contains(t, out, "Stage 2/2: proxy regions to v2.35.1")
	assert.Contains(t, out, "note: changes to the database's backup copy in us-west-2 (a proxy region) wait for stage 2")
	code, out, errOut = runCLI(t, "deploy", "--stack", "prod", "--dry-run", "--from", "v2.34.2")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Stage 1/1: update every region")
	code, out, errOut = runCLI(t, "deploy", "--stack", "workshop", "--dry-run", "--from", "none")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Stage 1/1: first deployment of every region")
	assert.Contains(t, out, "coderd starts once its secrets are filled")
	code, _, _ = runCLI(t, "deploy", "--stack", "workshop", "--wait", "0s")
	assert.Equal(t, exitUsage, code)
	code, _, errOut = runCLI(t, "deploy", "--stack", "workshop", "--config-file", "Pulumi.workshop.yaml")
	assert.Equal(t, exitUsage, code, "deploy takes the committed stack file only")
	assert.Contains(t, errOut, "flag provided but not defined: -config-file")
}

func TestWorkshopCheckRefusesBadInput(t *testing.T) {
	t.Setenv("CODER_SESSION_TOKEN", "token")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"workshop"}, "usage: platform workshop check"},
		{[]string{"workshop", "status"}, "usage: platform workshop check"},
		{[]string{"workshop", "check"}, "--stack is required"},
		{[]string{"workshop", "check", "--stack", "workshop", "--at", "tomorrow"}, `--at "tomorrow": must be an RFC 3339 time`},
		{[]string{"workshop", "check", "--stack", "prod"}, "stack prod declares no workshop (scaling.event)"},
		{[]string{"workshop", "check", "--stack", "workshop", "--token-env", "NO_SUCH_TOKEN_VAR"}, "NO_SUCH_TOKEN_VAR is empty"},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(t, c.args...)
		assert.Equal(t, exitUsage, code, "%v", c.args)
		assert.Contains(t, errOut, c.want, "%v", c.args)
	}
}

func TestWorkshopCheckWithinSkipsOutsideTheWindow(t *testing.T) {
	t.Setenv("CODER_SESSION_TOKEN", "")
	code, out, errOut := runCLI(t, "workshop", "check", "--stack", "workshop", "--at", "2026-11-20T12:00:00Z", "--within", "48h")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "is not within 48h0m0s of 2026-11-20T12:00:00Z: nothing to check")
	code, _, errOut = runCLI(t, "workshop", "check", "--stack", "workshop", "--at", "2026-12-09T12:00:00Z", "--within", "48h")
	assert.Equal(t, exitUsage, code, "inside the window it checks, and needs a token")
	assert.Contains(t, errOut, "CODER_SESSION_TOKEN is empty")
}
