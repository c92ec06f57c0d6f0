package scaletest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/upstreamsrc"

	"github.com/platformeng/coder-platform/components/scaletest"
)

// coderVersion is the coder/coder release whose CLI the commands are
// checked against: the stack's coder.version (Pulumi.prod.yaml).
const coderVersion = "v2.35.1"

// flag is one option of a coder CLI command, where coder v2.35.1 declares
// it: Line of File holds Text (the flag's name as the source spells it).
// Shared flags are attached to the command by a call: Via is its line in
// File, which holds ViaText. Bool flags take no value.
type flag struct {
	Name string
	// File holds Line when it is not the command's (a flag of the CLI's
	// root, attached at Via).
	File       string
	Bool       bool
	Line       int
	Text       string
	Via        int
	ViaText    string
	EnumValues []string
}

// command is a coder CLI command: Use is the line of File that names it.
type command struct {
	File  string
	Use   int
	Name  string
	Flags []flag
}

// v2.35.1's cli/exp_scaletest.go: the shared flag groups, each declared
// once and attached per command (concurrencyFlags.attach 154-165,
// timeoutFlags.attach 188-210, scaletestOutputFlags.attach 312-320,
// scaletestPrometheusFlags.attach 375-391, workspaceTargetFlags.attach
// 403-425).
func concurrency(via int, viaText string) flag {
	return flag{Name: "concurrency", Line: 155, Text: `"concurrency"`, Via: via, ViaText: viaText}
}

func timeouts(via int, viaText string) []flag {
	return []flag{
		{Name: "timeout", Line: 189, Text: `"timeout"`, Via: via, ViaText: viaText},
		{Name: "job-timeout", Line: 190, Text: `"job-timeout"`, Via: via, ViaText: viaText},
	}
}

func output(via int) flag {
	return flag{Name: "output", Line: 314, Text: `Flag:        "output"`, Via: via, ViaText: "output.attach(&cmd.Options)"}
}

func prometheus(via int) flag {
	return flag{Name: "scaletest-prometheus-address", Line: 378, Text: `"scaletest-prometheus-address"`, Via: via, ViaText: "prometheusFlags.attach(&cmd.Options)"}
}

// scaletestCommands are the `coder exp scaletest` subcommands the run
// uses, with every flag it may give them, from v2.35.1's
// cli/exp_scaletest.go (line numbers of that file in the module cache).
// A flag that is not here fails TestScaletestCommandsUseOnlyCoderFlags.
var scaletestCommands = map[string]command{
	"create-workspaces": {File: "cli/exp_scaletest.go", Use: 848, Name: `"create-workspaces"`, Flags: append([]flag{
		{Name: "count", Line: 1029, Text: `"count"`},
		{Name: "retry", Line: 1037, Text: `"retry"`},
		{Name: "template", Line: 1044, Text: `"template"`},
		{Name: "no-cleanup", Bool: true, Line: 1051, Text: `"no-cleanup"`},
		// Builds as the session's user instead of creating one per
		// workspace (config.User.SessionToken, line 935-936).
		{Name: "use-host-login", Bool: true, Line: 1129, Text: `"use-host-login"`},
		concurrency(1146, "strategy.attach(&cmd.Options)"),
		output(1148),
	}, timeouts(1146, "strategy.attach(&cmd.Options)")...)},
	"workspace-traffic": {File: "cli/exp_scaletest.go", Use: 1467, Name: `"workspace-traffic"`, Flags: append([]flag{
		{Name: "bytes-per-tick", Line: 1641, Text: `"bytes-per-tick"`},
		{Name: "tick-interval", Line: 1648, Text: `"tick-interval"`},
		{Name: "ssh", Bool: true, Line: 1655, Text: `"ssh"`},
		{Name: "template", Line: 406, Text: `"template"`, Via: 1684, ViaText: "targetFlags.attach(&cmd.Options)"},
		{Name: "use-host-login", Bool: true, Line: 419, Text: `"use-host-login"`, Via: 1684, ViaText: "targetFlags.attach(&cmd.Options)"},
		concurrency(1686, "strategy.attach(&cmd.Options)"),
		output(1688),
		prometheus(1689),
	}, timeouts(1686, "strategy.attach(&cmd.Options)")...)},
	"dashboard": {File: "cli/exp_scaletest.go", Use: 1709, Name: `"dashboard"`, Flags: append([]flag{
		{Name: "target-users", Line: 1855, Text: `"target-users"`},
		{Name: "interval", Line: 1861, Text: `"interval"`},
		{Name: "jitter", Line: 1868, Text: `"jitter"`},
		concurrency(1891, "strategy.attach(&cmd.Options)"),
		output(1893),
		prometheus(1894),
	}, timeouts(1891, "strategy.attach(&cmd.Options)")...)},
	"cleanup": {File: "cli/exp_scaletest.go", Use: 614, Name: `"cleanup"`, Flags: []flag{
		{Name: "template", Line: 800, Text: `"template"`},
		// newScaletestCleanupStrategy: the cleanup- forms (lines 157, 192, 193).
		{Name: "cleanup-concurrency", Line: 157, Text: `"cleanup-"+concurrencyLong`, Via: 807, ViaText: "cleanupStrategy.attach(&cmd.Options)"},
		{Name: "cleanup-timeout", Line: 192, Text: `"cleanup-"+timeoutLong`, Via: 807, ViaText: "cleanupStrategy.attach(&cmd.Options)"},
		{Name: "cleanup-job-timeout", Line: 193, Text: `"cleanup-"+jobTimeoutLong`, Via: 807, ViaText: "cleanupStrategy.attach(&cmd.Options)"},
	}},
}

// cliCommands are the other coder commands run.sh runs, from v2.35.1's
// cli/tokens.go and cli/usercreate.go.
var cliCommands = map[string]command{
	"tokens create": {File: "cli/tokens.go", Use: 63, Name: `"create"`, Flags: []flag{
		{Name: "lifetime", Line: 123, Text: `"lifetime"`},
		{Name: "name", Line: 129, Text: `"name"`},
	}},
	// Expires the token; --delete (line 379) would erase it.
	"tokens remove": {File: "cli/tokens.go", Use: 335, Name: `"remove <name|id|token>"`},
	"users create": {File: "cli/usercreate.go", Use: 30, Name: `"create"`, Flags: []flag{
		{Name: "email", Line: 168, Text: `"email"`},
		{Name: "username", Line: 174, Text: `"username"`},
		{Name: "login-type", Line: 208, Text: `"login-type"`, EnumValues: []string{"password", "none", "github", "oidc"}},
		// Takes an organization's name or id, not "default"
		// (OrganizationContext.Selected, cli/root.go:1050): run.sh gives the id.
		{Name: "org", File: "cli/root.go", Line: 1025, Text: `Flag:          "org"`, Via: 226, ViaText: "orgContext.AttachOptions(cmd)"},
	}},
}

func run(dashboard bool, ssh bool) scaletest.Run {
	r := scaletest.Run{Workspaces: 1000, Concurrency: 60, Retry: 1, Timeout: 3 * time.Hour, JobTimeout: 15 * time.Minute,
		Traffic: &scaletest.Traffic{Duration: 30 * time.Minute, TickInterval: 100 * time.Millisecond, BytesPerTick: 1024, SSH: ssh},
		Cleanup: true, CleanupTimeout: 2 * time.Hour}
	if dashboard {
		r.Dashboard = &scaletest.Dashboard{Users: 10, Duration: 30 * time.Minute, Interval: 10 * time.Second, Jitter: 5 * time.Second}
	}
	return r
}

// flagProblems are what is wrong with an argument list of cmd: a flag it
// does not have, a value given to a bool flag or none to another, a value
// outside an enum.
func flagProblems(name string, cmd command, args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			out = append(out, fmt.Sprintf("%s: %q is not a flag (the command takes no arguments here)", name, a))
			continue
		}
		j := slices.IndexFunc(cmd.Flags, func(f flag) bool { return "--"+f.Name == a })
		if j < 0 {
			out = append(out, fmt.Sprintf("%s: coder %s has no flag %s (%s)", name, coderVersion, a, cmd.File))
			continue
		}
		f := cmd.Flags[j]
		if f.Bool {
			continue
		}
		if i+1 >= len(args) || strings.HasPrefix(args[i+1], "--") {
			out = append(out, fmt.Sprintf("%s: %s takes a value", name, a))
			continue
		}
		i++
		if f.EnumValues != nil && !slices.Contains(f.EnumValues, args[i]) {
			out = append(out, fmt.Sprintf("%s: %s %s is not one of %v", name, a, args[i], f.EnumValues))
		}
	}
	return out
}

// Every command line the run builds is a `coder exp scaletest` subcommand
// of v2.35.1 with only its flags.
func TestScaletestCommandsUseOnlyCoderFlags(t *testing.T) {
	lines := map[string][]string{}
	for _, dashboard := range []bool{false, true} {
		r := run(dashboard, dashboard)
		lines["create "+strings.Join(scaletest.CreateArgs(r, "pod-swdev-scaletest"), " ")] = scaletest.CreateArgs(r, "pod-swdev-scaletest")
		lines["traffic "+strings.Join(scaletest.TrafficArgs(r, "pod-swdev-scaletest"), " ")] = scaletest.TrafficArgs(r, "pod-swdev-scaletest")
		lines["cleanup"] = scaletest.CleanupArgs(r, "pod-swdev-scaletest")
		if dashboard {
			lines["dashboard"] = scaletest.DashboardArgs(r)
		}
	}
	seen := map[string]bool{}
	for name, args := range lines {
		require.GreaterOrEqual(t, len(args), 3, name)
		require.Equal(t, []string{"exp", "scaletest"}, args[:2], name)
		cmd, ok := scaletestCommands[args[2]]
		require.True(t, ok, "%s: coder %s has no scaletest subcommand %s in the list", name, coderVersion, args[2])
		seen[args[2]] = true
		assert.Empty(t, flagProblems(name, cmd, args[3:]))
	}
	assert.Len(t, seen, len(scaletestCommands), "every listed subcommand is used")

	// The list itself refuses what coder does not have.
	bad := []string{"--count", "1", "--use-host-user", "--template", "--no-cleanup", "x"}
	assert.Equal(t, []string{
		"bad: coder v2.35.1 has no flag --use-host-user (cli/exp_scaletest.go)",
		"bad: --template takes a value",
		`bad: "x" is not a flag (the command takes no arguments here)`,
	}, flagProblems("bad", scaletestCommands["create-workspaces"], bad))

	// Workspaces are the run's own account's: no user per workspace, and
	// traffic only to that account's workspaces.
	r := run(false, false)
	assert.Contains(t, scaletest.CreateArgs(r, "t"), "--use-host-login")
	assert.Contains(t, scaletest.TrafficArgs(r, "t"), "--use-host-login")
}

// coderCall is a coder command run.sh runs, where a command starts (a
// line, $(, && or ||, after an assignment): its two words and the rest of
// the command up to a pipe, list or substitution end.
var coderCall = regexp.MustCompile(`(?m)(?:^\s*|\$\(|&&\s*|\|\|\s*|[A-Z_]+=\S+\s+)coder ([a-z-]+ [a-z-]+)([^|;&)\n]*)`)

// run.sh runs only v2.35.1 commands with their own flags, and no longer
// grants anyone the template.
func TestScaletestScriptUsesOnlyCoderCommands(t *testing.T) {
	script, err := os.ReadFile("run.sh")
	require.NoError(t, err)
	var body []string
	for _, l := range strings.Split(string(script), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			body = append(body, l)
		}
	}
	code := strings.Join(body, "\n")
	seen := map[string]bool{}
	for _, m := range coderCall.FindAllStringSubmatch(code, -1) {
		cmd, ok := cliCommands[m[1]]
		require.True(t, ok, "run.sh runs coder %s, which is not in the checked list", m[1])
		seen[m[1]] = true
		var flags []string
		for _, w := range strings.Fields(m[2]) {
			if strings.HasPrefix(w, "--") {
				flags = append(flags, w)
			} else if len(flags) > 0 && !strings.HasPrefix(w, ">") {
				flags = append(flags, strings.Trim(w, `"`))
			}
		}
		assert.Empty(t, flagProblems("run.sh coder "+m[1], cmd, flags))
	}
	assert.Equal(t, map[string]bool{"tokens create": true, "tokens remove": true, "users create": true}, seen)
	// The scale-test commands come from the environment, built in Go.
	assert.Contains(t, code, `coder "${create[@]}"`)
	// No grant: the template's ACL is never touched.
	assert.NotContains(t, code, "/acl")
	assert.NotContains(t, code, "group_perms")
}

// The lists above are what coder v2.35.1's source says: each flag on its line, attached to its command.
func TestScaletestFlagListsAreCoderSource(t *testing.T) {
	dir := upstreamsrc.Coder(t, coderVersion)
	files := map[string][]string{}
	line := func(file string, n int) string {
		if files[file] == nil {
			b, err := os.ReadFile(filepath.Join(dir, file))
			require.NoError(t, err)
			files[file] = strings.Split(string(b), "\n")
		}
		require.Less(t, n-1, len(files[file]), "%s:%d", file, n)
		return files[file][n-1]
	}
	all := map[string]command{}
	for k, v := range scaletestCommands {
		all["exp scaletest "+k] = v
	}
	for k, v := range cliCommands {
		all[k] = v
	}
	for name, cmd := range all {
		use := line(cmd.File, cmd.Use)
		assert.Contains(t, use, "Use:", "%s: %s:%d", name, cmd.File, cmd.Use)
		assert.Contains(t, use, cmd.Name, "%s: %s:%d", name, cmd.File, cmd.Use)
		for _, f := range cmd.Flags {
			file := cmd.File
			if f.File != "" {
				file = f.File
			}
			assert.Contains(t, line(file, f.Line), f.Text, "%s --%s: %s:%d", name, f.Name, file, f.Line)
			if f.Via != 0 {
				assert.Contains(t, line(cmd.File, f.Via), f.ViaText, "%s --%s: %s:%d", name, f.Name, cmd.File, f.Via)
				assert.Greater(t, f.Via, cmd.Use, "%s --%s is attached inside the command", name, f.Name)
			} else if f.Line > cmd.Use {
				// Declared in the command's own options, after its Use.
				assert.Less(t, f.Line-cmd.Use, 700, "%s --%s", name, f.Name)
			}
			if f.Bool {
				// A bool option's Value is BoolOf, a few lines below.
				var block string
				for n := f.Line; n < f.Line+7; n++ {
					block += line(file, n)
				}
				assert.Contains(t, block, "BoolOf", "%s --%s is a bool flag", name, f.Name)
			}
			for _, v := range f.EnumValues {
				var block string
				for n := f.Line; n < f.Line+10; n++ {
					block += line(cmd.File, n)
				}
				assert.Contains(t, strings.ToLower(block), "logintype"+v, "%s --%s %s", name, f.Name, v)
			}
		}
	}
}
