package preview

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"

	bootstrap "github.com/platformeng/coder-platform/bootstrap/program"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Result is what one offline preview found.
type Result struct {
	Project     string
	Stack       string
	Config      *config.Plan
	Root        string
	Resources   []*Resource
	Diagnostics []stacks.Diagnostic
}

// Project is a Pulumi project on disk.
type Project struct {
	Dir  string
	Name string
}

// FindProject walks up from dir to the directory holding Pulumi.yaml.
func FindProject(dir string) (*Project, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "Pulumi.yaml")); err == nil {
			return OpenProject(d)
		}
		if filepath.Dir(d) == d {
			return nil, errors.New("no Pulumi.yaml in this directory or any parent; run from the repository")
		}
	}
}

// OpenProject reads the project whose Pulumi.yaml is in dir.
func OpenProject(dir string) (*Project, error) {
	data, err := os.ReadFile(filepath.Join(dir, "Pulumi.yaml"))
	if err != nil {
		return nil, fmt.Errorf("no Pulumi project in %s: %w", dir, err)
	}
	var p struct {
		Name string `json:"name"`
	}
	if err := yaml.Unmarshal(data, &p); err != nil || p.Name == "" {
		return nil, fmt.Errorf("%s/Pulumi.yaml has no project name", dir)
	}
	return &Project{Dir: dir, Name: p.Name}, nil
}

// ProjectIn resolves a --project argument: a project directory relative to
// the working directory, or to the repository's main project around it.
func ProjectIn(wd, dir string) (*Project, error) {
	if dir == "" {
		return FindProject(wd)
	}
	if filepath.IsAbs(dir) {
		return OpenProject(dir)
	}
	if p, err := OpenProject(filepath.Join(wd, dir)); err == nil {
		return p, nil
	}
	main, err := FindProject(wd)
	if err != nil {
		return nil, err
	}
	for d := main.Dir; ; d = filepath.Dir(d) {
		if p, err := OpenProject(filepath.Join(d, dir)); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("no Pulumi project %q in %s or a parent of the project %s", dir, wd, main.Dir)
		}
	}
}

// StackFile is the committed stack file of a stack.
func (p *Project) StackFile(stack string) string {
	return filepath.Join(p.Dir, "Pulumi."+stack+".yaml")
}

// Run validates the stack file and runs the program under the mock monitor.
// A config problem is returned as *config.ValidationError before anything
// is registered.
func Run(p *Project, stack, file string, opts ...Option) (*Result, error) {
	if file == "" {
		file = p.StackFile(stack)
	}
	sf, err := config.ReadStackFile(file, p.Name)
	if err != nil {
		return nil, fmt.Errorf("reading stack file: %w", err)
	}
	if p.Name == bootstrap.Project {
		return RunBootstrapStackFile(p.Name, stack, sf, opts...)
	}
	return RunStackFile(p.Name, stack, sf, opts...)
}

// Option adjusts a run: what the mocks answer, or the clock.
type Option func(*runSettings)

type runSettings struct {
	rec *Recorder
	now time.Time
}

// FirstRun previews the first `pulumi up`: the Secrets Manager secrets
// operators fill (coder/<stack>/...) exist but hold no value yet.
func FirstRun() Option { return func(s *runSettings) { s.rec.EmptySecrets = true } }

// At runs the preview as of now instead of the wall clock's time (the
// config's only clock: see config.LoadAt).
func At(now time.Time) Option { return func(s *runSettings) { s.now = now } }

// AsCaller runs the preview as another principal (an STS assumed-role or
// IAM ARN), as if someone else ran `pulumi up`.
func AsCaller(arn string) Option { return func(s *runSettings) { s.rec.CallerArn = arn } }

// AssumedRole is the STS ARN a session of an IAM role has.
func AssumedRole(roleArn, session string) string {
	// arn:aws:iam::ACCOUNT:role/PATH/NAME → arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION
	parts := strings.SplitN(roleArn, ":", 6)
	if len(parts) < 6 {
		return roleArn
	}
	name := parts[5][strings.LastIndex(parts[5], "/")+1:]
	return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", parts[4], name, session)
}

// FailImageLookups makes the lookups of one ECR repository's images
// (ecr:getImage) fail with msg, as the provider reports an AWS error.
func FailImageLookups(repository, msg string) Option {
	return func(s *runSettings) {
		if s.rec.ImageLookupErrors == nil {
			s.rec.ImageLookupErrors = map[string]string{}
		}
		s.rec.ImageLookupErrors[repository] = msg
	}
}

// FailSecretLookups makes every lookup of those secrets fail with msg, as
// the provider reports an AWS error (msg carries the AWS error code).
func FailSecretLookups(msg string) Option {
	return func(s *runSettings) { s.rec.SecretLookupError = msg }
}

// RunStackFile is Run for a stack file already in memory.
func RunStackFile(project, stack string, sf *config.StackFile, opts ...Option) (*Result, error) {
	rs := newRunSettings(project, stack, opts)
	cfg, err := config.LoadAt(project, stack, sf.Source(), rs.now)
	if err != nil {
		return nil, err
	}
	if rs.rec.CallerArn == "" {
		// The stack is deployed as its declared deployer role.
		rs.rec.CallerArn = AssumedRole(cfg.Cluster.DeployerRoleArn, "pulumi")
	}
	res := &Result{Project: project, Stack: stack, Config: cfg, Root: rs.rec.RootURN()}
	program := stacks.Program(stacks.Options{
		Config:  cfg,
		Offline: true,
		Report:  func(d stacks.Diagnostic) { res.Diagnostics = append(res.Diagnostics, d) },
	})
	return res, runMocked(res, rs, sf, program)
}

func newRunSettings(project, stack string, opts []Option) *runSettings {
	rs := &runSettings{rec: NewRecorder(project, stack), now: time.Now()}
	for _, o := range opts {
		o(rs)
	}
	return rs
}

// runMocked runs program under the recorder with the stack file's config,
// and keeps what it registered in res, also when it fails.
func runMocked(res *Result, rs *runSettings, sf *config.StackFile, program pulumi.RunFunc) error {
	values, secrets := sf.PulumiConfig(res.Project)
	err := pulumi.RunErr(program, pulumi.WithMocks(res.Project, res.Stack, rs.rec), WithConfig(values, secrets))
	res.Resources = rs.rec.Resources()
	if err != nil {
		return fmt.Errorf("program failed: %w", err)
	}
	return nil
}

// WithConfig hands config to a mocked program the way the engine does.
func WithConfig(values map[string]string, secrets []string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		info.Config = values
		info.ConfigSecretKeys = secrets
		info.Parallel = 1
	}
}

// ByType counts resources per type.
func (r *Result) ByType() map[string]int {
	out := map[string]int{}
	for _, res := range r.Resources {
		out[res.Type]++
	}
	return out
}

// OfType returns the resources of one type.
func (r *Result) OfType(t string) []*Resource {
	var out []*Resource
	for _, res := range r.Resources {
		if res.Type == t {
			out = append(out, res)
		}
	}
	return out
}

// Lookup returns the resource with the given URN, or nil.
func (r *Result) Lookup(urn string) *Resource {
	for _, res := range r.Resources {
		if res.URN == urn {
			return res
		}
	}
	return nil
}
