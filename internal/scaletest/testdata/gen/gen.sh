#!/bin/sh
# Regenerates the harness result files of internal/scaletest/testdata with
# coder/coder's own harness.Results (see main.go) at the version
# tools/coderd requires (v2.30.0), in a throwaway module with its
# requirements: the main module never requires coder/coder. The stack runs
# v2.35.1, whose scaletest/harness/results.go has the same JSON fields
# (internal/scaletest/results_test.go). Run from the repository root:
# internal/scaletest/testdata/gen/gen.sh
set -eu
root=$(pwd)
tmp=$(mktemp -d)
cp tools/coderd/go.mod tools/coderd/go.sum internal/scaletest/testdata/gen/main.go "$tmp"
sed -i '1s|.*|module stgen|' "$tmp/go.mod"
(cd "$tmp" && GOFLAGS=-mod=mod go run . "$root/internal/scaletest/testdata")
rm -rf "$tmp"
