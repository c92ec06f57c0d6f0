#!/bin/sh
# Regenerates the harness result files of internal/scaletest/testdata with
# coder/coder v2.30.0's own harness.Results (see main.go), in a throwaway
# module with tools/coderd's requirements: the main module never requires
# coder/coder. Run from the repository root: internal/scaletest/testdata/gen/gen.sh
set -eu
root=$(pwd)
tmp=$(mktemp -d)
cp tools/coderd/go.mod tools/coderd/go.sum internal/scaletest/testdata/gen/main.go "$tmp"
sed -i '1s|.*|module stgen|' "$tmp/go.mod"
(cd "$tmp" && GOFLAGS=-mod=mod go run . "$root/internal/scaletest/testdata")
rm -rf "$tmp"
