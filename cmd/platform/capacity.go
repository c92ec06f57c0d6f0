package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

// runCapacity prints the stack's capacity plan for N users (default the
// declared workload.users): what each figure needs against what the stack
// file declares, and every gap with the config key to change.
func runCapacity(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("capacity", stderr)
	stack := fs.String("stack", "", "stack whose config is compared: prod or workshop")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one")
	users := fs.Int("users", 0, "users to size for (default: the stack's workload.users)")
	verbose := fs.Bool("basis", false, "print the arithmetic behind every figure")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *stack == "" || *users < 0 || *users > config.MaxWorkload {
		return exitUsage, usageError{fmt.Sprintf("--stack is required, and --users must be 1–%d when given", config.MaxWorkload)}
	}
	_, file, cfg, err := loadStack(*stack, *configFile)
	if err != nil {
		return exitUsage, err
	}
	if *users == 0 {
		*users = cfg.Workload.Users
	}
	rows := stacks.CapacityReport(cfg, *users)
	fmt.Fprintf(stdout, "Capacity plan for %d users, against stack %q (%s)\n", *users, *stack, file)
	fmt.Fprintln(stdout, "Sizes come from the templates' bases and the workload mix; guidance sources are named in sizing/.")
	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 2, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SCOPE\tITEM\tNEED\tDECLARED\tGAP")
	gaps := 0
	for _, r := range rows {
		gap := r.Gap
		if gap == "" {
			gap = "ok"
		} else {
			gaps++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Scope, r.Item, r.Need, r.Declared, gap)
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
