//go:build tools

// Package tools pins the Pulumi CLI and engine the engine tests run: built
// from the module proxy at the version below, never downloaded at run time.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
