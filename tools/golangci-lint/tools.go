//go:build tools

// Package tools pins golangci-lint, the Go linter .ci/run runs over the
// module with the repository's .golangci.yml
// (go build github.com/golangci/golangci-lint/v2/cmd/golangci-lint).
package tools

import _ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
