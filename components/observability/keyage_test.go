package observability

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// The key-age function runs on Lambda's Python; its logic is tested against
// ListSecrets pages shaped as the API returns them, where python3 exists.
func TestKeyAgeFunction(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	out, err := exec.Command(py, "keyage_test.py").CombinedOutput()
	require.NoError(t, err, string(out))
}
