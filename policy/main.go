// Command policy is the coder-platform CrossGuard policy pack. The Pulumi
// CLI builds and runs it:
//
//	pulumi preview --policy-pack policy
//	pulumi policy publish policy
//
// The policies themselves are in policy/rules; the offline preview and
// `platform policy check` run the same functions in-process.
package main

import (
	"fmt"
	"os"

	"github.com/platformeng/coder-platform/policy/analyzer"
)

func main() {
	if err := analyzer.Main(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
