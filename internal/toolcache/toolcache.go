// Package toolcache builds the pinned tools the tests run (the Pulumi CLI,
// coderd) from their own modules under tools/, into a cache directory keyed
// by the module's go.sum, so that a machine builds each version once.
package toolcache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Dir is the cache directory of a tool built from module tools/<module> of
// repo: ~/.cache/coder-platform/<name>-<hash of its go.sum>.
func Dir(repo, module, name string) (string, error) {
	sum, err := os.ReadFile(filepath.Join(repo, "tools", module, "go.sum"))
	if err != nil {
		return "", fmt.Errorf("the %s module: %w", module, err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	h := sha256.Sum256(sum)
	return filepath.Join(cache, "coder-platform", name+"-"+hex.EncodeToString(h[:6])), nil
}

// Build builds pkg in the module directory dir to out, unless out exists.
// Test binaries of several packages may build at once: each writes a
// temporary file of its own and renames it into place, atomically.
func Build(dir, out, ldflags, pkg string) error {
	if _, err := os.Stat(out); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".*.tmp")
	if err != nil {
		return err
	}
	_ = tmp.Close()
	defer os.Remove(tmp.Name())
	args := []string{"build", "-o", tmp.Name()}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s: %w\n%s", pkg, err, b)
	}
	return os.Rename(tmp.Name(), out)
}
