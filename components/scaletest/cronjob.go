package scaletest

import (
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/components/internal/bucket"
)

//go:embed run.sh
var runScript string

// Script is what the scaletest container runs: the coderd API helpers of
// the delivery Jobs, then run.sh.
func Script() string { return delivery.WithLib(runScript) }

// UploadImage copies the results to S3: the AWS CLI's official image on
// ECR Public ("Running the official Amazon ECR Public or Docker images for
// the AWS CLI", AWS CLI User Guide; tags are CLI versions).
const UploadImage = "public.ecr.aws/aws-cli/aws-cli:2.27.22"

func (a *Args) uploadImage() string {
	if a.UploadImage != "" {
		return a.UploadImage
	}
	return UploadImage
}

// uploadScript copies every result file under s3://BUCKET/STACK/RUN/ (the
// bucket's default encryption is SSE-KMS) and exits with the run's status.
const uploadScript = `set -eu
status=$(cat /results/status 2>/dev/null || echo 1)
aws s3 cp --recursive --no-progress /results "s3://${RESULTS_BUCKET}/${STACK}/${RUN_ID}/"
echo "results: s3://${RESULTS_BUCKET}/${STACK}/${RUN_ID}/ (run status ${status})"
exit "$status"`

// suspendedSchedule is the schedule of a CronJob that only runs by hand;
// it never fires while suspended.
const suspendedSchedule = "0 0 1 1 *"

// cronJob is the run: the scale test in an init container (its results in
// a shared emptyDir), then the upload. One run at a time, never retried (a
// retry would create the workspaces again), kept for inspection.
func (s *Scaletest) cronJob(ctx *pulumi.Context, name string, a *Args, b *bucket.Bucket, token pulumi.Resource) (*batchv1.CronJob, error) {
	schedule, suspend := a.Schedule, false
	if schedule == "" {
		schedule, suspend = suspendedSchedule, true
	}
	return batchv1.NewCronJob(ctx, name, &batchv1.CronJobArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(CronJobName), Namespace: pulumi.String(a.Namespace),
			Labels: pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(CronJobName)}},
		Spec: batchv1.CronJobSpecArgs{
			Schedule: pulumi.String(schedule), Suspend: pulumi.Bool(suspend), ConcurrencyPolicy: pulumi.String("Forbid"),
			SuccessfulJobsHistoryLimit: pulumi.Int(3), FailedJobsHistoryLimit: pulumi.Int(3),
			JobTemplate: batchv1.JobTemplateSpecArgs{Spec: a.jobSpec(b)},
		},
	}, a.k8s(s, b.Ready, token)...)
}

// jobSpec is one run.
func (a *Args) jobSpec(b *bucket.Bucket) batchv1.JobSpecArgs {
	secCtx := &corev1.SecurityContextArgs{AllowPrivilegeEscalation: pulumi.Bool(false), ReadOnlyRootFilesystem: pulumi.Bool(true),
		Capabilities: &corev1.CapabilitiesArgs{Drop: pulumi.ToStringArray([]string{"ALL"})}}
	mounts := corev1.VolumeMountArray{
		corev1.VolumeMountArgs{Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp")},
		corev1.VolumeMountArgs{Name: pulumi.String("results"), MountPath: pulumi.String(ResultsDir)},
	}
	runID := corev1.EnvVarArgs{Name: pulumi.String("RUN_ID"), ValueFrom: &corev1.EnvVarSourceArgs{
		// The Job controller labels its pods with the Job's name.
		FieldRef: &corev1.ObjectFieldSelectorArgs{FieldPath: pulumi.String("metadata.labels['batch.kubernetes.io/job-name']")}}}
	t := a.Tier.Toleration()
	tol := corev1.TolerationArray{corev1.TolerationArgs{Key: pulumi.String(fmt.Sprint(t["key"])), Operator: pulumi.String(fmt.Sprint(t["operator"])),
		Value: pulumi.String(fmt.Sprint(t["value"])), Effect: pulumi.String(fmt.Sprint(t["effect"]))}}
	selector := pulumi.StringMap{}
	for k, v := range a.Tier.NodeSelector() {
		selector[k] = pulumi.String(fmt.Sprint(v))
	}
	return batchv1.JobSpecArgs{
		BackoffLimit:          pulumi.Int(0),
		ActiveDeadlineSeconds: pulumi.Int(int(math.Ceil(a.Run.Budget.Seconds()))),
		Template: corev1.PodTemplateSpecArgs{
			Metadata: &metav1.ObjectMetaArgs{Labels: pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(CronJobName)}},
			Spec: &corev1.PodSpecArgs{
				ServiceAccountName: pulumi.String(ServiceAccount),
				RestartPolicy:      pulumi.String("Never"),
				NodeSelector:       selector,
				Tolerations:        tol,
				SecurityContext: &corev1.PodSecurityContextArgs{RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(1000), FsGroup: pulumi.Int(1000),
					SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")}},
				InitContainers: corev1.ContainerArray{corev1.ContainerArgs{
					Name: pulumi.String("scaletest"), Image: pulumi.String(a.Image), WorkingDir: pulumi.String("/tmp"),
					Command: pulumi.ToStringArray([]string{"/bin/bash", "-c", Script()}),
					Env:     append(envs(a.scriptEnv()), runID, tokenEnv()),
					// The harness keeps every run's logs in memory until it
					// writes the results.
					Resources: &corev1.ResourceRequirementsArgs{
						Requests: pulumi.StringMap{"cpu": pulumi.String("500m"), "memory": pulumi.String("1Gi")},
						Limits:   pulumi.StringMap{"memory": pulumi.String("4Gi")},
					},
					SecurityContext: secCtx, VolumeMounts: mounts,
				}},
				Containers: corev1.ContainerArray{corev1.ContainerArgs{
					Name: pulumi.String("upload"), Image: pulumi.String(a.uploadImage()),
					Command: pulumi.ToStringArray([]string{"/bin/sh", "-c", uploadScript}),
					Env: append(envs([][2]string{{"STACK", a.Stack}, {"HOME", "/tmp"}, {"AWS_REGION", a.Region}}), runID,
						corev1.EnvVarArgs{Name: pulumi.String("RESULTS_BUCKET"), Value: b.Bucket}),
					SecurityContext: secCtx, VolumeMounts: mounts,
				}},
				Volumes: corev1.VolumeArray{
					corev1.VolumeArgs{Name: pulumi.String("tmp"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{}},
					corev1.VolumeArgs{Name: pulumi.String("results"), EmptyDir: &corev1.EmptyDirVolumeSourceArgs{}},
				},
			},
		},
	}
}

// scriptEnv is run.sh's environment: where coderd is, what to test and
// the command lines.
func (a *Args) scriptEnv() [][2]string {
	dashboardUsers := 0
	if d := a.Run.Dashboard; d != nil {
		dashboardUsers = d.Users
	}
	// ORGANIZATION is not CODER_ORGANIZATION: the CLI would read that as
	// --org, which takes no "default" (run.sh passes the id).
	env := [][2]string{{"CODER_URL", a.CoderURL}, {"HOME", "/tmp"}, {"ORGANIZATION", a.Organization},
		{"TEMPLATE_NAME", a.Template}, {"SCALETEST_GROUP", a.Group}, {"GROUP_ALLOWANCE", strconv.Itoa(a.GroupAllowance)},
		{"DASHBOARD_USERS", strconv.Itoa(dashboardUsers)},
		{"LICENSED_FEATURES", strings.Join(a.LicensedFeatures, ",")},
		{"TOKEN_SECRET", a.AdminToken.Name}, {"RUN_TOKEN_LIFETIME", fmt.Sprintf("%dm", int(math.Ceil(a.Run.Budget.Minutes())))}}
	return append(env, Commands(a)...)
}

// tokenEnv is the admin token, from the secret External Secrets keeps.
func tokenEnv() corev1.EnvVarArgs {
	return corev1.EnvVarArgs{Name: pulumi.String("CODER_SESSION_TOKEN"), ValueFrom: &corev1.EnvVarSourceArgs{
		SecretKeyRef: &corev1.SecretKeySelectorArgs{Name: pulumi.String(tokenSecret), Key: pulumi.String("token")}}}
}

func envs(kv [][2]string) corev1.EnvVarArray {
	out := corev1.EnvVarArray{}
	for _, e := range kv {
		out = append(out, corev1.EnvVarArgs{Name: pulumi.String(e[0]), Value: pulumi.String(e[1])})
	}
	return out
}
