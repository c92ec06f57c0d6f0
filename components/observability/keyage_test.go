package observability

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// The key-age function runs on Lambda's Python; its logic is tested against
// ListSecrets pages shaped as the API returns them, with python3.
func TestKeyAgeFunction(t *testing.T) {
	py, err := exec.LookPath("python3")
	require.NoError(t, err, "python3 runs the key-age function's tests; install it")
	out, err := exec.Command(py, "keyage_test.py").CombinedOutput()
	require.NoError(t, err, string(out))
}
