// Package scaletest runs Coder's own scale test (`coder exp scaletest`) on a
// region's cluster: a CronJob on the control nodes whose runs create the
// workspaces, load them, clean up and upload the JSON results to a
// KMS-encrypted bucket. The CronJob is suspended unless it has a schedule:
// a run is started on purpose (docs/scaletest.md).
//
// A run mints its own short-lived owner token from the automation
// account's (read from Secrets Manager through External Secrets, as the
// Day-2 configuration does), so the test never holds a long-lived
// credential and the audit log names every call it made. A dedicated owner
// account is not used: the Day-2 configuration fails on any owner that
// coder.identity.owners does not declare (components/delivery/configure.sh).
//
// Every workspace is that account's own (create-workspaces
// --use-host-login): an owner may use any template, so the scale-test
// template stays granted to its access group only and no one else is let
// in. For the quota, the account joins that group, whose allowance covers
// the run's workspaces, while the run lasts (run.sh).
package scaletest

import (
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/components/workloads"
)

// Run is what one run does.
type Run struct {
	// Workspaces are created Concurrency at a time, each tried Retry more
	// times, within Timeout for all and JobTimeout for one.
	Workspaces, Concurrency, Retry int
	Timeout, JobTimeout            time.Duration
	// Traffic and Dashboard, when set, load the workspaces and users.
	Traffic   *Traffic
	Dashboard *Dashboard
	// Cleanup deletes the scale-test workspaces and users within
	// CleanupTimeout.
	Cleanup        bool
	CleanupTimeout time.Duration
	// Budget bounds the whole run, setup and upload included: the Job's
	// deadline, and the lifetime of the run's token.
	Budget time.Duration
}

// Traffic is workspace-traffic.
type Traffic struct {
	Duration, TickInterval time.Duration
	BytesPerTick           int
	SSH                    bool
}

// Dashboard is the dashboard command.
type Dashboard struct {
	Users                      int
	Duration, Interval, Jitter time.Duration
}

// Secret is a Secrets Manager secret the run reads.
type Secret struct {
	Name string
	Arn  pulumi.StringInput
}

// Args configures the scale test of the control-plane region.
type Args struct {
	Stack, Region string
	// CoderURL is coderd's access URL.
	CoderURL string
	// Image runs the commands: coder at the stack's version, or a copy
	// with Chromium for the dashboard command.
	Image string
	// UploadImage copies the results to S3: UploadImage's reference in the
	// region ("": UploadImage itself).
	UploadImage string
	// Organization owns Template, the scale-test template's coderd name.
	Organization, Template string
	// Group is the access group Template is granted to. The run's account
	// (for the group's quota allowance) and the dashboard command's users
	// (to see the template) are its members while the run lasts; with
	// template_rbac unlicensed there are no groups, and it is not used.
	// GroupAllowance is the quota allowance the Day-2 configuration holds
	// it at; a run checks it before it creates anything.
	Group          string
	GroupAllowance int
	Run            Run
	// Schedule starts runs (cron, UTC); "" leaves the CronJob suspended.
	Schedule string
	// RetentionDays expires result files; BucketName is the results
	// bucket's name prefix ("": the component's name).
	RetentionDays int
	BucketName    string
	// LicensedFeatures decide whether template access is granted
	// (template_rbac).
	LicensedFeatures []string
	// AdminToken is the automation account's owner token.
	AdminToken Secret
	// SecretsKeyArn decrypts it; BucketKeyArn encrypts the results.
	SecretsKeyArn, BucketKeyArn pulumi.StringInput
	KubeProvider                pulumi.ProviderResource
	OIDC                        irsa.OIDC
	Namespace                   string
	// Tier places the pod: its node selector and toleration.
	Tier workloads.Tier
	// DependsOn is what must exist first: coderd, External Secrets, the
	// scale-test template.
	DependsOn []pulumi.Resource
}

// Scaletest is the scale test of one region.
type Scaletest struct {
	pulumi.ResourceState

	// Bucket holds the results, under <stack>/<run>/.
	Bucket pulumi.StringOutput `pulumi:"bucket"`
	// CronJob is the name runs are started from.
	CronJob pulumi.StringOutput `pulumi:"cronJob"`
}

// ServiceAccount runs the scale test; only it reads the admin token here
// and writes the results bucket.
const ServiceAccount = "coder-scaletest"

// tokenSecret is the Kubernetes secret the admin token is synced into.
const tokenSecret = "coder-scaletest"

// CronJobName is the CronJob runs are started from (kubectl create job
// --from=cronjob/coder-scaletest).
const CronJobName = "coder-scaletest"

// New registers the scale test.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Scaletest, error) {
	s := &Scaletest{}
	if err := ctx.RegisterComponentResourceV2(tokens.Scaletest, name, inputs(args), s, opts...); err != nil {
		return nil, err
	}
	b, err := s.bucket(ctx, name, args)
	if err != nil {
		return nil, fmt.Errorf("scaletest %s: %w", name, err)
	}
	role, err := s.identity(ctx, name, args, b)
	if err != nil {
		return nil, fmt.Errorf("scaletest %s: %w", name, err)
	}
	token, err := s.token(ctx, name, args, role)
	if err != nil {
		return nil, fmt.Errorf("scaletest %s: %w", name, err)
	}
	cj, err := s.cronJob(ctx, name, args, b, token)
	if err != nil {
		return nil, fmt.Errorf("scaletest %s: %w", name, err)
	}
	s.Bucket = b.Bucket
	s.CronJob = cj.Metadata.Name().Elem()
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{"bucket": s.Bucket, "cronJob": s.CronJob}); err != nil {
		return nil, err
	}
	return s, nil
}

// Commands are the run's command lines, in the order the script runs
// them (the load commands side by side): space-separated arguments of
// coder, keyed by the environment variable the script reads.
func Commands(args *Args) [][2]string {
	r := args.Run
	join := func(a []string) string { return strings.Join(a, " ") }
	out := [][2]string{{"CREATE_ARGS", join(CreateArgs(r, args.Template))}, {"TRAFFIC_ARGS", ""}, {"DASHBOARD_ARGS", ""}, {"CLEANUP_ARGS", ""}}
	if r.Traffic != nil {
		out[1][1] = join(TrafficArgs(r, args.Template))
	}
	if r.Dashboard != nil {
		out[2][1] = join(DashboardArgs(r))
	}
	if r.Cleanup {
		out[3][1] = join(CleanupArgs(r, args.Template))
	}
	return out
}

// inputs are what the component declares: the run, where its results go.
func inputs(a *Args) pulumi.Map {
	cmds := pulumi.Map{}
	for _, c := range Commands(a) {
		cmds[c[0]] = pulumi.String(c[1])
	}
	return pulumi.Map{
		"region": pulumi.String(a.Region), "template": pulumi.String(a.Template), "image": pulumi.String(a.Image),
		"workspaces": pulumi.Int(a.Run.Workspaces), "concurrency": pulumi.Int(a.Run.Concurrency),
		"schedule": pulumi.String(a.Schedule), "retentionDays": pulumi.Int(a.RetentionDays),
		"commands": cmds, "budgetSeconds": pulumi.Int(int(a.Run.Budget.Seconds())),
	}
}
