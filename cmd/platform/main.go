// Command platform is the offline tooling of the project: the preview of a
// stack under the Pulumi mock monitor, and the checks CI gates on.
//
//	platform preview --stack prod [--project DIR] [--config-file FILE] [--json FILE]
//	platform capacity --stack workshop --users 30 [--basis]
//	platform preflight --stack prod
//	platform deploy --stack workshop [--dry-run] [--from VERSION]
//	platform workshop check --stack workshop [--at TIME]
//	platform policy check [--policy-config FILE] FILE
//	platform resilience --stack prod --lose az:us-east-1a [--config-file FILE] [--json]
//	platform templates check [--out DIR] | publish --dir templates | schema
//	platform images list|pin --stack S
//
// Exit status: 0 on success, 1 when the program fails or a mandatory policy
// is violated, 2 on invalid config or usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError is a bad command line; it exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) (int, error)
}

func commands() []command {
	return []command{
		{"preview", "run the program offline and print the resource tree, network plan and diagnostics", runPreview},
		{"capacity", "recommend capacity for N concurrent users and show the gap to the stack config", runCapacity},
		{"policy", "policy check FILE: judge a preview JSON file (offline or pulumi preview --json) with the policy pack; policy summary FILE...: the Markdown table of pull requests", runPolicy},
		{"templates", "templates check: compose every template and check it against the contract (template CI)", runTemplates},
		{"drift", "refresh a deployed stack in preview mode and report drift (exit 1 on drift)", runDrift},
		{"deploy", "gate with the offline preview and policy pack, then update; a Coder upgrade moves the control plane first (--dry-run prints the stages)", runDeploy},
		{"workshop", "workshop check: the readiness checklist of the live platform before an event (exit 1 when not ready)", runWorkshop},
		{"preflight", "compare the stack's service-quota needs with the AWS account (exit 1 on a shortfall)", runPreflight},
		{"diagram", "draw a stack from its offline preview: --view components|traffic|security, --format svg|d2|mermaid", runDiagram},
		{"report", "write the offline preview as one static HTML page, DIR/index.html (--base FILE: the changes against a previous preview)", runReport},
		{"cost", "estimate the stack's monthly AWS cost from its offline preview: --json, --live (Price List API), --compare FILE", runCost},
		{"images", "images list|pin --stack S: the stack's images and their pins; pin resolves each tag's digest at its registry (docs/images.md)", runImages},
		{"compliance", "report the stack against the FSBP controls it claims: policy verdicts offline, --live adds AWS Config and Security Hub (exit 1 when a control fails)", runCompliance},
		{"scaletest", "scaletest report --stack S RESULTS...: judge a scale test's result files against the acceptance criteria (exit 1 on a miss)", runScaletest},
		{"resilience", "what keeps serving when the stack loses --lose az:<zone>|region:<region>, and the recovery time against the declared RTO/RPO (exit 1 when a critical tier stops or a target is missed)", runResilience},
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return exitUsage
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		code, err := c.run(args[1:], stdout, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "error:", err)
			return exitCode(code, err)
		}
		return code
	}
	fmt.Fprintf(stderr, "error: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

// exitCode is the exit status of a command that failed with err: 2 for a
// usage error and for invalid config (a *config.ValidationError, which is
// also what an unreadable or ill-typed stack file is), whatever status the
// command chose; otherwise the command's.
func exitCode(code int, err error) int {
	var ue usageError
	if errors.As(err, &ue) || config.IsValidationError(err) {
		return exitUsage
	}
	return code
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: platform <command> [flags]")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "Run 'platform <command> -h' for the flags of a command.")
}

// newFlags returns a flag set whose errors are usage errors.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usageError{"help requested"}
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// projectStackFile resolves the stack file a command reads: --config-file,
// or the committed Pulumi.<stack>.yaml of the project in directory project
// (--project; empty: the main project). The file is read and parsed here,
// so that a stack file that cannot be read, is not valid YAML or is not of
// a stack file's shape fails every command that reads it with exit 2: a
// *config.ValidationError naming the file and the line, or a usage error.
func projectStackFile(project, stack, configFile string) (*preview.Project, string, error) {
	proj, file, _, err := readProjectStackFile(project, stack, configFile)
	return proj, file, err
}

// readProjectStackFile is projectStackFile with the parsed stack file.
func readProjectStackFile(project, stack, configFile string) (*preview.Project, string, *config.StackFile, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, "", nil, err
	}
	proj, err := preview.ProjectIn(wd, project)
	if err != nil {
		return nil, "", nil, usageError{err.Error()}
	}
	file := configFile
	if file == "" {
		file = proj.StackFile(stack)
	}
	if _, err := os.Stat(file); err != nil {
		return nil, "", nil, usageError{fmt.Sprintf("stack file %s: %v", file, err)}
	}
	sf, err := config.ReadStackFile(file, proj.Name)
	var ve *config.ValidationError
	switch {
	case errors.As(err, &ve):
		if stack != "" {
			ve.Stack = stack
		}
		return nil, "", nil, ve
	case err != nil:
		return nil, "", nil, usageError{fmt.Sprintf("stack file %s: %v", file, err)}
	}
	return proj, file, sf, nil
}

// loadStack reads and validates a stack's config: the committed file, or
// configFile. Every error is a usage or config error (exit 2).
func loadStack(stack, configFile string) (*preview.Project, string, *config.Plan, error) {
	return loadStackAt(stack, configFile, time.Now())
}

// loadStackAt is loadStack as of the instant now (config.LoadAt).
func loadStackAt(stack, configFile string, now time.Time) (*preview.Project, string, *config.Plan, error) {
	proj, file, sf, err := readProjectStackFile("", stack, configFile)
	if err != nil {
		return nil, "", nil, err
	}
	cfg, err := config.LoadAt(proj.Name, stack, sf.Source(), now)
	if err != nil {
		return nil, "", nil, err
	}
	return proj, file, cfg, nil
}
