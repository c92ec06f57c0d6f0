package compose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/templates/contract"
)

// ProvenanceKeys are the coder_metadata items every template carries.
var ProvenanceKeys = []string{"template", "toolchain", "base", "composer", "contract"}

// verify parses the rendered template and checks it keeps the contract: the
// base takes every input and returns every output, the root passes them,
// the agent uses the base's auth mode, workspaces follow start and stop, the
// sizes are the selected profiles, provenance is recorded and the base
// isolates the network as its manifest says.
func (t *Template) verify() error {
	f, err := Inspect(t.Files)
	if err != nil {
		return err
	}
	t.Facts = f
	var problems []string
	for _, in := range contract.Inputs {
		if !f.Has("base", "variable."+in) {
			problems = append(problems, "base module has no variable "+in)
		}
		if !slices.Contains(f.BaseArgs, in) {
			problems = append(problems, "module \"base\" is not given "+in)
		}
	}
	for _, out := range contract.Outputs {
		if !f.Has("base", "output."+out) {
			problems = append(problems, "base module has no output "+out)
		}
	}
	for _, v := range t.Base.Variables {
		if !f.Has("base", "variable."+v.Name) {
			problems = append(problems, "base module has no variable "+v.Name+" that base.yaml declares")
		}
	}
	if f.AgentAuth != t.Base.AgentAuth {
		problems = append(problems, fmt.Sprintf("coder_agent.main auth is %q; base.yaml says %q", f.AgentAuth, t.Base.AgentAuth))
	}
	if !f.FollowsTransition {
		problems = append(problems, "the base does not start and stop on data.coder_workspace.me (start_count or transition)")
	}
	var want []string
	for _, p := range t.Profiles {
		want = append(want, p.Name)
	}
	if !slices.Equal(f.Sizes, want) {
		problems = append(problems, fmt.Sprintf("compute_profile offers %v; want %v", f.Sizes, want))
	}
	for _, k := range ProvenanceKeys {
		if !slices.Contains(f.ProvenanceItems, k) {
			problems = append(problems, "coder_metadata.provenance has no item "+k)
		}
	}
	if f.Isolation != t.Base.Isolation || f.PublicIP {
		problems = append(problems, fmt.Sprintf("network isolation is %q (public IP %v); base.yaml says %q", f.Isolation, f.PublicIP, t.Base.Isolation))
	}
	if len(problems) > 0 {
		return fmt.Errorf("rendered template breaks the contract:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return nil
}
