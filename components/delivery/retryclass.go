package delivery

import "strings"

// Failure is one row of the build-failure classifier retry.sh applies to a
// failed start: Text is looked for, as is, in the job's error and in the
// build's error-level log lines (a failed terraform apply's job error is
// only "terraform apply: exit status 1", provisioner/terraform/provision.go;
// Terraform's diagnostics are the log lines).
type Failure struct {
	Text  string
	Class string
	// Retry says an infrastructure failure, retried; false is the user's or
	// the template's doing, never retried whatever else matches.
	Retry bool
}

// Failures is the classifier, the one list of what is retried. A failure
// no row names is not retried, nor is one with a job error code
// (codersdk.JobErrorCode: REQUIRED_TEMPLATE_VARIABLES, MISSING_TEMPLATE_PARAMETER),
// nor a canceled build (its job status is canceled, not failed). Pod
// workspaces' unschedulable pods never fail a build: base-k8s creates its
// Deployment with wait_for_rollout = false and its PVC with
// wait_until_bound = false, so no Kubernetes scheduling row is needed.
var Failures = []Failure{
	// Never retried.
	// Coder's workspace quota: the owner is over their allowance
	// (provisionerd/runner/runner.go, v2.30.0).
	{Text: "insufficient quota", Class: "workspace quota", Retry: false},
	// Terraform refused a parameter or variable value (Terraform core's
	// diagnostic summary).
	{Text: "Invalid value for variable", Class: "invalid variable", Retry: false},
	// EC2 denied by IAM: the template's or role's doing, not transient
	// (AWS EC2 API, Client.UnauthorizedOperation).
	{Text: "UnauthorizedOperation", Class: "IAM denied", Retry: false},
	// EC2 account limits need a quota increase, not a wait (docs/runbooks.md,
	// Service quotas).
	{Text: "VcpuLimitExceeded", Class: "EC2 vCPU quota", Retry: false},
	{Text: "InstanceLimitExceeded", Class: "EC2 instance quota", Retry: false},

	// Retried.
	// No capacity for the instance type in the zone: RunInstances and
	// StartInstances error code, and instance state reason
	// Server.InsufficientInstanceCapacity (EC2 StateReason).
	{Text: "InsufficientInstanceCapacity", Class: "EC2 capacity", Retry: true},
	// A spot instance reclaimed by EC2 (EC2 StateReason).
	{Text: "Server.SpotInstanceTermination", Class: "spot interruption", Retry: true},
	// EC2 failed the launch itself (EC2 StateReason).
	{Text: "Server.InternalError", Class: "EC2 internal error", Retry: true},
	// AWS throttling once the SDK's own retries ran out: EC2's code, and
	// the query (STS, IAM) and JSON (SSM, which serves the AMI id) codes,
	// as aws-sdk-go-v2 prints them (aws/retry/standard.go
	// DefaultThrottleErrorCodes; smithy-go "api error CODE: message").
	{Text: "RequestLimitExceeded", Class: "AWS throttling", Retry: true},
	{Text: "api error Throttling:", Class: "AWS throttling", Retry: true},
	{Text: "ThrottlingException", Class: "AWS throttling", Retry: true},
	// A connection dropped by the far end (aws-sdk-go-v2
	// aws/retry/retryable_error.go treats it as retryable).
	{Text: "connection reset by peer", Class: "network", Retry: true},
	// The Kubernetes API server overloaded or unavailable: HTTP 429, 503,
	// 504 without a Status body (k8s.io/apimachinery pkg/api/errors).
	{Text: "the server has received too many requests and has asked us to try again later", Class: "Kubernetes API throttling", Retry: true},
	{Text: "the server is currently unable to handle the request", Class: "Kubernetes API unavailable", Retry: true},
	{Text: "the server was unable to return a response in the time allotted", Class: "Kubernetes API timeout", Retry: true},
	// coderd's job reaper failed a build whose provisioner stopped
	// reporting (hung, 5 min) or that no provisioner took (pending, 30 min)
	// (coderd/jobreaper/detector.go).
	{Text: "has been terminated by the reaper", Class: "provisioner lost", Retry: true},
	// The provisioner pod was stopped mid-build: its node's spot
	// interruption, a scale-in or a rollout (provisionerd/provisionerd.go).
	{Text: "provisioner daemon was shutdown gracefully", Class: "provisioner stopped", Retry: true},
	// The provisioner's Terraform process went away (killed, out of
	// memory) or never came up (provisionerd/runner/apply.go,
	// provisionerd/provisionerd.go).
	{Text: "recv workspace provision:", Class: "provisioner lost", Retry: true},
	{Text: "failed to connect to provisioner:", Class: "provisioner lost", Retry: true},
}

// rows renders the rows that do or do not retry as retry.sh reads them:
// "text<TAB>class" lines, in table order.
func rows(retry bool) string {
	var b strings.Builder
	for _, f := range Failures {
		if f.Retry == retry {
			b.WriteString(f.Text + "\t" + f.Class + "\n")
		}
	}
	return b.String()
}
