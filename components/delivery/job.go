package delivery

import (
	"encoding/json"
	"fmt"
	"strings"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"
)

// deliver creates the ConfigMaps and the Job that pushes them.
func (t *Template) deliver(ctx *pulumi.Context, name string, args *TemplateArgs) (*batchv1.Job, error) {
	files, items, err := t.files(ctx, name, args)
	if err != nil {
		return nil, err
	}
	vars, err := t.variables(ctx, name, args)
	if err != nil {
		return nil, err
	}
	ro := func(n, path string) corev1.VolumeMountArgs {
		return corev1.VolumeMountArgs{Name: pulumi.String(n), MountPath: pulumi.String(path), ReadOnly: pulumi.Bool(true)}
	}
	return args.Runner.job(ctx, jobSpec{
		name: name + "-deliver", container: "deliver", script: Script(), env: JobEnv(args), meta: metadata(args),
		mounts: corev1.VolumeMountArray{ro("template", "/template"), ro("vars", "/vars")},
		volumes: corev1.VolumeArray{
			corev1.VolumeArgs{Name: pulumi.String("template"), ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: files.Metadata.Name(), Items: items}},
			corev1.VolumeArgs{Name: pulumi.String("vars"), ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: vars.Metadata.Name()}},
		},
	}, t.k8s(args, files, vars)...)
}

// JobEnv is the Job's own plain environment: what to deliver and the
// template settings, as the coder CLI spells them. The Runner adds coderd's
// URL, the licensed features and the token.
func JobEnv(args *TemplateArgs) [][2]string {
	tpl := args.Template
	s := tpl.Schedule
	m := tpl.Composition
	return [][2]string{
		{"CODER_ORGANIZATION", args.Organization},
		{"TEMPLATE_NAME", tpl.Name},
		{"PROVISIONER_TAGS", strings.Join(tpl.ImportTags(), " ")},
		{"TEMPLATE_VERSION", tpl.VersionName()},
		{"TEMPLATE_MESSAGE", fmt.Sprintf("%s %s on %s %s (composer %s)", tpl.Toolchain.Name, tpl.Toolchain.Version, tpl.Base.Name, tpl.Base.Version, tpl.Provenance.Composer)},
		{"TEMPLATE_DISPLAY_NAME", m.DisplayName},
		{"TEMPLATE_DESCRIPTION", m.Description},
		{"TEMPLATE_ICON", m.Icon},
		{"DEFAULT_TTL", s.DefaultTTL.String()},
		{"ACTIVITY_BUMP", s.ActivityBump.String()},
		{"AUTOSTOP_REQUIREMENT_DAYS", strings.Join(s.RequirementDays, ",")},
		{"AUTOSTOP_REQUIREMENT_WEEKS", fmt.Sprint(s.RequirementWeeks)},
		{"AUTOSTART_DAYS", strings.Join(s.Days, ",")},
		{"ALLOW_USER_AUTOSTART", fmt.Sprint(s.AllowUserAutostart)},
		{"ALLOW_USER_AUTOSTOP", fmt.Sprint(s.AllowUserAutostop)},
		{"REQUIRE_ACTIVE_VERSION", fmt.Sprint(s.RequireActiveVersion)},
		{"ACCESS_GROUPS", strings.Join(args.groups(), ",")},
		{"DEPRECATION_MESSAGE", m.Settings.Deprecated},
	}
}

// variablesYAML renders the --variables-file. Coder reads every value as a
// string; a list(string) is given as its JSON, which Terraform parses.
func variablesYAML(names []string, values []any) (string, error) {
	doc := map[string]string{}
	for i, n := range names {
		switch v := values[i].(type) {
		case string:
			doc[n] = v
		default:
			js, err := json.Marshal(v)
			if err != nil {
				return "", err
			}
			doc[n] = string(js)
		}
	}
	out, err := yaml.Marshal(doc)
	return string(out), err
}
