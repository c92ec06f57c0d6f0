// The bootstrap project's program: `pulumi up` in this directory, once per
// AWS account with local state, creates the state bucket and secrets key the
// main project's stacks use (README, "Deploying for real").
package main

import (
	"github.com/platformeng/coder-platform/bootstrap/program"
	"github.com/platformeng/coder-platform/stacks"
)

func main() {
	stacks.Main(program.Program(program.Options{}))
}
