// Package realcoderd runs a real coderd for the TestCoderd… integration
// tests: the open-source build of cmd/coder at the pinned version (module
// tools/coderd), on a real PostgreSQL started from Debian's binaries, on
// 127.0.0.1 with TLS, with one built-in provisioner that runs the machine's
// Terraform against a filesystem mirror of the coder/coder provider built
// from the module proxy. Nothing is downloaded at run time.
//
// The open-source server has no enterprise routes (groups, template ACLs,
// quotas, licences and proxies answer 404); the scripts skip what the
// stack's licence does not declare, and their licensed paths are tested
// against recorded shapes of the pinned version instead.
package realcoderd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/platformeng/coder-platform/internal/toolcache"
)

// Versions the tests run: v2.30.0 is the newest coder/coder the module
// proxy serves and verifies here (v2.35.1, which the stacks deploy, fails
// checksum verification), and the provider is the coder/coder release the
// templates' bases accept (tools/coderd/go.mod).
const (
	CoderVersion    = "v2.30.0"
	ProviderVersion = "2.13.1"
)

// Tools are the built coder binary (server and CLI in one) and the
// Terraform CLI configuration naming the provider mirror.
type Tools struct {
	Coder string
	// TerraformConfig is a CLI config file with one filesystem_mirror.
	TerraformConfig string
}

// Build builds both into a cache directory keyed by tools/coderd/go.sum,
// unless they are there already (toolcache.Build), and writes the
// Terraform configuration naming the mirror.
func Build(repo string) (*Tools, error) {
	mod := filepath.Join(repo, "tools", "coderd")
	// coderd prints "v" + tag (buildinfo.Version), so the tag goes in
	// without its "v", as Coder's release build injects it.
	tag := strings.TrimPrefix(CoderVersion, "v")
	root, err := toolcache.Dir(repo, "coderd", "coderd-"+tag)
	if err != nil {
		return nil, fmt.Errorf("realcoderd: %w", err)
	}
	t := &Tools{Coder: filepath.Join(root, "bin", "coder"), TerraformConfig: filepath.Join(root, "terraform.rc")}
	if err := toolcache.Build(mod, t.Coder, "-X github.com/coder/coder/v2/buildinfo.tag="+tag, "github.com/coder/coder/v2/cmd/coder"); err != nil {
		return nil, fmt.Errorf("realcoderd: %w", err)
	}
	// Terraform's unpacked mirror layout: HOSTNAME/NAMESPACE/TYPE/VERSION/TARGET.
	mirror := filepath.Join(root, "mirror")
	provider := filepath.Join(mirror, "registry.terraform.io", "coder", "coder", ProviderVersion, "linux_amd64",
		"terraform-provider-coder_v"+ProviderVersion)
	if err := toolcache.Build(mod, provider, "", "github.com/coder/terraform-provider-coder/v2"); err != nil {
		return nil, fmt.Errorf("realcoderd: %w", err)
	}
	rc := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
	if err := os.WriteFile(t.TerraformConfig, []byte(rc), 0o644); err != nil {
		return nil, err
	}
	return t, nil
}

// FindRepo walks up from dir to the repository root (with tools/coderd).
func FindRepo(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "tools", "coderd", "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("realcoderd: no tools/coderd above " + dir)
		}
	}
}
