package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/platformeng/coder-platform/stacks"
)

// runCapacity prints the capacity Coder's guidance recommends for N users
// and the gap to what the stack file declares.
func runCapacity(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("capacity", stderr)
	stack := fs.String("stack", "", "stack whose config is compared: prod or workshop")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one")
	users := fs.Int("users", 0, "concurrent users to size for")
	verbose := fs.Bool("basis", false, "print the arithmetic behind every figure")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *stack == "" || *users < 1 {
		return exitUsage, usageError{"--stack and --users (at least 1) are required"}
	}
	_, file, cfg, err := loadStack(*stack, *configFile)
	if err != nil {
		return exitUsage, err
	}
	rows := stacks.CapacityReport(cfg, *users)
	fmt.Fprintf(stdout, "Capacity for %d concurrent users, compared with stack %q (%s)\n", *users, *stack, file)
	fmt.Fprintln(stdout, "Figures follow Coder's published guidance; the sources are named in sizing/.")
	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 2, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SCOPE\tITEM\tRECOMMENDED\tDECLARED\tGAP")
	gaps := 0
	for _, r := range rows {
		gap := r.Gap
		if gap == "" {
			gap = "ok"
		} else {
			gaps++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Scope, r.Item, r.Recommended, r.Declared, gap)
	}
	tw.Flush()
	if *verbose {
		fmt.Fprintln(stdout, "\nBasis:")
		for _, r := range rows {
			fmt.Fprintf(stdout, "  %s %s: %s\n", r.Scope, r.Item, r.Basis)
		}
	}
	fmt.Fprintf(stdout, "\n%d gap(s). Run with --basis for the arithmetic behind each figure.\n", gaps)
	return exitOK, nil
}
