package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/engine"
	"github.com/platformeng/coder-platform/internal/toolcache"
)

// The documents whose command lines and links are checked: README.md and
// every docs/*.md. Their commands are every `platform …` (or
// `go run ./cmd/platform …`) and `pulumi …` command of their fenced code
// blocks, and every `platform …` of their inline code. The operator
// documents must show some.
var (
	checkedDocs  = []string{"README.md", "docs/*.md"}
	operatorDocs = []string{"README.md", "docs/first-deploy.md", "docs/troubleshooting.md"}
)

// documents are checkedDocs' files, relative to the repository.
func documents(t *testing.T, repo string) []string {
	t.Helper()
	var out []string
	for _, pattern := range checkedDocs {
		files, err := filepath.Glob(filepath.Join(repo, filepath.FromSlash(pattern)))
		require.NoError(t, err)
		require.NotEmpty(t, files, pattern)
		for _, file := range files {
			doc, err := filepath.Rel(repo, file)
			require.NoError(t, err)
			out = append(out, filepath.ToSlash(doc))
		}
	}
	return out
}

// docCommand is one command line of a document.
type docCommand struct {
	where string   // file:line
	tool  string   // "platform" or "pulumi"
	args  []string // after the program
}

func (c docCommand) String() string { return c.where + ": " + c.tool + " " + strings.Join(c.args, " ") }

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	repo, err := engine.FindRepo(wd)
	require.NoError(t, err)
	return repo
}

// Every platform command the documents show exists, with every flag they
// pass: the command's flag set, as `platform <command> [sub] -h` prints
// it, has each flag, and a subcommand without flags is one the command's
// usage names.
func TestDocsPlatformCommandsExist(t *testing.T) {
	repo := repoRoot(t)
	checked := map[string]int{}
	for _, c := range documentCommands(t, repo) {
		if c.tool != "platform" {
			continue
		}
		checked[strings.SplitN(c.where, ":", 2)[0]]++
		checkPlatformCommand(t, c)
	}
	for _, doc := range operatorDocs {
		assert.Positive(t, checked[doc], "%s shows no platform command", doc)
	}
	t.Logf("platform commands checked, by document: %v", checked)
}

// Every pulumi command the documents show is a command of the pinned
// Pulumi CLI (tools/pulumi, v3.274.1, the engine tests' binary), with every
// flag they pass, as `pulumi <command> --help` lists them.
func TestDocsPulumiCommandsExist(t *testing.T) {
	repo := repoRoot(t)
	var cmds []docCommand
	for _, c := range documentCommands(t, repo) {
		if c.tool == "pulumi" {
			cmds = append(cmds, c)
		}
	}
	require.NotEmpty(t, cmds)
	t.Logf("%d pulumi commands", len(cmds))
	cli := pulumiCLI(t, repo)
	home := t.TempDir()
	helps := map[string]pulumiHelp{}
	for _, c := range cmds {
		var words []string
		for _, a := range c.args {
			if strings.HasPrefix(a, "-") {
				break
			}
			words = append(words, a)
		}
		key := strings.Join(words, " ")
		h, ok := helps[key]
		if !ok {
			h = readPulumiHelp(t, cli, home, words)
			helps[key] = h
		}
		if !assert.NotEmpty(t, h.path, "%s: pulumi prints no usage for %q", c, key) {
			continue
		}
		if !assert.GreaterOrEqual(t, len(words), len(h.path), "%s: not a command", c) {
			continue
		}
		for i, p := range h.path {
			ok := words[i] == p || (i == len(h.path)-1 && slices.Contains(h.aliases, words[i]))
			assert.True(t, ok, "%s: %q is not pulumi's %q (aliases %v)", c, words[i], p, h.aliases)
		}
		if h.parent && len(words) > len(h.path) {
			assert.Fail(t, "unknown pulumi command", "%s: pulumi %s has no subcommand %q", c, strings.Join(h.path, " "), words[len(h.path)])
		}
		for _, a := range c.args {
			name, long, ok := flagName(a)
			if !ok {
				continue
			}
			if long {
				assert.True(t, h.long[name], "%s: pulumi %s has no flag --%s", c, strings.Join(h.path, " "), name)
			} else {
				assert.True(t, h.short[name], "%s: pulumi %s has no flag -%s", c, strings.Join(h.path, " "), name)
			}
		}
	}
}

// Every relative link of the documents reaches a file, and every
// #anchor a heading or an <a id> of that file.
func TestDocsLinksResolve(t *testing.T) {
	repo := repoRoot(t)
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	anchors := map[string]map[string]bool{}
	for _, doc := range documents(t, repo) {
		data, err := os.ReadFile(filepath.Join(repo, doc))
		require.NoError(t, err)
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range link.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				file, anchor, _ := strings.Cut(target, "#")
				path := filepath.Join(repo, doc)
				if file != "" {
					path = filepath.Join(filepath.Dir(path), filepath.FromSlash(file))
				}
				where := doc + ":" + itoa(i+1)
				if _, err := os.Stat(path); !assert.NoError(t, err, "%s: %s", where, target) || anchor == "" {
					continue
				}
				if anchors[path] == nil {
					anchors[path] = markdownAnchors(t, path)
				}
				assert.True(t, anchors[path][anchor], "%s: %s has no anchor #%s", where, file, anchor)
			}
		}
	}
}

// checkPlatformCommand checks one platform command line against the
// command's flag set.
func checkPlatformCommand(t *testing.T, c docCommand) {
	t.Helper()
	if !assert.NotEmpty(t, c.args, "%s: no command", c) {
		return
	}
	var names []string
	for _, cmd := range commands() {
		names = append(names, cmd.name)
	}
	name := c.args[0]
	if !assert.Contains(t, names, name, "%s: unknown command", c) {
		return
	}
	rest := c.args[1:]
	var flags []string
	for _, a := range rest {
		if f, _, ok := flagName(a); ok {
			flags = append(flags, f)
		}
	}
	helpArgs := []string{name, "-h"}
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		helpArgs = []string{name, rest[0], "-h"}
	}
	if len(helpArgs) == 3 {
		// A subcommand: the command's usage names it ("platform policy
		// list", "… | schema"), with or without flags of its own.
		_, _, usage := runCLI(t, name)
		sub := regexp.QuoteMeta(helpArgs[1])
		if !assert.Regexp(t, `(platform `+regexp.QuoteMeta(name)+` |\| )`+sub+`\b`, usage, "%s: %s has no subcommand %s", c, name, helpArgs[1]) {
			return
		}
	}
	_, _, help := runCLI(t, helpArgs...)
	if !strings.Contains(help, "Usage of ") {
		assert.Empty(t, flags, "%s: %v has no flags", c, helpArgs[:len(helpArgs)-1])
		return
	}
	for _, f := range flags {
		if f == "h" || f == "help" {
			continue
		}
		// The flag package prints "  -name type" or, for a boolean,
		// "  -name" alone on its line.
		assert.Regexp(t, `(?m)^\s+-`+regexp.QuoteMeta(f)+`(\s|$)`, help, "%s: platform %s has no flag --%s", c, strings.Join(helpArgs[:len(helpArgs)-1], " "), f)
	}
}

// flagName is the name of a flag argument (--name, --name=value, -n),
// and whether it is long.
func flagName(arg string) (string, bool, bool) {
	if !strings.HasPrefix(arg, "-") || arg == "-" || arg == "--" {
		return "", false, false
	}
	long := strings.HasPrefix(arg, "--")
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	if !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`).MatchString(name) {
		return "", false, false // a negative number or a placeholder
	}
	return name, long, true
}

// pulumiCLI is the pinned CLI the engine tests run: built from tools/pulumi
// into the tool cache once per machine (internal/engine builds the same
// binary at the same path), and reused from there.
func pulumiCLI(t *testing.T, repo string) string {
	t.Helper()
	dir, err := toolcache.Dir(repo, "pulumi", "pulumi-"+engine.CLIVersion)
	require.NoError(t, err)
	bin := filepath.Join(dir, "bin", "pulumi")
	require.NoError(t, toolcache.Build(filepath.Join(repo, "tools", "pulumi"), bin,
		"-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version="+engine.CLIVersion, "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"),
		"the docs test checks pulumi command lines against the pinned CLI")
	return bin
}

// pulumiHelp is what `pulumi <words> --help` says of the command it
// resolved the words to.
type pulumiHelp struct {
	path        []string // the command's path below pulumi, from its usage line
	aliases     []string // of the last element of path
	parent      bool     // it has subcommands
	long, short map[string]bool
}

var (
	usageLine  = regexp.MustCompile(`(?m)^Usage:\n\s+pulumi((?: [a-z][a-z0-9-]*)*)`)
	aliasLine  = regexp.MustCompile(`(?m)^Aliases:\n\s+(.+)$`)
	pulumiFlag = regexp.MustCompile(`(?m)^\s+(?:-([A-Za-z]), )?--([a-z][a-z0-9-]*)`)
)

func readPulumiHelp(t *testing.T, cli, home string, words []string) pulumiHelp {
	t.Helper()
	cmd := exec.Command(cli, append(slices.Clone(words), "--help")...)
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "PULUMI_HOME="+home, "PULUMI_SKIP_UPDATE_CHECK=true")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // an unknown command fails; its output has no usage line for these words
	text := out.String()
	h := pulumiHelp{long: map[string]bool{"help": true}, short: map[string]bool{"h": true}}
	if m := usageLine.FindStringSubmatch(text); m != nil {
		h.path = strings.Fields(m[1])
	}
	if m := aliasLine.FindStringSubmatch(text); m != nil {
		for _, a := range strings.Split(m[1], ",") {
			h.aliases = append(h.aliases, strings.TrimSpace(a))
		}
	}
	h.parent = strings.Contains(text, "\nAvailable Commands:")
	for _, m := range pulumiFlag.FindAllStringSubmatch(text, -1) {
		h.long[m[2]] = true
		if m[1] != "" {
			h.short[m[1]] = true
		}
	}
	return h
}

// documentCommands are the platform and pulumi commands of the documents.
func documentCommands(t *testing.T, repo string) []docCommand {
	t.Helper()
	var out []docCommand
	for _, doc := range documents(t, repo) {
		data, err := os.ReadFile(filepath.Join(repo, doc))
		require.NoError(t, err)
		out = append(out, commandsIn(doc, string(data))...)
	}
	require.NotEmpty(t, out)
	return out
}

var inlineCode = regexp.MustCompile("`([^`]+)`")

// commandsIn finds the commands of a Markdown document: every simple
// command of its fenced code blocks (continuation lines joined, comments
// dropped, pipelines, lists and $(…) split), and every inline code span
// that is a platform command.
func commandsIn(doc, text string) []docCommand {
	var out []docCommand
	lines := strings.Split(text, "\n")
	fence := ""
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if fence == "" {
			if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
				fence = trimmed[:3]
				continue
			}
			for _, m := range inlineCode.FindAllStringSubmatch(lines[i], -1) {
				span := strings.TrimSpace(m[1])
				if strings.HasPrefix(span, "platform ") || strings.HasPrefix(span, "go run ./cmd/platform ") {
					out = append(out, toCommands(doc, i+1, span)...)
				}
			}
			continue
		}
		if strings.HasPrefix(trimmed, fence) {
			fence = ""
			continue
		}
		start, line := i+1, lines[i]
		for strings.HasSuffix(strings.TrimRight(line, " \t"), `\`) && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(strings.TrimRight(line, " \t"), `\`) + " " + lines[i]
		}
		out = append(out, toCommands(doc, start, line)...)
	}
	return out
}

// toCommands is the platform and pulumi commands of one shell line.
func toCommands(doc string, line int, text string) []docCommand {
	var out []docCommand
	for _, segment := range simpleCommands(text) {
		words := shellWords(segment)
		words = dropRedirections(words)
		for len(words) > 0 && regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`).MatchString(words[0]) {
			words = words[1:] // VAR=value before the command
		}
		for i, w := range words {
			words[i] = strings.TrimSuffix(strings.TrimPrefix(w, "["), "]") // [--optional flags]
		}
		where := doc + ":" + itoa(line)
		switch {
		case len(words) >= 3 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/platform":
			out = append(out, docCommand{where: where, tool: "platform", args: words[3:]})
		case len(words) >= 1 && words[0] == "platform":
			out = append(out, docCommand{where: where, tool: "platform", args: words[1:]})
		case len(words) >= 1 && words[0] == "pulumi":
			out = append(out, docCommand{where: where, tool: "pulumi", args: words[1:]})
		}
	}
	return out
}

// simpleCommands splits a shell line into its simple commands: at | ; &
// outside quotes, each $(…) a command of its own (replaced by a word in
// the command around it), and nothing after an unquoted # that starts a
// word.
func simpleCommands(line string) []string {
	var out []string
	var cur strings.Builder
	quote := byte(0)
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			}
		case c == '\\' && i+1 < len(line):
			cur.WriteByte(c)
			i++
			c = line[i]
		case c == '$' && i+1 < len(line) && line[i+1] == '(':
			end := matchingParen(line, i+1)
			out = append(out, simpleCommands(line[i+2:end])...)
			cur.WriteString("SUBST")
			i = end
			continue
		case quote == '"':
			if c == '"' {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			flush()
			return out
		case c == '|' || c == ';' || c == '&':
			if c == '&' && i > 0 && line[i-1] == '>' {
				break // 2>&1
			}
			flush()
			continue
		}
		cur.WriteByte(c)
	}
	flush()
	return out
}

// matchingParen is the index of the ) that closes the ( at open, or the
// end of line.
func matchingParen(line string, open int) int {
	depth, quote := 0, byte(0)
	for i := open; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(line)
}

// shellWords splits a simple command into words, removing quotes.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

var redirection = regexp.MustCompile(`^\d*(>>?|<)(&\d+)?(.*)$`)

// dropRedirections removes "> file", "2>&1", "<file" and the like.
func dropRedirections(words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		m := redirection.FindStringSubmatch(words[i])
		if m == nil {
			out = append(out, words[i])
			continue
		}
		if m[2] == "" && m[3] == "" {
			i++ // the target is the next word
		}
	}
	return out
}

// markdownAnchors are the anchors of a Markdown file: its explicit
// <a id="…"> and GitHub's slug of each heading.
func markdownAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`<a id="([^"]+)"`).FindAllStringSubmatch(string(data), -1) {
		out[m[1]] = true
	}
	seen := map[string]int{}
	fence := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
		}
		if fence || !strings.HasPrefix(line, "#") {
			continue
		}
		slug := headingSlug(strings.TrimLeft(line, "#"))
		if n := seen[slug]; n > 0 {
			out[slug+"-"+itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// headingSlug is GitHub's anchor of a heading: lower case, spaces to
// hyphens, and every character but letters, digits, hyphens and
// underscores dropped.
func headingSlug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r > 0x7f && isLetter(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isLetter(r rune) bool { return strings.ToUpper(string(r)) != strings.ToLower(string(r)) }

func itoa(n int) string { return strconv.Itoa(n) }

func TestCommandsInDocuments(t *testing.T) {
	text := "```sh\n" +
		"LOGIN=\"$(pulumi stack output loginUrl)\"   # s3://…\n" +
		"go run ./cmd/platform capacity --stack prod [--users 5000] --basis\n" +
		"pulumi config set -s w --secret k < token.txt && rm -f token.txt\n" +
		"aws ec2 x \\\n  --flag | pulumi up -s w\n" +
		"```\n" +
		"Run `platform drift --stack prod` daily; `pulumi up` is not inline-checked.\n"
	var got []string
	for _, c := range commandsIn("d.md", text) {
		got = append(got, c.String())
	}
	assert.Equal(t, []string{
		"d.md:2: pulumi stack output loginUrl",
		"d.md:3: platform capacity --stack prod --users 5000 --basis",
		"d.md:4: pulumi config set -s w --secret k",
		"d.md:5: pulumi up -s w",
		"d.md:8: platform drift --stack prod",
	}, got)
	assert.Equal(t, "automation-token-credential-admin-token", headingSlug(" Automation token (`credential-admin-token`)"))
	assert.Equal(t, "8-post-deploy-checks", headingSlug("8. Post-deploy checks"))
}
