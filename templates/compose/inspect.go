package compose

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/platformeng/coder-platform/templates/scan"
)

// Facts are read back from the rendered Terraform, so the contract rules
// judge what coderd will run, not what the manifests claim.
type Facts struct {
	// Blocks lists "resource.<type>.<name>", "data.<type>.<name>",
	// "module.<name>", "variable.<name>" and "output.<name>" per module
	// ("root" or "base").
	Blocks map[string][]string
	// Sizes are the option values of the compute_profile parameter.
	Sizes []string
	// ProvenanceItems are the literal item keys of coder_metadata.provenance.
	ProvenanceItems []string
	DailyCost       int
	// AgentAuth is coder_agent.main's auth.
	AgentAuth string
	// Isolation is "network-policy" when the base creates a
	// kubernetes_network_policy, "security-group" when every aws_instance
	// sets vpc_security_group_ids and no public IP.
	Isolation string
	// PublicIP is true when an aws_instance may get a public address.
	PublicIP bool
	// FollowsTransition is true when the base starts and stops with
	// data.coder_workspace.me (start_count or transition).
	FollowsTransition bool
	// BaseArgs are the arguments the root passes to module "base".
	BaseArgs []string
	// Volumes are the base's EBS volumes and whether each is backed up.
	Volumes []Volume
}

// Inspect parses every .tf file of a template directory.
func Inspect(files map[string][]byte) (Facts, error) {
	f := Facts{Blocks: map[string][]string{}}
	vols := volumeBlocks{locals: map[string]cty.Value{}}
	p := hclparse.NewParser()
	var paths []string
	for name := range files {
		if strings.HasSuffix(name, ".tf") {
			paths = append(paths, name)
		}
	}
	sort.Strings(paths)
	for _, name := range paths {
		file, diags := p.ParseHCL(files[name], name)
		if diags.HasErrors() {
			return f, fmt.Errorf("%s is not valid HCL: %s", name, diags.Error())
		}
		if !bytes.Equal(hclwrite.Format(files[name]), files[name]) {
			return f, fmt.Errorf("%s is not in canonical format; run terraform fmt", name)
		}
		mod := "root"
		if path.Dir(name) == BaseDir {
			mod = "base"
		}
		body := file.Body.(*hclsyntax.Body)
		if strings.Contains(string(files[name]), "data.coder_workspace.me.start_count") || strings.Contains(string(files[name]), "data.coder_workspace.me.transition") {
			f.FollowsTransition = f.FollowsTransition || mod == "base"
		}
		for _, b := range body.Blocks {
			f.Blocks[mod] = append(f.Blocks[mod], blockID(b))
			f.inspectBlock(mod, b)
			if mod == "base" {
				vols.add(b)
			}
		}
	}
	f.Volumes = vols.facts()
	return f, nil
}

func blockID(b *hclsyntax.Block) string {
	return strings.Join(append([]string{b.Type}, b.Labels...), ".")
}

func (f *Facts) inspectBlock(mod string, b *hclsyntax.Block) {
	id := blockID(b)
	switch {
	case id == "data.coder_parameter.compute_profile" && mod == "root":
		for _, opt := range b.Body.Blocks {
			if opt.Type == "option" {
				f.Sizes = append(f.Sizes, literalString(opt.Body.Attributes["value"]))
			}
		}
	case id == "resource.coder_metadata.provenance" && mod == "root":
		if v, ok := scan.Constant(b.Body.Attributes["daily_cost"]); ok && v.Type() == cty.Number {
			n, _ := v.AsBigFloat().Int64()
			f.DailyCost = int(n)
		}
		for _, it := range b.Body.Blocks {
			if it.Type == "item" {
				f.ProvenanceItems = append(f.ProvenanceItems, literalString(it.Body.Attributes["key"]))
			}
		}
	case id == "resource.coder_agent.main":
		f.AgentAuth = literalString(b.Body.Attributes["auth"])
	case strings.HasPrefix(id, "resource.kubernetes_network_policy.") && mod == "base":
		f.Isolation = "network-policy"
	case strings.HasPrefix(id, "resource.aws_instance.") && mod == "base":
		_, hasSG := b.Body.Attributes["vpc_security_group_ids"]
		pub, known := scan.Constant(b.Body.Attributes["associate_public_ip_address"])
		public := !known || pub.Type() != cty.Bool || pub.True()
		f.PublicIP = f.PublicIP || public
		if hasSG && !public && f.Isolation == "" {
			f.Isolation = "security-group"
		}
	case id == "module.base" && mod == "root":
		for name := range b.Body.Attributes {
			f.BaseArgs = append(f.BaseArgs, name)
		}
		sort.Strings(f.BaseArgs)
	}
}

func literalString(a *hclsyntax.Attribute) string {
	v, ok := scan.Constant(a)
	if !ok || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// Has reports whether a module declares a block.
func (f Facts) Has(mod, id string) bool { return slices.Contains(f.Blocks[mod], id) }
