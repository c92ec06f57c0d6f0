package compose

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/platformeng/coder-platform/components/workloads"
)

// Volume is an EBS volume the base creates (an aws_ebs_volume or an
// aws_instance's root_block_device), and whether its tags carry the tag
// the stack's home-volume backup plan selects by (workloads.BackupTag).
type Volume struct {
	Block    string
	BackedUp bool
}

// volumeBlocks finds the base's EBS volumes; their tags are judged once
// every locals block has been read (volumeFacts).
type volumeBlocks struct {
	locals map[string]cty.Value
	tags   []pendingVolume
}

type pendingVolume struct {
	block string
	tags  hclsyntax.Expression
}

func (v *volumeBlocks) add(b *hclsyntax.Block) {
	id := blockID(b)
	switch {
	case b.Type == "locals":
		for name, a := range b.Body.Attributes {
			if val, diags := a.Expr.Value(&hcl.EvalContext{}); !diags.HasErrors() && val.IsWhollyKnown() {
				v.locals[name] = val
			}
		}
	case strings.HasPrefix(id, "resource.aws_ebs_volume."):
		v.tags = append(v.tags, pendingVolume{id, attrExpr(b.Body, "tags")})
	case strings.HasPrefix(id, "resource.aws_instance."):
		for _, nb := range b.Body.Blocks {
			if nb.Type == "root_block_device" {
				v.tags = append(v.tags, pendingVolume{id + ".root_block_device", attrExpr(nb.Body, "tags")})
			}
		}
	}
}

func attrExpr(body *hclsyntax.Body, name string) hclsyntax.Expression {
	if a, ok := body.Attributes[name]; ok {
		return a.Expr
	}
	return nil
}

func (v *volumeBlocks) facts() []Volume {
	var out []Volume
	for _, p := range v.tags {
		out = append(out, Volume{Block: p.block, BackedUp: v.carriesTag(p.tags)})
	}
	return out
}

// carriesTag reads a tags expression as Terraform builds it: an object,
// a local, or merge() of those (a later argument wins, so the tag counts
// when the last argument that sets the key sets our value).
func (v *volumeBlocks) carriesTag(e hclsyntax.Expression) bool {
	switch x := e.(type) {
	case nil:
		return false
	case *hclsyntax.FunctionCallExpr:
		if x.Name != "merge" {
			return false
		}
		tagged := false
		for _, arg := range x.Args {
			if val, ok := v.value(arg); ok && val.Type().IsObjectType() && val.Type().HasAttribute(workloads.BackupTagKey) {
				tagged = v.carriesTag(arg)
			}
		}
		return tagged
	}
	val, ok := v.value(e)
	if !ok || !(val.Type().IsObjectType() || val.Type().IsMapType()) || !val.Type().HasAttribute(workloads.BackupTagKey) {
		return false
	}
	tag := val.GetAttr(workloads.BackupTagKey)
	return tag.Type() == cty.String && tag.AsString() == workloads.BackupTagValue
}

// value is a constant expression's value, with local.<name> standing for
// the constant locals; anything else is not known here.
func (v *volumeBlocks) value(e hclsyntax.Expression) (cty.Value, bool) {
	if t, ok := e.(*hclsyntax.ScopeTraversalExpr); ok && len(t.Traversal) == 2 && t.Traversal.RootName() == "local" {
		if a, ok := t.Traversal[1].(hcl.TraverseAttr); ok {
			val, found := v.locals[a.Name]
			return val, found
		}
	}
	val, diags := e.Value(&hcl.EvalContext{})
	if diags.HasErrors() || !val.IsWhollyKnown() || val.IsNull() {
		return cty.NilVal, false
	}
	return val, true
}
