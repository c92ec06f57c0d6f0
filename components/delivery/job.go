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
	envs := corev1.EnvVarArray{}
	for _, kv := range JobEnv(args) {
		envs = append(envs, corev1.EnvVarArgs{Name: pulumi.String(kv[0]), Value: pulumi.String(kv[1])})
	}
	envs = append(envs, corev1.EnvVarArgs{Name: pulumi.String("CODER_SESSION_TOKEN"), ValueFrom: &corev1.EnvVarSourceArgs{
		SecretKeyRef: &corev1.SecretKeySelectorArgs{Name: pulumi.String(args.TokenSecret), Key: pulumi.String("token")},
	}})
	tol := corev1.TolerationArray{}
	if args.Toleration != nil {
		tol = append(tol, corev1.TolerationArgs{Key: pulumi.String(args.Toleration["key"]), Operator: pulumi.String("Equal"),
			Value: pulumi.String(args.Toleration["value"]), Effect: pulumi.String(args.Toleration["effect"])})
	}
	return batchv1.NewJob(ctx, name+"-deliver", &batchv1.JobArgs{
		Metadata: metadata(args),
		Spec: batchv1.JobSpecArgs{
			// Kept after completion: a deleted Job would make the next
			// refresh see drift and run it again.
			BackoffLimit:          pulumi.Int(4),
			ActiveDeadlineSeconds: pulumi.Int(1800),
			Template: corev1.PodTemplateSpecArgs{Spec: &corev1.PodSpecArgs{
				ServiceAccountName: pulumi.String(args.ServiceAccount),
				RestartPolicy:      pulumi.String("Never"),
				NodeSelector:       pulumi.ToStringMap(args.NodeSelector),
				Tolerations:        tol,
				SecurityContext: &corev1.PodSecurityContextArgs{RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(1000),
					SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")}},
				Containers: corev1.ContainerArray{corev1.ContainerArgs{
					Name:    pulumi.String("deliver"),
					Image:   pulumi.String(args.Image),
					Command: pulumi.ToStringArray([]string{"/bin/bash", "-c", deliverScript}),
					Env:     envs,
					SecurityContext: &corev1.SecurityContextArgs{AllowPrivilegeEscalation: pulumi.Bool(false), ReadOnlyRootFilesystem: pulumi.Bool(true),
						Capabilities: &corev1.CapabilitiesArgs{Drop: pulumi.ToStringArray([]string{"ALL"})}},
					VolumeMounts: corev1.VolumeMountArray{
						corev1.VolumeMountArgs{Name: pulumi.String("template"), MountPath: pulumi.String("/template"), ReadOnly: pulumi.Bool(true)},
						corev1.VolumeMountArgs{Name: pulumi.String("vars"), MountPath: pulumi.String("/vars"), ReadOnly: pulumi.Bool(true)},
						corev1.VolumeMountArgs{Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp")},
					},
				}},
				Volumes: corev1.VolumeArray{
					corev1.VolumeArgs{Name: pulumi.String("template"), ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: files.Metadata.Name(), Items: items}},
					corev1.VolumeArgs{Name: pulumi.String("vars"), ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: vars.Metadata.Name()}},
					corev1.VolumeArgs{Name: pulumi.String("tmp"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{}},
				},
			}},
		},
	}, t.k8s(args, files, vars)...)
}

// JobEnv is the Job's plain environment: what to deliver and the template
// settings, as the coder CLI spells them. The token is added from a secret.
func JobEnv(args *TemplateArgs) [][2]string {
	tpl := args.Template
	s := tpl.Schedule
	m := tpl.Composition
	return [][2]string{
		{"CODER_URL", args.CoderURL},
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
		{"QUOTA_ALLOWANCE", fmt.Sprint(m.Settings.MaxWorkspacesPerUser)},
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
