package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
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
	RunbookURL string            `json:"runbookUrl"`
	Thresholds thresholds.Values `json:"thresholds"`
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
	thresholds.Fill(&o.Thresholds)
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
	for _, x := range thresholds.Check(o.Thresholds) {
		p.add("observability.thresholds."+x.Key, x.Value, "%s", x.Message)
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
