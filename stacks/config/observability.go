package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/internal/standards"
)

// Observability configures logs, metrics, alarms and audit trails of every
// region.
type Observability struct {
	// LogRetentionDays applies to the container, audit, Container Insights
	// and Lambda log groups. Below 90 the policy pack reports it.
	LogRetentionDays int `json:"logRetentionDays"`
	// ContainerInsights installs the amazon-cloudwatch-observability add-on:
	// the node and pod metrics the node alarms and dashboard use.
	ContainerInsights *bool `json:"containerInsights"`
	// Notifications subscribe to every region's alarm topic.
	Notifications []Subscription `json:"notifications"`
	CloudTrail    CloudTrail     `json:"cloudTrail"`
	// RunbookURL is where alarm descriptions link; sections are anchors.
	RunbookURL string     `json:"runbookUrl"`
	Thresholds Thresholds `json:"thresholds"`
}

// InsightsOn reports whether Container Insights is installed.
func (o Observability) InsightsOn() bool { return o.ContainerInsights == nil || *o.ContainerInsights }

// Subscription is one SNS subscription of the alarm topics.
type Subscription struct {
	Protocol string `json:"protocol"`
	Endpoint string `json:"endpoint"`
}

// CloudTrail is the stack's one multi-region trail.
type CloudTrail struct {
	Enabled       *bool `json:"enabled"`
	RetentionDays int   `json:"retentionDays"`
}

// On reports whether the stack creates its trail.
func (c CloudTrail) On() bool { return c.Enabled == nil || *c.Enabled }

// Thresholds are the alarm thresholds. Zero values take the defaults in
// DefaultThresholds (the spec's where it gives one).
type Thresholds struct {
	NodeCPUPercent              float64   `json:"nodeCpuPercent"`
	NodeMemoryPercent           float64   `json:"nodeMemoryPercent"`
	EphemeralStoragePercent     []float64 `json:"ephemeralStoragePercent"`
	PodRestarts                 float64   `json:"podRestarts"`
	AuroraCPUPercent            float64   `json:"auroraCpuPercent"`
	AuroraACUPercent            float64   `json:"auroraAcuPercent"`
	AuroraConnectionsPercent    float64   `json:"auroraConnectionsPercent"`
	AuroraFreeableMemoryMiB     float64   `json:"auroraFreeableMemoryMiB"`
	AuroraReplicaLagMs          float64   `json:"auroraReplicaLagMs"`
	AuroraDeadlocks             float64   `json:"auroraDeadlocks"`
	NLBUnhealthyHosts           float64   `json:"nlbUnhealthyHosts"`
	NLBTLSNegotiationErrors     float64   `json:"nlbTlsNegotiationErrors"`
	APILatencyP95Ms             float64   `json:"apiLatencyP95Ms"`
	APILatencyP99Ms             float64   `json:"apiLatencyP99Ms"`
	ProvisionerQueueWaitSeconds float64   `json:"provisionerQueueWaitSeconds"`
	PendingBuilds               float64   `json:"pendingBuilds"`
	ScalingLagMinutes           float64   `json:"scalingLagMinutes"`
	// CredentialExpiryDays warns before a credential's renewal is due (a
	// third of a shorter lifetime); the licence warns twice before it
	// expires, and when its seats are nearly all in use.
	CredentialExpiryDays      float64 `json:"credentialExpiryDays"`
	LicenseExpiryDays         float64 `json:"licenseExpiryDays"`
	LicenseExpiryCriticalDays float64 `json:"licenseExpiryCriticalDays"`
	LicenseSeatsPercent       float64 `json:"licenseSeatsPercent"`
}

// DefaultThresholds are used for every threshold the stack does not set.
// The spec gives ephemeral storage (70/85/95 %), API latency (P95 500 ms,
// P99 1 s) and credential expiry (14 days); docs/runbooks.md gives the reasons for
// the others.
var DefaultThresholds = Thresholds{
	NodeCPUPercent:              80,
	NodeMemoryPercent:           85,
	EphemeralStoragePercent:     []float64{70, 85, 95},
	PodRestarts:                 5,
	AuroraCPUPercent:            80,
	AuroraACUPercent:            90,
	AuroraConnectionsPercent:    80,
	AuroraFreeableMemoryMiB:     512,
	AuroraReplicaLagMs:          1000,
	AuroraDeadlocks:             0,
	NLBUnhealthyHosts:           0,
	NLBTLSNegotiationErrors:     50,
	APILatencyP95Ms:             500,
	APILatencyP99Ms:             1000,
	ProvisionerQueueWaitSeconds: 60,
	PendingBuilds:               10,
	ScalingLagMinutes:           10,
	CredentialExpiryDays:        14,
	LicenseExpiryDays:           30,
	LicenseExpiryCriticalDays:   7,
	LicenseSeatsPercent:         90,
}

// DefaultRunbookURL is the repository's runbook, where alarm links point.
const DefaultRunbookURL = "https://github.com/platformeng/coder-platform/blob/main/docs/runbooks.md"

func defaultObservability(o *Observability) {
	if o.LogRetentionDays == 0 {
		o.LogRetentionDays = 90
	}
	if o.CloudTrail.RetentionDays == 0 {
		o.CloudTrail.RetentionDays = 365
	}
	if o.RunbookURL == "" {
		o.RunbookURL = DefaultRunbookURL
	}
	t, d := &o.Thresholds, DefaultThresholds
	for _, f := range []struct {
		v   *float64
		def float64
	}{
		{&t.NodeCPUPercent, d.NodeCPUPercent}, {&t.NodeMemoryPercent, d.NodeMemoryPercent},
		{&t.PodRestarts, d.PodRestarts}, {&t.AuroraCPUPercent, d.AuroraCPUPercent},
		{&t.AuroraACUPercent, d.AuroraACUPercent}, {&t.AuroraConnectionsPercent, d.AuroraConnectionsPercent},
		{&t.AuroraFreeableMemoryMiB, d.AuroraFreeableMemoryMiB}, {&t.AuroraReplicaLagMs, d.AuroraReplicaLagMs},
		{&t.NLBTLSNegotiationErrors, d.NLBTLSNegotiationErrors}, {&t.APILatencyP95Ms, d.APILatencyP95Ms},
		{&t.APILatencyP99Ms, d.APILatencyP99Ms}, {&t.ProvisionerQueueWaitSeconds, d.ProvisionerQueueWaitSeconds},
		{&t.PendingBuilds, d.PendingBuilds}, {&t.ScalingLagMinutes, d.ScalingLagMinutes},
		{&t.CredentialExpiryDays, d.CredentialExpiryDays}, {&t.LicenseExpiryDays, d.LicenseExpiryDays},
		{&t.LicenseExpiryCriticalDays, d.LicenseExpiryCriticalDays}, {&t.LicenseSeatsPercent, d.LicenseSeatsPercent},
	} {
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if len(t.EphemeralStoragePercent) == 0 {
		t.EphemeralStoragePercent = slices.Clone(d.EphemeralStoragePercent)
	}
}

var (
	snsProtocols = []string{"email", "https", "sqs", "lambda", "sms"}
	awsArn       = regexp.MustCompile(`^arn:aws[a-z-]*:(sqs|lambda):[a-z0-9-]+:\d{12}:\S+$`)
	phone        = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)
)

func validateObservability(s *Stack, p *problems) {
	o := s.Observability
	if !logRetained[o.LogRetentionDays] {
		p.add("observability.logRetentionDays", o.LogRetentionDays, "must be %s", logRetentionAllowed)
	}
	if d := o.CloudTrail.RetentionDays; d < standards.MinLogRetentionDays || d > 3653 {
		p.add("observability.cloudTrail.retentionDays", d, "must be %d–3653 days: the audit trail outlives an investigation", standards.MinLogRetentionDays)
	}
	if why := linkProblem(o.RunbookURL); why != "" {
		p.add("observability.runbookUrl", o.RunbookURL, "%s", why)
	}
	for i, n := range o.Notifications {
		key := fmt.Sprintf("observability.notifications[%d]", i)
		if !slices.Contains(snsProtocols, n.Protocol) {
			p.add(key+".protocol", n.Protocol, "must be one of %s", strings.Join(snsProtocols, ", "))
			continue
		}
		if why := endpointProblem(n); why != "" {
			p.add(key+".endpoint", n.Endpoint, "%s", why)
		}
	}
	t := o.Thresholds
	for _, f := range []struct {
		key string
		v   float64
	}{
		{"nodeCpuPercent", t.NodeCPUPercent}, {"nodeMemoryPercent", t.NodeMemoryPercent},
		{"auroraCpuPercent", t.AuroraCPUPercent}, {"auroraAcuPercent", t.AuroraACUPercent},
		{"auroraConnectionsPercent", t.AuroraConnectionsPercent},
	} {
		if f.v <= 0 || f.v >= 100 {
			p.add("observability.thresholds."+f.key, f.v, "must be a percentage between 0 and 100 (exclusive)")
		}
	}
	es := t.EphemeralStoragePercent
	if len(es) != 3 || !slices.IsSorted(es) || es[0] <= 0 || es[2] >= 100 || es[0] == es[1] || es[1] == es[2] {
		p.add("observability.thresholds.ephemeralStoragePercent", es, "must be three rising percentages below 100: warning, high and critical (the spec's 70, 85, 95)")
	}
	if t.APILatencyP99Ms < t.APILatencyP95Ms {
		p.add("observability.thresholds.apiLatencyP99Ms", t.APILatencyP99Ms, "must be at least apiLatencyP95Ms (%v)", t.APILatencyP95Ms)
	}
	for _, f := range []struct {
		key      string
		v, lo, h float64
	}{
		{"podRestarts", t.PodRestarts, 1, 1000}, {"auroraFreeableMemoryMiB", t.AuroraFreeableMemoryMiB, 64, 1 << 20},
		{"auroraReplicaLagMs", t.AuroraReplicaLagMs, 10, 600000}, {"auroraDeadlocks", t.AuroraDeadlocks, 0, 1000},
		{"nlbUnhealthyHosts", t.NLBUnhealthyHosts, 0, 1000}, {"nlbTlsNegotiationErrors", t.NLBTLSNegotiationErrors, 1, 1e6},
		{"apiLatencyP95Ms", t.APILatencyP95Ms, 10, 60000}, {"provisionerQueueWaitSeconds", t.ProvisionerQueueWaitSeconds, 5, 3600},
		{"pendingBuilds", t.PendingBuilds, 1, 10000}, {"scalingLagMinutes", t.ScalingLagMinutes, 1, 120},
		{"credentialExpiryDays", t.CredentialExpiryDays, 1, 60}, {"licenseExpiryDays", t.LicenseExpiryDays, 1, 180},
		{"licenseExpiryCriticalDays", t.LicenseExpiryCriticalDays, 1, 60}, {"licenseSeatsPercent", t.LicenseSeatsPercent, 50, 100},
	} {
		if f.v < f.lo || f.v > f.h {
			p.add("observability.thresholds."+f.key, f.v, "must be between %v and %v", f.lo, f.h)
		}
	}
	if t.CredentialExpiryDays >= standards.ManualRotationDays {
		p.add("observability.thresholds.credentialExpiryDays", t.CredentialExpiryDays,
			"must be less than the %d-day rotation period: the warning comes before the credential is due", standards.ManualRotationDays)
	}
	if t.LicenseExpiryCriticalDays >= t.LicenseExpiryDays {
		p.add("observability.thresholds.licenseExpiryCriticalDays", t.LicenseExpiryCriticalDays,
			"must be less than licenseExpiryDays (%v): the critical alarm follows the warning", t.LicenseExpiryDays)
	}
}

// endpointProblem checks an endpoint against its protocol.
func endpointProblem(n Subscription) string {
	switch n.Protocol {
	case "email":
		if a, err := mail.ParseAddress(n.Endpoint); err != nil || a.Address != n.Endpoint {
			return "must be an email address such as oncall@example.com"
		}
	case "https":
		return linkProblem(n.Endpoint)
	case "sqs", "lambda":
		if !awsArn.MatchString(n.Endpoint) || !strings.Contains(n.Endpoint, ":"+n.Protocol+":") {
			return fmt.Sprintf("must be the ARN of an %s %s", strings.ToUpper(n.Protocol[:1])+n.Protocol[1:], map[string]string{"sqs": "queue", "lambda": "function"}[n.Protocol])
		}
	case "sms":
		if !phone.MatchString(n.Endpoint) {
			return "must be a phone number in E.164 form such as +14155550100"
		}
	}
	return ""
}

// linkProblem checks an https URL that may have a path (no fragment: the
// runbook anchors are appended).
func linkProblem(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Fragment != "" || u.User != nil {
		return "must be an https URL such as https://example.com/runbooks.md, without #fragment or credentials"
	}
	return ""
}
