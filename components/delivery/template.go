// Package delivery delivers composed Coder templates to a deployed coderd.
// Each template is a coder:templates:Template component whose inputs are the
// contract facts the policy pack judges; under it an immutable ConfigMap
// holds the template directory and a Job runs the stack's pinned coder CLI
// to push it, set the template's schedule and restrict it to groups. The
// Day-2 configuration (configuration.go) runs before it: the licence, the
// owners, and the groups with their quota. The ConfigMaps and the Job are auto-named, so a change of content,
// settings or infrastructure variables replaces the Job and it runs again;
// with no change nothing runs.
package delivery

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/templates/compose"
)

// TemplateArgs configures the delivery of one composed template.
type TemplateArgs struct {
	Template     *compose.Template
	Organization string
	// Groups replace the composition's access groups when set.
	Groups []string
	// Variables are the base's infrastructure variables by name: strings or
	// string arrays, known only at deploy time.
	Variables map[string]pulumi.Input
	Runner
}

// Template is one template delivered to coderd.
type Template struct {
	pulumi.ResourceState

	VersionName pulumi.StringOutput `pulumi:"versionName"`
	ContentHash pulumi.StringOutput `pulumi:"contentHash"`
	JobName     pulumi.StringOutput `pulumi:"jobName"`
}

// NewTemplate registers the template and its delivery Job.
func NewTemplate(ctx *pulumi.Context, name string, args *TemplateArgs, opts ...pulumi.ResourceOption) (*Template, error) {
	t := &Template{}
	if err := ctx.RegisterComponentResourceV2(tokens.Template, name, Inputs(args), t, opts...); err != nil {
		return nil, err
	}
	job, err := t.deliver(ctx, name, args)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	t.VersionName = pulumi.String(args.Template.VersionName()).ToStringOutput()
	t.ContentHash = pulumi.String(args.Template.Hash).ToStringOutput()
	t.JobName = job.Metadata.Name().Elem()
	if err := ctx.RegisterResourceOutputs(t, pulumi.Map{
		"versionName": t.VersionName, "contentHash": t.ContentHash, "jobName": t.JobName,
	}); err != nil {
		return nil, err
	}
	return t, nil
}

// Groups are the groups granted use of the template.
func (a *TemplateArgs) groups() []string { return AccessGroups(a.Template, a.Groups) }

// AccessGroups are the groups granted a template: the stack's override
// when it sets one, else the composition's.
func AccessGroups(t *compose.Template, override []string) []string {
	if len(override) > 0 {
		return override
	}
	return t.Composition.Settings.Access.Groups
}

// configMapKey flattens a template path: ConfigMap keys cannot hold "/".
func configMapKey(path string) string { return strings.ReplaceAll(path, "/", "__") }

func (t *Template) k8s(args *TemplateArgs, deps ...pulumi.Resource) []pulumi.ResourceOption {
	return args.Runner.opts(t, deps...)
}

// files is the immutable ConfigMap of the template directory.
func (t *Template) files(ctx *pulumi.Context, name string, args *TemplateArgs) (*corev1.ConfigMap, corev1.KeyToPathArray, error) {
	data := pulumi.StringMap{}
	var items corev1.KeyToPathArray
	// In path order: the items are a list, and Go's map order would change
	// the Job's spec, and re-run the delivery, on every `pulumi up`.
	for _, path := range slices.Sorted(maps.Keys(args.Template.Files)) {
		data[configMapKey(path)] = pulumi.String(string(args.Template.Files[path]))
		items = append(items, corev1.KeyToPathArgs{Key: pulumi.String(configMapKey(path)), Path: pulumi.String(path)})
	}
	cm, err := corev1.NewConfigMap(ctx, name+"-files", &corev1.ConfigMapArgs{
		Metadata:  metadata(args),
		Immutable: pulumi.Bool(true),
		Data:      data,
	}, t.k8s(args)...)
	return cm, items, err
}

// variables is the ConfigMap of the --variables-file: infrastructure IDs
// only, never secrets.
func (t *Template) variables(ctx *pulumi.Context, name string, args *TemplateArgs) (*corev1.ConfigMap, error) {
	names := make([]string, 0, len(args.Variables))
	values := make([]any, 0, len(args.Variables))
	for _, v := range args.Template.Base.Variables {
		in, ok := args.Variables[v.Name]
		if !ok {
			return nil, fmt.Errorf("base %s needs variable %s (%s)", args.Template.Base.Name, v.Name, v.Description)
		}
		names = append(names, v.Name)
		values = append(values, in)
	}
	doc := pulumi.All(values...).ApplyT(func(vs []any) (string, error) { return variablesYAML(names, vs) }).(pulumi.StringOutput)
	return corev1.NewConfigMap(ctx, name+"-vars", &corev1.ConfigMapArgs{
		Metadata:  metadata(args),
		Immutable: pulumi.Bool(true),
		Data:      pulumi.StringMap{"variables.yaml": doc},
	}, t.k8s(args)...)
}

// metadata leaves the name to Pulumi's auto-naming, so that a change is a
// replacement under a new name.
func metadata(args *TemplateArgs) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Namespace: pulumi.String(args.Namespace), Labels: pulumi.StringMap{
		"app.kubernetes.io/name": pulumi.String("coder-template-delivery"), "coder.com/template": pulumi.String(args.Template.Name),
	}}
}
