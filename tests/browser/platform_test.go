package browser

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// repoRoot is the repository this module sits in (tests/browser).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatalf("finding the repository root: %v", err)
	}
	return root
}

// buildPlatform builds the platform command from the repository root: the
// package is in the parent module, which go build only reaches from there.
func buildPlatform(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "platform")
	start := time.Now()
	runIn(t, root, "go", "build", "-o", bin, "./cmd/platform")
	t.Logf("built the platform command in %s", time.Since(start).Round(time.Millisecond))
	return bin
}

// runIn runs a command in dir and returns its stdout; a failure fails the
// test with its output.
func runIn(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

var diagramCount = regexp.MustCompile(`(\d+) diagrams`)

// diagrams is the number of diagrams `platform report` says it drew.
func diagrams(t *testing.T, out string) int {
	t.Helper()
	m := diagramCount.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("platform report did not say how many diagrams it drew:\n%s", out)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}
