package preview

import (
	bootstrap "github.com/platformeng/coder-platform/bootstrap/program"
	"github.com/platformeng/coder-platform/stacks/config"
)

// RunBootstrapStackFile previews a stack of the bootstrap project: its
// config validated by config.LoadBootstrap, its program under the recorder.
func RunBootstrapStackFile(project, stack string, sf *config.StackFile, opts ...Option) (*Result, error) {
	rs := newRunSettings(project, stack, opts)
	cfg, err := config.LoadBootstrap(project, stack, sf.Source())
	if err != nil {
		return nil, err
	}
	if rs.rec.CallerArn == "" {
		// Run by an administrator of the account its deployers live in.
		rs.rec.CallerArn = AssumedRole(cfg.DeployerRoleArns[0], "bootstrap")
	}
	res := &Result{Project: project, Stack: stack, Root: rs.rec.RootURN()}
	return res, runMocked(res, rs, sf, bootstrap.Program(bootstrap.Options{Config: cfg}))
}
