package compose

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/templates"
)

// Footprint is what one running workspace of a size asks of the platform,
// read from the base's Terraform as it renders for that size and the
// template's settings: every container's requests and limits (sidecars the
// settings switch on included) and the home volume. EC2 sizes run on their
// own instance and take no node capacity.
type Footprint struct {
	Template string
	Size     string
	Platform string
	// Containers of the workspace pod, in the order the base declares them.
	Containers []Container
	// DiskGiB is the home volume (the PVC's request on Kubernetes).
	DiskGiB      int
	InstanceType string
}

// Container is one container's resources.
type Container struct {
	Name     string
	Requests sizing.Resources
	Limits   sizing.Resources
}

// Name is "<template>/<size>", the key a workload mix uses.
func (f Footprint) Name() string { return f.Template + "/" + f.Size }

// Footprints evaluates the base for every offered size.
func (t *Template) Footprints() ([]Footprint, error) {
	var out []Footprint
	for _, p := range t.Profiles {
		f := Footprint{Template: t.Name, Size: p.Name, Platform: t.Base.Platform, DiskGiB: p.DiskGiB, InstanceType: p.InstanceType}
		if t.Base.Platform == templates.PlatformKubernetes {
			var err error
			if f.Containers, f.DiskGiB, err = podResources(t.Files[BaseDir+"/"+MainFile], t.evalContext(p)); err != nil {
				return nil, fmt.Errorf("template %s size %s: %w", t.Name, p.Name, err)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// evalContext binds the base's var.compute_profile and var.settings as the
// root module passes them for profile p.
func (t *Template) evalContext(p Profile) *hcl.EvalContext {
	settings := map[string]cty.Value{}
	for k, v := range t.Settings {
		settings[k] = ctyOf(v)
	}
	profile := cty.ObjectVal(map[string]cty.Value{
		"name": cty.StringVal(p.Name), "cpu": cty.NumberIntVal(int64(p.CPU)), "memory_gib": cty.NumberIntVal(int64(p.MemoryGiB)),
		"disk_gib": cty.NumberIntVal(int64(p.DiskGiB)), "gpu": cty.NumberIntVal(int64(p.GPU)), "instance_type": cty.StringVal(p.InstanceType),
	})
	return &hcl.EvalContext{Variables: map[string]cty.Value{
		"var": cty.ObjectVal(map[string]cty.Value{"compute_profile": profile, "settings": cty.ObjectVal(settings)}),
	}}
}

func ctyOf(v any) cty.Value {
	switch x := v.(type) {
	case string:
		return cty.StringVal(x)
	case bool:
		return cty.BoolVal(x)
	case int:
		return cty.NumberIntVal(int64(x))
	case float64:
		return cty.NumberFloatVal(x)
	case []string:
		vals := make([]cty.Value, len(x))
		for i, s := range x {
			vals[i] = cty.StringVal(s)
		}
		if len(vals) == 0 {
			return cty.ListValEmpty(cty.String)
		}
		return cty.ListVal(vals)
	}
	return cty.DynamicVal
}

// podWorkloads are the Kubernetes resources that run the workspace pod and
// the path from each to its pod spec.
var podWorkloads = map[string][]string{
	"kubernetes_deployment": {"spec", "template", "spec"}, "kubernetes_deployment_v1": {"spec", "template", "spec"},
	"kubernetes_stateful_set": {"spec", "template", "spec"}, "kubernetes_stateful_set_v1": {"spec", "template", "spec"},
	"kubernetes_pod": {"spec"}, "kubernetes_pod_v1": {"spec"},
}

// podResources reads the containers of the base's one workspace pod and its
// persistent volume claim.
func podResources(src []byte, ctx *hcl.EvalContext) ([]Container, int, error) {
	file, diags := hclsyntax.ParseConfig(src, "base/main.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, 0, diags
	}
	var containers []Container
	disk, pods := 0, 0
	for _, b := range file.Body.(*hclsyntax.Body).Blocks {
		if b.Type != "resource" || len(b.Labels) != 2 {
			continue
		}
		switch kind := b.Labels[0]; {
		case podWorkloads[kind] != nil:
			pods++
			spec := descend(b.Body, podWorkloads[kind])
			if spec == nil {
				return nil, 0, fmt.Errorf("%s.%s has no pod spec", kind, b.Labels[1])
			}
			cs, err := specContainers(spec, ctx)
			if err != nil {
				return nil, 0, fmt.Errorf("%s.%s: %w", kind, b.Labels[1], err)
			}
			containers = cs
		case kind == "kubernetes_persistent_volume_claim" || kind == "kubernetes_persistent_volume_claim_v1":
			res := descend(b.Body, []string{"spec", "resources"})
			if res == nil {
				continue
			}
			q, err := quantityMap(res.Attributes["requests"], ctx)
			if err != nil {
				return nil, 0, fmt.Errorf("%s.%s: %w", kind, b.Labels[1], err)
			}
			mib, ok := sizing.ParseMemory(q["storage"])
			if !ok {
				return nil, 0, fmt.Errorf("%s.%s: storage %q is not a binary quantity", kind, b.Labels[1], q["storage"])
			}
			disk += mib / 1024
		}
	}
	if pods != 1 {
		return nil, 0, fmt.Errorf("the base must run exactly one workspace pod, found %d pod workloads", pods)
	}
	return containers, disk, nil
}

// specContainers evaluates each container block of a pod spec, and each
// dynamic "container" block once per element of its for_each.
func specContainers(spec *hclsyntax.Body, ctx *hcl.EvalContext) ([]Container, error) {
	var out []Container
	for _, c := range spec.Blocks {
		body, times := c.Body, 1
		switch {
		case c.Type == "container":
		case c.Type == "dynamic" && slices.Equal(c.Labels, []string{"container"}):
			n, err := forEachLength(c.Body.Attributes["for_each"], ctx)
			if err != nil {
				return nil, err
			}
			body, times = descend(c.Body, []string{"content"}), n
		default:
			continue
		}
		ct, err := container(body, ctx)
		if err != nil {
			return nil, err
		}
		for range times {
			out = append(out, ct)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no container")
	}
	return out, nil
}

func container(body *hclsyntax.Body, ctx *hcl.EvalContext) (Container, error) {
	name := ""
	if a := body.Attributes["name"]; a != nil {
		if v, d := a.Expr.Value(ctx); !d.HasErrors() && v.Type() == cty.String {
			name = v.AsString()
		}
	}
	res := descend(body, []string{"resources"})
	if res == nil {
		return Container{}, fmt.Errorf("container %q sets no resources; every workspace container needs requests and limits", name)
	}
	ct := Container{Name: name}
	for _, part := range []struct {
		attr string
		out  *sizing.Resources
	}{{"requests", &ct.Requests}, {"limits", &ct.Limits}} {
		q, err := quantityMap(res.Attributes[part.attr], ctx)
		if err != nil {
			return Container{}, fmt.Errorf("container %q %s: %w", name, part.attr, err)
		}
		cpu, cok := sizing.ParseCPU(q["cpu"])
		mem, mok := sizing.ParseMemory(q["memory"])
		if !cok || !mok {
			return Container{}, fmt.Errorf("container %q %s must set cpu and memory quantities, got cpu %q memory %q", name, part.attr, q["cpu"], q["memory"])
		}
		*part.out = sizing.Resources{MilliCPU: cpu, MiB: mem}
	}
	return ct, nil
}

// quantityMap evaluates a requests or limits map to its strings.
func quantityMap(a *hclsyntax.Attribute, ctx *hcl.EvalContext) (map[string]string, error) {
	if a == nil {
		return nil, fmt.Errorf("missing")
	}
	v, d := a.Expr.Value(ctx)
	if d.HasErrors() {
		return nil, fmt.Errorf("cannot evaluate: %s", d.Error())
	}
	if !v.IsKnown() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
		return nil, fmt.Errorf("is not a known map")
	}
	out := map[string]string{}
	for k, e := range v.AsValueMap() {
		switch {
		case e.Type() == cty.String:
			out[k] = e.AsString()
		case e.Type() == cty.Number:
			out[k] = e.AsBigFloat().Text('f', -1)
		}
	}
	return out, nil
}

func forEachLength(a *hclsyntax.Attribute, ctx *hcl.EvalContext) (int, error) {
	if a == nil {
		return 0, fmt.Errorf("dynamic container has no for_each")
	}
	v, d := a.Expr.Value(ctx)
	if d.HasErrors() || !v.IsKnown() || !v.CanIterateElements() {
		return 0, fmt.Errorf("dynamic container for_each cannot be evaluated from the size and settings: %s", d.Error())
	}
	return v.LengthInt(), nil
}

// descend follows nested blocks by type (the first of each).
func descend(b *hclsyntax.Body, path []string) *hclsyntax.Body {
	for _, typ := range path {
		var next *hclsyntax.Body
		for _, c := range b.Blocks {
			if c.Type == typ {
				next = c.Body
				break
			}
		}
		if next == nil {
			return nil
		}
		b = next
	}
	return b
}
