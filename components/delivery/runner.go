package delivery

import (
	_ "embed"
	"strings"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

//go:embed lib.sh
var libScript string

//go:embed deliver.sh
var deliverScript string

//go:embed configure.sh
var configureScript string

// Script is the delivery script a template's Job runs.
func Script() string { return withLib(deliverScript) }

// ConfigureScript is the Day-2 configuration script its Job runs.
func ConfigureScript() string { return withLib(configureScript) }

// withLib puts the shared functions in front of a script, after its
// shebang and comments, so that they exist before its first command.
func withLib(script string) string { return "set -euo pipefail\n" + libScript + "\n" + script }

// WithLib is withLib for another component's script run on the coder
// image (components/scaletest): one copy of the coderd API helpers.
func WithLib(script string) string { return withLib(script) }

// Runner is how a delivery Job runs: the coder image at the stack's pinned
// version, as a service account that reads one coderd token, on the
// control tier.
type Runner struct {
	// CoderURL is coderd's access URL (https).
	CoderURL string
	// Image is the coder image at the stack's pinned version.
	Image     string
	Namespace string
	// ServiceAccount runs the Job; TokenSecret is the Kubernetes secret
	// (key "token") synced from Secrets Manager.
	ServiceAccount string
	TokenSecret    string
	// TokenSecretName is the token's Secrets Manager name, for the message
	// when coderd rejects it.
	TokenSecretName string
	// LicensedFeatures are coder.license.features; the scripts skip what
	// an unlicensed coderd does not serve.
	LicensedFeatures []string
	// Placement is the Job pod's node selector and toleration.
	NodeSelector map[string]string
	Toleration   map[string]string
	KubeProvider pulumi.ProviderResource
	DependsOn    []pulumi.Resource
}

// env is the environment every script reads.
func (r Runner) env() [][2]string {
	return [][2]string{{"CODER_URL", r.CoderURL}, {"LICENSED_FEATURES", strings.Join(r.LicensedFeatures, ",")},
		{"TOKEN_SECRET", r.TokenSecretName}}
}

// jobSpec is one script run as a Job: plain env, the token, and the
// volumes it mounts, read-only but for /tmp.
type jobSpec struct {
	name, container, script string
	env                     [][2]string
	secretEnv               corev1.EnvVarArray
	mounts                  corev1.VolumeMountArray
	volumes                 corev1.VolumeArray
	meta                    *metav1.ObjectMetaArgs
	// podAnnotations are on the pod template: a change replaces the Job,
	// so it runs again.
	podAnnotations map[string]string
	// once: a failed pod is not run again; the next scheduled run is the
	// retry (a run that counts what it starts must not start it twice).
	once bool
}

// job creates the Job. Jobs are kept after completion: a deleted Job would
// make the next refresh see drift and run it again.
func (r Runner) job(ctx *pulumi.Context, s jobSpec, opts ...pulumi.ResourceOption) (*batchv1.Job, error) {
	return batchv1.NewJob(ctx, s.name, &batchv1.JobArgs{Metadata: s.meta, Spec: r.spec(s)}, opts...)
}

// cronJob runs the same script on a schedule; one run at a time.
func (r Runner) cronJob(ctx *pulumi.Context, s jobSpec, schedule string, opts ...pulumi.ResourceOption) (*batchv1.CronJob, error) {
	return batchv1.NewCronJob(ctx, s.name, &batchv1.CronJobArgs{Metadata: s.meta, Spec: batchv1.CronJobSpecArgs{
		Schedule: pulumi.String(schedule), ConcurrencyPolicy: pulumi.String("Forbid"),
		SuccessfulJobsHistoryLimit: pulumi.Int(3), FailedJobsHistoryLimit: pulumi.Int(3),
		JobTemplate: batchv1.JobTemplateSpecArgs{Spec: r.spec(s)},
	}}, opts...)
}

// spec is the Job spec both run.
func (r Runner) spec(s jobSpec) batchv1.JobSpecArgs {
	envs := corev1.EnvVarArray{}
	for _, kv := range append(r.env(), s.env...) {
		envs = append(envs, corev1.EnvVarArgs{Name: pulumi.String(kv[0]), Value: pulumi.String(kv[1])})
	}
	envs = append(envs, secretEnv("CODER_SESSION_TOKEN", r.TokenSecret, "token", false))
	envs = append(envs, s.secretEnv...)
	tol := corev1.TolerationArray{}
	if r.Toleration != nil {
		tol = append(tol, corev1.TolerationArgs{Key: pulumi.String(r.Toleration["key"]), Operator: pulumi.String("Equal"),
			Value: pulumi.String(r.Toleration["value"]), Effect: pulumi.String(r.Toleration["effect"])})
	}
	mounts := append(corev1.VolumeMountArray{corev1.VolumeMountArgs{Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp")}}, s.mounts...)
	volumes := append(corev1.VolumeArray{corev1.VolumeArgs{Name: pulumi.String("tmp"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{}}}, s.volumes...)
	var podMeta metav1.ObjectMetaPtrInput
	if len(s.podAnnotations) > 0 {
		podMeta = &metav1.ObjectMetaArgs{Annotations: pulumi.ToStringMap(s.podAnnotations)}
	}
	backoff := 4
	if s.once {
		backoff = 0
	}
	return batchv1.JobSpecArgs{
		BackoffLimit:          pulumi.Int(backoff),
		ActiveDeadlineSeconds: pulumi.Int(1800),
		Template: corev1.PodTemplateSpecArgs{Metadata: podMeta, Spec: &corev1.PodSpecArgs{
			ServiceAccountName: pulumi.String(r.ServiceAccount),
			RestartPolicy:      pulumi.String("Never"),
			NodeSelector:       pulumi.ToStringMap(r.NodeSelector),
			Tolerations:        tol,
			SecurityContext: &corev1.PodSecurityContextArgs{RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(1000),
				SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")}},
			Containers: corev1.ContainerArray{corev1.ContainerArgs{
				Name:    pulumi.String(s.container),
				Image:   pulumi.String(r.Image),
				Command: pulumi.ToStringArray([]string{"/bin/bash", "-c", s.script}),
				Env:     envs,
				SecurityContext: &corev1.SecurityContextArgs{AllowPrivilegeEscalation: pulumi.Bool(false), ReadOnlyRootFilesystem: pulumi.Bool(true),
					Capabilities: &corev1.CapabilitiesArgs{Drop: pulumi.ToStringArray([]string{"ALL"})}},
				VolumeMounts: mounts,
			}},
			Volumes: volumes,
		}},
	}
}

// opts parents a resource, and sets its provider and dependencies.
func (r Runner) opts(parent pulumi.Resource, deps ...pulumi.Resource) []pulumi.ResourceOption {
	return []pulumi.ResourceOption{pulumi.Parent(parent), pulumi.Provider(r.KubeProvider), pulumi.DependsOn(append(deps, r.DependsOn...))}
}

// secretEnv is an env entry read from a Kubernetes secret; an optional one
// is empty when the key is absent.
func secretEnv(name, secret, key string, optional bool) corev1.EnvVarArgs {
	ref := &corev1.SecretKeySelectorArgs{Name: pulumi.String(secret), Key: pulumi.String(key)}
	if optional {
		ref.Optional = pulumi.Bool(true)
	}
	return corev1.EnvVarArgs{Name: pulumi.String(name), ValueFrom: &corev1.EnvVarSourceArgs{SecretKeyRef: ref}}
}
