// Package upstreamsrc gives tests the source of the Coder version the
// stacks pin, so that every name the program sends to Coder (a CLI flag, a
// JSON field, a metric) is checked against that version's own code.
package upstreamsrc

import (
	"encoding/json"
	"os"
	"os/exec"
	"testing"
)

// CoderModule is coder/coder's Go module.
const CoderModule = "github.com/coder/coder/v2"

// Coder is the directory of coder/coder's source at version, from the module
// cache, downloaded through the module proxy when it is not there yet. The
// test fails when it can get neither: the checks it guards must not pass
// unchecked.
func Coder(t testing.TB, version string) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", CoderModule+"@"+version)
	cmd.Dir = t.TempDir() // outside any module: the download alone
	// The checksum database answers 404 for coder/coder's v2 module, so it
	// is taken from the proxy unverified by sum.golang.org (go help
	// module-auth, GONOSUMDB); only its source is read.
	cmd.Env = append(os.Environ(), "GONOSUMDB=github.com/coder/coder")
	out, err := cmd.Output()
	var res struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &res); jerr != nil || res.Dir == "" {
		t.Fatalf("the source of %s@%s is not in the module cache and could not be downloaded (%v %s %s): "+
			"run `GONOSUMDB=github.com/coder/coder go mod download %s@%s` outside the module", CoderModule, version, err, res.Error, out, CoderModule, version)
	}
	return res.Dir
}
