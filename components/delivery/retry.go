package delivery

import (
	_ "embed"
	"fmt"
	"strings"
	"time"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/tokens"
)

//go:embed retry.sh
var retryScript string

// RetryScript is the script the build-retry CronJob runs.
func RetryScript() string { return withLib(retryScript) }

// RetryFailurePattern is the line a run that could not do its work ends
// with (coderd unreachable, the token rejected, a start refused).
const RetryFailurePattern = "retry: FAILED"

// BuildRetriesArgs retries workspace starts that failed for an
// infrastructure reason (Failures), with exponential backoff: the n-th
// retry waits BaseDelay * 2^(n-1), at most MaxDelay, after the failure
// before it.
type BuildRetriesArgs struct {
	// MaxAttempts is the most retries one failure gets.
	MaxAttempts         int
	BaseDelay, MaxDelay time.Duration
	// MaxPerRun bounds the starts of one run, so that a storm of failures
	// is not replayed all at once into the same shortage.
	MaxPerRun int
	// Window leaves alone failures older than this: their owner has moved
	// on, and a start now would spend money unasked.
	Window time.Duration
	// Schedule runs it (cron, UTC); one run at a time.
	Schedule string
	// SkipTemplates are template names whose failed builds are left alone:
	// the scale test's, whose first-try success is what it measures.
	SkipTemplates []string
	// Runner must hold a token that may start other users' workspaces
	// (the owner role; template-admin may only read them).
	Runner
}

// BuildRetries is the CronJob that retries failed workspace builds.
type BuildRetries struct {
	pulumi.ResourceState

	CronJobName pulumi.StringOutput `pulumi:"cronJobName"`
}

// NewBuildRetries creates the CronJob running retry.sh.
func NewBuildRetries(ctx *pulumi.Context, name string, args *BuildRetriesArgs, opts ...pulumi.ResourceOption) (*BuildRetries, error) {
	b := &BuildRetries{}
	retryOn, never := pulumi.StringArray{}, pulumi.StringArray{}
	for _, f := range Failures {
		if f.Retry {
			retryOn = append(retryOn, pulumi.String(f.Text))
		} else {
			never = append(never, pulumi.String(f.Text))
		}
	}
	if err := ctx.RegisterComponentResourceV2(tokens.BuildRetries, name, pulumi.Map{
		"maxAttempts": pulumi.Int(args.MaxAttempts), "baseDelaySeconds": pulumi.Int(int(args.BaseDelay.Seconds())),
		"maxDelaySeconds": pulumi.Int(int(args.MaxDelay.Seconds())), "maxPerRun": pulumi.Int(args.MaxPerRun),
		"windowSeconds": pulumi.Int(int(args.Window.Seconds())), "schedule": pulumi.String(args.Schedule),
		"retryOn": retryOn, "neverRetry": never, "serviceAccount": pulumi.String(args.ServiceAccount),
	}, b, opts...); err != nil {
		return nil, err
	}
	// once: each run starts at most MAX_PER_RUN builds; a pod run again
	// after a failure would start more.
	spec := jobSpec{name: name + "-retry", container: "retry", script: RetryScript(), env: RetryEnv(args), once: true,
		meta: &metav1.ObjectMetaArgs{Namespace: pulumi.String(args.Namespace),
			Labels: pulumi.StringMap{"app.kubernetes.io/name": pulumi.String("coder-build-retries")}}}
	cron, err := args.Runner.cronJob(ctx, spec, args.Schedule, args.Runner.opts(b)...)
	if err != nil {
		return nil, fmt.Errorf("build retries %s: %w", name, err)
	}
	b.CronJobName = cron.Metadata.Name().Elem()
	if err := ctx.RegisterResourceOutputs(b, pulumi.Map{"cronJobName": b.CronJobName}); err != nil {
		return nil, err
	}
	return b, nil
}

// RetryEnv is the CronJob's own plain environment.
func RetryEnv(args *BuildRetriesArgs) [][2]string {
	secs := func(d time.Duration) string { return fmt.Sprint(int(d.Seconds())) }
	return [][2]string{
		{"MAX_ATTEMPTS", fmt.Sprint(args.MaxAttempts)}, {"BASE_DELAY_SECONDS", secs(args.BaseDelay)},
		{"MAX_DELAY_SECONDS", secs(args.MaxDelay)}, {"MAX_PER_RUN", fmt.Sprint(args.MaxPerRun)},
		{"RETRY_WINDOW_SECONDS", secs(args.Window)},
		{"RETRY_ON", rows(true)}, {"NEVER_RETRY", rows(false)},
		{"SKIP_TEMPLATES", strings.Join(args.SkipTemplates, " ")},
	}
}
