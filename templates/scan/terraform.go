package scan

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Terraform applies the hardening rules to one Terraform file.
func Terraform(file string, src []byte) ([]Finding, error) {
	f, diags := hclsyntax.ParseConfig(src, file, hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s is not valid HCL: %s", file, diags.Error())
	}
	t := tfScan{file: file, src: src}
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		t.block(b)
	}
	return t.out, nil
}

type tfScan struct {
	file string
	src  []byte
	out  []Finding
}

func (t *tfScan) add(rule string, b *hclsyntax.Block, what string) {
	t.out = append(t.out, Finding{Rule: rule, File: t.file, Line: b.DefRange().Start.Line,
		Text: strings.Join(append([]string{b.Type}, b.Labels...), ".") + ": " + what})
}

func (t *tfScan) block(b *hclsyntax.Block) {
	if b.Type == "terraform" {
		for _, rp := range children(b, "required_providers") {
			for name, a := range rp.Body.Attributes {
				v, ok := Constant(a)
				if !ok || !v.Type().IsObjectType() || !v.Type().HasAttribute("version") {
					t.add("provider-version", rp, "provider "+name+" has no version constraint")
				}
			}
		}
		return
	}
	if b.Type != "resource" || len(b.Labels) < 2 {
		return
	}
	switch b.Labels[0] {
	case "aws_instance":
		if !anyBlock(children(b, "metadata_options"), func(m *hclsyntax.Block) bool { return isString(m, "http_tokens", "required") }) {
			t.add("imdsv2", b, `metadata_options.http_tokens is not "required"`)
		}
		if !anyBlock(children(b, "root_block_device"), func(r *hclsyntax.Block) bool { return isTrue(r, "encrypted") }) {
			t.add("encrypted-storage", b, "root_block_device.encrypted is not true")
		}
	case "aws_ebs_volume":
		if _, kms := b.Body.Attributes["kms_key_id"]; !isTrue(b, "encrypted") || !kms {
			t.add("encrypted-storage", b, "encrypted is not true with a kms_key_id")
		}
	case "aws_security_group":
		for _, in := range children(b, "ingress") {
			if t.openCIDR(in, "cidr_blocks", "ipv6_cidr_blocks") {
				t.add("open-ingress", b, "an ingress rule admits the internet")
			}
		}
	case "aws_security_group_rule":
		if isString(b, "type", "ingress") && t.openCIDR(b, "cidr_blocks", "ipv6_cidr_blocks") {
			t.add("open-ingress", b, "the ingress rule admits the internet")
		}
	case "aws_vpc_security_group_ingress_rule":
		if t.openCIDR(b, "cidr_ipv4", "cidr_ipv6") {
			t.add("open-ingress", b, "the ingress rule admits the internet")
		}
	case "kubernetes_network_policy", "kubernetes_network_policy_v1":
		walk(b, func(n *hclsyntax.Block) {
			if n.Type == "ingress" {
				walk(n, func(ip *hclsyntax.Block) {
					if ip.Type == "ip_block" && t.openCIDR(ip, "cidr") {
						t.add("open-ingress", b, "an ingress rule admits the internet")
					}
				})
			}
		})
	}
	if strings.HasPrefix(b.Labels[0], "kubernetes_") {
		walk(b, func(n *hclsyntax.Block) {
			body := n
			if n.Type == "dynamic" && len(n.Labels) == 1 {
				if c := children(n, "content"); len(c) == 1 {
					body = &hclsyntax.Block{Type: n.Labels[0], Body: c[0].Body, TypeRange: n.TypeRange}
				}
			}
			if body.Type != "container" && body.Type != "init_container" {
				return
			}
			sc := children(body, "security_context")
			if len(sc) == 0 || !isFalse(sc[0], "allow_privilege_escalation") || isTrue(sc[0], "privileged") {
				t.add("container-hardening", n, "a container does not set allow_privilege_escalation = false, or is privileged")
			}
		})
	}
}

// openCIDR reports whether any of the attributes mentions the whole internet.
func (t *tfScan) openCIDR(b *hclsyntax.Block, attrs ...string) bool {
	for _, name := range attrs {
		if a, ok := b.Body.Attributes[name]; ok {
			src := string(a.Expr.Range().SliceBytes(t.src))
			if strings.Contains(src, `"0.0.0.0/0"`) || strings.Contains(src, `"::/0"`) {
				return true
			}
		}
	}
	return false
}

func children(b *hclsyntax.Block, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, c := range b.Body.Blocks {
		if c.Type == typ {
			out = append(out, c)
		}
	}
	return out
}

// walk visits every block nested in b, depth first.
func walk(b *hclsyntax.Block, visit func(*hclsyntax.Block)) {
	for _, c := range b.Body.Blocks {
		visit(c)
		walk(c, visit)
	}
}

func anyBlock(bs []*hclsyntax.Block, ok func(*hclsyntax.Block) bool) bool {
	for _, b := range bs {
		if ok(b) {
			return true
		}
	}
	return false
}

// Constant evaluates an attribute that holds a constant (no references);
// the composer reads the rendered template's facts with it too.
func Constant(a *hclsyntax.Attribute) (cty.Value, bool) {
	if a == nil {
		return cty.NilVal, false
	}
	v, diags := a.Expr.Value(&hcl.EvalContext{})
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
		return cty.NilVal, false
	}
	return v, true
}

func isString(b *hclsyntax.Block, attr, want string) bool {
	v, ok := Constant(b.Body.Attributes[attr])
	return ok && v.Type() == cty.String && v.AsString() == want
}

func isBool(b *hclsyntax.Block, attr string, want bool) bool {
	v, ok := Constant(b.Body.Attributes[attr])
	return ok && v.Type() == cty.Bool && v.True() == want
}

func isTrue(b *hclsyntax.Block, attr string) bool  { return isBool(b, attr, true) }
func isFalse(b *hclsyntax.Block, attr string) bool { return isBool(b, attr, false) }
