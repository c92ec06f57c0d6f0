//go:build tools

// Package tools pins the coderd the integration tests (TestCoderd…) run:
// the open-source build of cmd/coder at the version below, built from the
// module proxy, and the coder/coder Terraform provider its provisioner
// needs, served to Terraform from a filesystem mirror.
package tools

import (
	_ "github.com/coder/coder/v2/cmd/coder"
	_ "github.com/coder/terraform-provider-coder/v2"
)
