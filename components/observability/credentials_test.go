package observability

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/realcoderd"
)

// The credential functions run on Lambda's Python; their logic is tested
// with python3: the ages against ListSecrets pages shaped as the API
// returns them.
func TestCredentialFunctions(t *testing.T) {
	out, err := exec.Command(python(t), "credentials_test.py", "AgeTest").CombinedOutput()
	require.NoError(t, err, string(out))
}

// The rotation function against a real coderd: a token mints its
// successor, the old one stops working, retried steps change nothing.
func TestCoderdRotatesTokens(t *testing.T) {
	srv := realcoderd.Start(t)
	cmd := exec.Command(python(t), "credentials_test.py", "-v", "RotationTest")
	cmd.Env = append(append(os.Environ(), srv.Env...), "CODER_URL="+srv.URL, "CODER_TOKEN="+srv.Token)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "Ran 4 tests")
	assert.NotContains(t, string(out), "skipped", "with a coderd, nothing is skipped")
}

func python(t *testing.T) string {
	py, err := exec.LookPath("python3")
	require.NoError(t, err, "python3 runs the credential functions' tests; install it")
	return py
}

func TestRateDays(t *testing.T) {
	assert.Equal(t, "rate(1 day)", rateDays(1))
	assert.Equal(t, "rate(45 days)", rateDays(45))
}
