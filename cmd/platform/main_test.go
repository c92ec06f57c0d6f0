package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestPreviewBothStacks(t *testing.T) {
	for _, stack := range []string{"prod", "workshop"} {
		code, out, errOut := runCLI(t, "preview", "--stack", stack)
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "Resource tree")
		assert.Contains(t, out, "Network plan:")
		assert.Contains(t, out, "coder:network:Vpc")
	}
}

func TestPreviewJSONHasPreviewShape(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prod.json")
	code, _, errOut := runCLI(t, "preview", "--stack", "prod", "--json", path)
	require.Equal(t, exitOK, code, errOut)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc struct {
		Steps []struct {
			Op       string `json:"op"`
			URN      string `json:"urn"`
			NewState struct {
				Type                 string              `json:"type"`
				Custom               bool                `json:"custom"`
				Parent               string              `json:"parent"`
				Provider             string              `json:"provider"`
				Inputs               map[string]any      `json:"inputs"`
				Dependencies         []string            `json:"dependencies"`
				PropertyDependencies map[string][]string `json:"propertyDependencies"`
				Protect              bool                `json:"protect"`
			} `json:"newState"`
		} `json:"steps"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	require.NotEmpty(t, doc.Steps)
	protected := 0
	for _, s := range doc.Steps {
		assert.Equal(t, "create", s.Op)
		assert.True(t, strings.HasPrefix(s.URN, "urn:pulumi:prod::coder-platform::"), s.URN)
		if s.NewState.Type == "aws:ec2/subnet:Subnet" {
			assert.NotEmpty(t, s.NewState.Provider)
			assert.NotEmpty(t, s.NewState.Parent)
			assert.NotEmpty(t, s.NewState.Inputs["cidrBlock"])
			assert.Contains(t, s.NewState.PropertyDependencies, "vpcId")
		}
		if s.NewState.Protect {
			protected++
		}
	}
	assert.Positive(t, protected)
}

func TestInvalidConfigExits2AndNamesTheKey(t *testing.T) {
	data, err := os.ReadFile("../../Pulumi.prod.yaml")
	require.NoError(t, err)
	bad := strings.Replace(string(data), "vpcCidr: 10.40.0.0/16", "vpcCidr: 10.40.0.0/33", 1)
	path := filepath.Join(t.TempDir(), "Pulumi.prod.yaml")
	require.NoError(t, os.WriteFile(path, []byte(bad), 0o644))
	code, out, errOut := runCLI(t, "preview", "--stack", "prod", "--config-file", path)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `regions[0].vpcCidr: got "10.40.0.0/33"; must be an IPv4 CIDR such as 10.40.0.0/16`)
	assert.Contains(t, errOut, "nothing was created")
	assert.NotContains(t, out, "Resource tree")
}

func TestPreviewBootstrapProject(t *testing.T) {
	for _, stack := range []string{"prod", "workshop"} {
		code, out, errOut := runCLI(t, "preview", "--project", "bootstrap", "--stack", stack)
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, `Offline preview of stack "`+stack+`" (project coder-platform-bootstrap)`)
		assert.Contains(t, out, "coder:state:Backend state")
		assert.NotContains(t, out, "Network plan:")
		assert.Contains(t, out, "no violations")
	}
	bad := filepath.Join(t.TempDir(), "Pulumi.x.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("config:\n  coder-platform-bootstrap:region: us-east-2\n  coder-platform-bootstrap:replicaRegion: us-east-2\n"), 0o644))
	code, _, errOut := runCLI(t, "preview", "--project", "bootstrap", "--stack", "x", "--config-file", bad)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "replicaRegion: got \"us-east-2\"; must differ from region")
	code, _, errOut = runCLI(t, "preview", "--project", "nosuchproject", "--stack", "prod")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `no Pulumi project "nosuchproject"`)
}

func TestUsageErrorsExit2(t *testing.T) {
	cases := [][]string{
		{},
		{"frobnicate"},
		{"preview"},
		{"preview", "--stack", "prod", "extra"},
		{"preview", "--stack", "nosuchstack"},
		{"preview", "--bogus"},
	}
	for _, args := range cases {
		code, _, _ := runCLI(t, args...)
		assert.Equal(t, exitUsage, code, "%v", args)
	}
}

func TestCapacityCommand(t *testing.T) {
	code, out, errOut := runCLI(t, "capacity", "--stack", "workshop", "--users", "60", "--basis")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Capacity plan for 60 users")
	assert.Regexp(t, `us-east-2\s+provisioners default\s+15 × 1 vCPU / 1Gi\s+6–15 \(KEDA\)\s+ok`, out)
	assert.Regexp(t, `us-east-2\s+AI gateway\s+15 × 2 vCPU / 4Gi\s+8 × 2 vCPU / 4Gi\s+raise coder.aiGateway.replicas to 15`, out)
	assert.Regexp(t, `us-east-2\s+control nodes\s+5 × m5.2xlarge\s+3–4 × m5.2xlarge\s+raise cluster.nodeGroups.control.maxSize to 5`, out)
	assert.Contains(t, out, "workshop LiteLLM table for 60 users", "--basis prints the arithmetic")
	assert.Contains(t, out, "2 gap(s)")

	// Without --users, the stack's own users: both committed stacks hold
	// their declared workload with no gap.
	for _, name := range []string{"prod", "workshop"} {
		code, out, errOut = runCLI(t, "capacity", "--stack", name)
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "\n0 gap(s).", name)
	}
	code, _, errOut = runCLI(t, "capacity", "--users", "10")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--stack is required")
}

func TestDriftRefusesBadInput(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, exitUsage, run([]string{"drift"}, &out, &errb))
	assert.Contains(t, errb.String(), "--stack is required")
	errb.Reset()
	assert.Equal(t, exitUsage, run([]string{"drift", "--stack", "staging"}, &out, &errb))
	assert.Contains(t, errb.String(), "Pulumi.staging.yaml")
}
