package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/platformeng/coder-platform/internal/cost"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

// runCost estimates a stack's monthly AWS cost from its offline preview.
func runCost(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("cost", stderr)
	stack := fs.String("stack", "", "stack to estimate: prod or workshop")
	configFile := fs.String("config-file", "", "read this stack file instead of the committed one")
	asJSON := fs.Bool("json", false, "print one JSON object: currency, totalMonthly, perUserMonthly, lines")
	live := fs.Bool("live", false, "refresh the prices from the AWS Price List API (needs AWS credentials)")
	compare := fs.String("compare", "", "another stack file of this project: print the difference line by line")
	if err := parseFlags(fs, args); err != nil {
		return exitUsage, err
	}
	if *stack == "" {
		return exitUsage, usageError{"--stack is required (prod or workshop)"}
	}
	if *asJSON && *compare != "" {
		return exitUsage, usageError{"--json and --compare cannot be combined"}
	}
	table, err := cost.DefaultTable()
	if err != nil {
		return exitFailure, err
	}
	est, code, err := estimateStack(*stack, *configFile, table)
	if err != nil {
		return code, err
	}
	if *live {
		cfg, err := awsconfig.LoadDefaultConfig(context.Background())
		if err != nil {
			return exitFailure, fmt.Errorf("loading AWS credentials for --live: %w", err)
		}
		if err := cost.Refresh(context.Background(), cost.NewLiveClient(cfg, ""), table, regionsOf(est)); err != nil {
			return exitFailure, fmt.Errorf("refreshing prices: %w", err)
		}
		if est, code, err = estimateStack(*stack, *configFile, table); err != nil {
			return code, err
		}
	}
	if *asJSON {
		if err := est.WriteJSON(stdout); err != nil {
			return exitFailure, err
		}
		return exitOK, nil
	}
	est.WriteText(stdout)
	if *compare != "" {
		other, code, err := estimateStack(stackOfFile(*compare, *stack), *compare, table)
		if err != nil {
			return code, fmt.Errorf("--compare %s: %w", *compare, err)
		}
		cost.WriteCompare(stdout, est, other, *compare)
	}
	return exitOK, nil
}

// estimateStack previews a stack offline and prices what it registers.
func estimateStack(stack, configFile string, table *cost.Table) (*cost.Estimate, int, error) {
	proj, file, err := projectStackFile("", stack, configFile)
	if err != nil {
		return nil, exitUsage, err
	}
	res, err := preview.Run(proj, stack, file)
	if config.IsValidationError(err) {
		return nil, exitUsage, err
	}
	if err != nil {
		return nil, exitFailure, fmt.Errorf("previewing %s: %w", file, err)
	}
	est, err := cost.New(res, table)
	if err != nil {
		return nil, exitFailure, err
	}
	return est, exitOK, nil
}

// stackOfFile is the stack a Pulumi.<stack>.yaml file names, else def.
func stackOfFile(file, def string) string {
	base := filepath.Base(file)
	if s, ok := strings.CutPrefix(base, "Pulumi."); ok {
		if s, ok := strings.CutSuffix(s, ".yaml"); ok && s != "" {
			return s
		}
	}
	return def
}

func regionsOf(e *cost.Estimate) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range e.Lines {
		if l.Region != "global" && !seen[l.Region] {
			seen[l.Region] = true
			out = append(out, l.Region)
		}
	}
	sort.Strings(out)
	return out
}
