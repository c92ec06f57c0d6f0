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

	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Result is what one offline preview found.
type Result struct {
	Project     string
	Stack       string
	Config      *config.Stack
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
		data, err := os.ReadFile(filepath.Join(d, "Pulumi.yaml"))
		if err == nil {
			var p struct {
				Name string `json:"name"`
			}
			if err := yaml.Unmarshal(data, &p); err != nil || p.Name == "" {
				return nil, fmt.Errorf("%s/Pulumi.yaml has no project name", d)
			}
			return &Project{Dir: d, Name: p.Name}, nil
		}
		if filepath.Dir(d) == d {
			return nil, errors.New("no Pulumi.yaml in this directory or any parent; run from the repository")
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

// FailSecretLookups makes every lookup of those secrets fail with msg, as
// the provider reports an AWS error (msg carries the AWS error code).
func FailSecretLookups(msg string) Option {
	return func(s *runSettings) { s.rec.SecretLookupError = msg }
}

// RunStackFile is Run for a stack file already in memory.
func RunStackFile(project, stack string, sf *config.StackFile, opts ...Option) (*Result, error) {
	rs := &runSettings{rec: NewRecorder(project, stack), now: time.Now()}
	for _, o := range opts {
		o(rs)
	}
	rec := rs.rec
	cfg, err := config.LoadAt(project, stack, sf.Source(), rs.now)
	if err != nil {
		return nil, err
	}
	if rec.CallerArn == "" {
		// The stack is deployed as its declared deployer role.
		rec.CallerArn = AssumedRole(cfg.Cluster.DeployerRoleArn, "pulumi")
	}
	values, secrets := sf.PulumiConfig(project)
	res := &Result{Project: project, Stack: stack, Config: cfg, Root: rec.RootURN()}
	program := stacks.Program(stacks.Options{
		Config: cfg,
		Report: func(d stacks.Diagnostic) { res.Diagnostics = append(res.Diagnostics, d) },
	})
	err = pulumi.RunErr(program, pulumi.WithMocks(project, stack, rec), WithConfig(values, secrets))
	res.Resources = rec.Resources()
	if err != nil {
		return res, fmt.Errorf("program failed: %w", err)
	}
	return res, nil
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
