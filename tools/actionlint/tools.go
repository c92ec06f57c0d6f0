//go:build tools

// Package tools pins actionlint, the workflow linter .ci/run runs over
// .github/workflows (go run github.com/rhysd/actionlint/cmd/actionlint).
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
