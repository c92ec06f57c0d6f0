package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/engine"
	"github.com/platformeng/coder-platform/internal/standin"
)

// `platform drift` against a deployed stack: the stack lives in a file
// backend deployed through the real engine with the stand-in providers, and
// the command finds it as an operator's would, through the backend URL and
// the `pulumi` on PATH.
func TestEngineDriftCommand(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	repo, err := engine.FindRepo(wd)
	require.NoError(t, err)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	awsCfg := engine.FakeAccount(t).Config() // the quota pre-flight and the cache fill of `up` use this account
	s, err := engine.NewCommittedStack(context.Background(), repo, "prod", now, engine.Options{AWS: &awsCfg})
	require.NoError(t, err, "the drift test needs the pinned Pulumi CLI and the stand-in providers")
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.UpSummary(context.Background())
	require.NoError(t, err)

	for k, v := range s.Env {
		t.Setenv(k, v)
	}
	t.Chdir(filepath.Join(repo, "cmd", "platform"))

	var out, errb bytes.Buffer
	assert.Equal(t, exitOK, run([]string{"drift", "--stack", "prod"}, &out, &errb), errb.String())
	assert.Contains(t, out.String(), "No drift")

	t.Setenv(standin.EnvDrift, "aws:kms/key:Key:description=changed by hand")
	out.Reset()
	errb.Reset()
	assert.Equal(t, exitFailure, run([]string{"drift", "--stack", "prod"}, &out, &errb), errb.String())
	// Every KMS key drifted: the region's ten and the backup region's two
	// (the database copy vault's and the secrets replicas').
	assert.Contains(t, out.String(), "Drift in 12 resource(s):")
	assert.Contains(t, out.String(), "coder:security:Keys coder-prod-us-east-1")
	assert.Contains(t, out.String(), "aws:kms/key:Key coder-prod-us-east-1-logs: description")
}

func TestMain(m *testing.M) {
	code := m.Run()
	engine.Cleanup()
	os.Exit(code)
}
