// The Pulumi program that `pulumi up -s prod|workshop` runs. It loads and
// validates the stack config, then hands it to stacks/, which assembles the
// components for every region. `go run ./cmd/platform preview` runs the same
// stacks.Program under the mock monitor.
package main

import "github.com/platformeng/coder-platform/stacks"

func main() {
	stacks.Main(stacks.Program(stacks.Options{}))
}
