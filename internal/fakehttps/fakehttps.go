// Package fakehttps serves a test's fake API over HTTPS for the shell scripts
// the components run, which trust it through a CA bundle file.
package fakehttps

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Serve serves h over HTTPS until the test ends and writes the
// server's certificate as a CA bundle, for the scripts the components run
// (curl reads CURL_CA_BUNDLE): the fake coderd of their tests.
func Serve(t testing.TB, h http.Handler) (url, caFile string) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644))
	return srv.URL, caFile
}
