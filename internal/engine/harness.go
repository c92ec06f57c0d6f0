// Package engine runs the program through the real Pulumi engine: the
// pinned CLI, built from the module proxy (tools/pulumi), against a local
// file backend, with the stand-in providers (cmd/standin) in place of the
// cloud, through Automation API inline programs. The engine tests and
// `platform drift` use it.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/aws/aws-sdk-go-v2/aws"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/debug"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/internal/standin"
	"github.com/platformeng/coder-platform/internal/toolcache"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

// CLIVersion is the Pulumi CLI the engine tests run (tools/pulumi/go.mod).
const CLIVersion = "v3.274.1"

// Packages are the provider packages the program uses; each gets a
// stand-in plugin.
var Packages = []string{"aws", "eks", "kubernetes", "cloudflare", "tls", "random"}

// Tools are the built CLI and provider plugins.
type Tools struct {
	// Root holds bin/pulumi, as auto.NewPulumiCommand expects.
	Root string
	// Plugins holds pulumi-resource-<package> for every package.
	Plugins string
}

var (
	buildOnce sync.Once
	built     *Tools
	buildErr  error
)

// Build builds the pinned CLI and the stand-in providers once per process,
// into a cache directory keyed by what they are built from. The Go build
// cache makes a rebuild after the first one cheap.
func Build(repo string) (*Tools, error) {
	buildOnce.Do(func() { built, buildErr = build(repo) })
	return built, buildErr
}

// Cleanup removes the stand-in plugins Build made; test binaries call it
// from TestMain once every test has run.
func Cleanup() {
	if built != nil && built.Plugins != "" {
		_ = os.RemoveAll(built.Plugins)
	}
}

func build(repo string) (*Tools, error) {
	root, err := toolcache.Dir(repo, "pulumi", "pulumi-"+CLIVersion)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	t := &Tools{Root: root}
	if err := toolcache.Build(filepath.Join(repo, "tools", "pulumi"), filepath.Join(t.Root, "bin", "pulumi"),
		"-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version="+CLIVersion, "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"); err != nil {
		return nil, fmt.Errorf("engine: the Pulumi CLI %s: %w", CLIVersion, err)
	}
	t.Plugins, err = os.MkdirTemp("", "standin-")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(t.Plugins, "standin")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/standin")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("engine: building the stand-in providers: %w\n%s", err, out)
	}
	for _, pkg := range Packages {
		if err := os.Symlink(bin, filepath.Join(t.Plugins, "pulumi-resource-"+pkg)); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Stack is one stack in a temporary file backend.
type Stack struct {
	auto.Stack
	Dir string
	// Env is the environment its CLI runs with: the backend, passphrase,
	// home, and a PATH with the pinned CLI and the stand-ins first.
	Env map[string]string
}

// Options adjust a stack's environment.
type Options struct {
	// Env is added to the engine's and the providers' environment (the
	// stand-in knobs: standin.EnvCaller, EnvDrift, EnvSecretLookupError).
	Env map[string]string
	// StackFile, when set, replaces the committed Pulumi.<stack>.yaml.
	StackFile []byte
	// AWS is the SDK config the program's quota pre-flight reads the
	// account with on `up` (a fakeaws server in tests).
	AWS *aws.Config
}

// NewStack creates stack name of the project in repo in a fresh file
// backend, with the committed stack file as its config, running program.
func NewStack(ctx context.Context, t *Tools, repo, project, name string, program pulumi.RunFunc, o Options) (*Stack, error) {
	dir, err := os.MkdirTemp("", "engine-"+name+"-")
	if err != nil {
		return nil, err
	}
	work, state, home := filepath.Join(dir, "work"), filepath.Join(dir, "state"), filepath.Join(dir, "home")
	for _, d := range []string{work, state, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	for _, f := range []string{"Pulumi.yaml", "Pulumi." + name + ".yaml"} {
		data, err := os.ReadFile(filepath.Join(repo, f))
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		if f != "Pulumi.yaml" && o.StackFile != nil {
			data = o.StackFile
		}
		if err := os.WriteFile(filepath.Join(work, f), data, 0o644); err != nil {
			return nil, err
		}
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: t.Root, SkipVersionCheck: true})
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + state,
		"PULUMI_CONFIG_PASSPHRASE":                    "engine-tests",
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		// The file backend would rewrite the whole state after every step
		// (quadratic in the stack's ~850 resources); the final write stays.
		"PULUMI_SKIP_CHECKPOINTS": "true",
		"PULUMI_HOME":             home,
		"PATH": strings.Join([]string{t.Plugins, filepath.Join(t.Root, "bin"), os.Getenv("PATH")},
			string(os.PathListSeparator)),
	}
	for k, v := range o.Env {
		env[k] = v
	}
	s, err := auto.UpsertStackInlineSource(ctx, name, project, program,
		auto.WorkDir(work), auto.PulumiHome(home), auto.Pulumi(cmd), auto.EnvVars(env), auto.SecretsProvider("passphrase"))
	if err != nil {
		return nil, fmt.Errorf("engine: stack %s: %w", name, err)
	}
	return &Stack{Stack: s, Dir: dir, Env: env}, nil
}

// NewCommittedStack is NewStack for a committed stack running the real
// program at the clock now, deployed as the stack's deployer role (the
// principal EKS makes the cluster's creator).
func NewCommittedStack(ctx context.Context, repo, name string, now time.Time, o Options) (*Stack, error) {
	t, err := Build(repo)
	if err != nil {
		return nil, err
	}
	p, err := preview.FindProject(repo)
	if err != nil {
		return nil, err
	}
	sf, err := config.ReadStackFile(p.StackFile(name), p.Name)
	if err != nil {
		return nil, err
	}
	cfg, err := config.LoadAt(p.Name, name, sf.Source(), now)
	if err != nil {
		return nil, err
	}
	env := map[string]string{standin.EnvCaller: preview.AssumedRole(cfg.Cluster.DeployerRoleArn, "pulumi")}
	for k, v := range o.Env {
		env[k] = v
	}
	o.Env = env
	return NewStack(ctx, t, repo, p.Name, name, stacks.Program(stacks.Options{Now: now, AWS: o.AWS}), o)
}

// Close removes the stack's backend and work directory.
func (s *Stack) Close() error { return os.RemoveAll(s.Dir) }

// FindRepo walks up from dir to the repository root (the directory with
// tools/pulumi).
func FindRepo(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "tools", "pulumi", "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("engine: no tools/pulumi above " + dir)
		}
	}
}

// quiet trims engine output to its last lines for error messages.
func quiet(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// Step is one resource as the engine previewed or deployed it.
type Step struct {
	Op, URN, Type, Parent string
	Custom, Protect       bool
	Inputs                map[string]any
}

// PreviewSteps previews the stack and returns every resource step the
// engine planned, by URN.
func (s *Stack) PreviewSteps(ctx context.Context) (map[string]Step, auto.PreviewResult, error) {
	ch := make(chan events.EngineEvent)
	steps := map[string]Step{}
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range ch {
			if e.ResourcePreEvent == nil {
				continue
			}
			md := e.ResourcePreEvent.Metadata
			st := md.New
			if st == nil {
				st = md.Old
			}
			if st == nil {
				continue
			}
			mu.Lock()
			steps[md.URN] = Step{Op: string(md.Op), URN: md.URN, Type: md.Type, Parent: st.Parent, Custom: st.Custom,
				Protect: st.Protect, Inputs: st.Inputs}
			mu.Unlock()
		}
	}()
	opts := []optpreview.Option{optpreview.EventStreams(ch)}
	if w := progress(); w != nil {
		opts = append(opts, optpreview.ProgressStreams(w), optpreview.DebugLogging(debug.LoggingOptions{LogLevel: &verbosity, LogToStdErr: true}))
	}
	res, err := s.Preview(ctx, opts...)
	// Automation API closes the event streams once it has tailed the
	// engine's last event; after a failed run it may not.
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		return steps, res, fmt.Errorf("engine preview: %w\n%s", err, quiet(res.StdErr+res.StdOut))
	}
	return steps, res, nil
}

// Up deploys the stack into the file backend and returns the engine's
// change summary (operation → count).
func (s *Stack) UpSummary(ctx context.Context) (map[string]int, error) {
	res, err := s.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine up: %w\n%s", err, quiet(res.StdErr+res.StdOut))
	}
	if res.Summary.ResourceChanges == nil {
		return map[string]int{}, nil
	}
	return *res.Summary.ResourceChanges, nil
}

// EnvProgress, set to a file path, streams the engine's progress there.
const EnvProgress = "ENGINE_PROGRESS"

var verbosity uint = 5

func progress() *os.File {
	path := os.Getenv(EnvProgress)
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil
	}
	return f
}

// Protected lists the URNs of the protected resources in the stack's state.
func (s *Stack) Protected(ctx context.Context) ([]string, error) {
	dep, err := s.Export(ctx)
	if err != nil {
		return nil, err
	}
	var state struct {
		Resources []struct {
			URN     string `json:"urn"`
			Protect bool   `json:"protect"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(dep.Deployment, &state); err != nil {
		return nil, err
	}
	var out []string
	for _, r := range state.Resources {
		if r.Protect {
			out = append(out, r.URN)
		}
	}
	sort.Strings(out)
	return out, nil
}

// SetEnv sets a variable for the engine and the providers of later runs.
func (s *Stack) SetEnv(k, v string) {
	if v == "" {
		s.Workspace().UnsetEnvVar(k)
		return
	}
	s.Workspace().SetEnvVar(k, v)
}
