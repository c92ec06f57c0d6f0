package rules

import (
	"encoding/json"
	"slices"
	"strings"
)

// Security monitoring: the settings of the resources that watch the account
// after deploy (components/guard), and the public-access block that AWS
// Config's S3 rules (S3.2, S3.3, S3.8) expect on every bucket.

const (
	tBucketPAB      = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tDetector       = "aws:guardduty/detector:Detector"
	tEventRule      = "aws:cloudwatch/eventRule:EventRule"
	tEventTarget    = "aws:cloudwatch/eventTarget:EventTarget"
	tRecorder       = "aws:cfg/recorder:Recorder"
	tRecorderStatus = "aws:cfg/recorderStatus:RecorderStatus"
	tDelivery       = "aws:cfg/deliveryChannel:DeliveryChannel"
)

// publicAccessFlags are the four settings of a full public-access block.
var publicAccessFlags = []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"}

var s3PublicAccessBlock = &Policy{
	Name:        "s3-public-access-block",
	Description: "Every S3 bucket has a public-access block with all four settings on.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "add an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true (components/internal/bucket does).",
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		idx := byType(rs)
		var out []Finding
		for _, b := range buckets(idx) {
			blocks := attachedTo(idx, tBucketPAB, b)
			if len(blocks) == 0 {
				out = append(out, Finding{b.URN, "the bucket has no public-access block."})
				continue
			}
			for _, p := range blocks {
				var off []string
				for _, f := range publicAccessFlags {
					if v, s := boolean(p.Props, f); s == absent || (s == known && !v) {
						off = append(off, f)
					}
				}
				if len(off) > 0 {
					out = append(out, Finding{p.URN, "the public-access block leaves " + strings.Join(off, ", ") + " off."})
				}
			}
		}
		return out
	},
}

var guarddutyEnabled = &Policy{
	Name:        "guardduty-enabled",
	Description: "A GuardDuty detector is enabled and publishes findings at least hourly.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: `set enable = true and findingPublishingFrequency to "FIFTEEN_MINUTES" or "ONE_HOUR" (security.guardDuty in the stack config).`,
	Types:       []string{tDetector},
	Check: func(r *Resource, _ Config) []string {
		var out []string
		if v, s := boolean(r.Props, "enable"); s == known && !v {
			out = append(out, "the detector has enable = false.")
		}
		if f, s := str(r.Props, "findingPublishingFrequency"); s == known && f == "SIX_HOURS" {
			out = append(out, "findingPublishingFrequency is SIX_HOURS, so a finding may wait six hours to reach EventBridge.")
		}
		return out
	},
}

var guarddutyFindingsDelivered = &Policy{
	Name:        "guardduty-findings-delivered",
	Description: "Every GuardDuty detector's findings reach an SNS topic: an EventBridge rule on source aws.guardduty in its region targets a topic.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: `add an aws.cloudwatch.EventRule with eventPattern {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"]} and an EventTarget on it whose arn is the region's alarm topic.`,
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		idx := byType(rs)
		topics := map[string]bool{}
		for _, t := range idx[tTopic] {
			topics[t.URN] = true
		}
		var out []Finding
		for _, d := range idx[tDetector] {
			ruled, delivered := false, false
			for _, rule := range idx[tEventRule] {
				if rule.region() != d.region() || !matchesGuardDuty(rule) {
					continue
				}
				ruled = true
				for _, tg := range idx[tEventTarget] {
					if !tg.dependsOn("rule", rule.URN) && !sameRule(tg, rule) {
						continue
					}
					if targetsTopic(tg, topics) {
						delivered = true
					}
				}
			}
			switch {
			case !ruled:
				out = append(out, Finding{d.URN, "no EventBridge rule in the detector's region matches source aws.guardduty, so findings reach no one."})
			case !delivered:
				out = append(out, Finding{d.URN, "the EventBridge rule for GuardDuty findings has no SNS topic target."})
			}
		}
		return out
	},
}

// matchesGuardDuty is whether a rule's event pattern selects GuardDuty
// events; an unknown pattern counts.
func matchesGuardDuty(rule *Resource) bool {
	p, s := str(rule.Props, "eventPattern")
	if s == unknown {
		return true
	}
	if s != known {
		return false
	}
	var pat struct {
		Source []string `json:"source"`
	}
	if json.Unmarshal([]byte(p), &pat) != nil {
		return false
	}
	return slices.Contains(pat.Source, "aws.guardduty")
}

// sameRule matches a target to a rule by a known rule name.
func sameRule(tg, rule *Resource) bool {
	tn, ts := str(tg.Props, "rule")
	rn, rs := str(rule.Props, "name")
	return ts == known && rs == known && tn != "" && tn == rn
}

// targetsTopic is whether a target's arn is an SNS topic: computed from a
// topic of the stack, a known SNS ARN, or not known yet.
func targetsTopic(tg *Resource, topics map[string]bool) bool {
	for _, u := range tg.PropertyDependencies["arn"] {
		if topics[u] {
			return true
		}
	}
	arn, s := str(tg.Props, "arn")
	return (s == known && strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ":sns:")) ||
		(s == unknown && len(tg.PropertyDependencies["arn"]) == 0)
}

var configRecorderOn = &Policy{
	Name:        "config-recorder-on",
	Description: "Every AWS Config recorder records all supported resources, is switched on, and has a delivery channel in its region.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "give the recorder recordingGroup.allSupported = true, an aws.cfg.RecorderStatus with isEnabled = true, and an aws.cfg.DeliveryChannel to the region's Config bucket (components/guard does).",
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		idx := byType(rs)
		var out []Finding
		for _, rec := range idx[tRecorder] {
			if v, s := boolean(rec.Props, "recordingGroup", "allSupported"); s == known && !v {
				out = append(out, Finding{rec.URN, "recordingGroup.allSupported is false, so resources outside its list go unrecorded."})
			}
			on, channel := false, false
			for _, st := range idx[tRecorderStatus] {
				if !st.dependsOn("name", rec.URN) && !sameName(st, rec) {
					continue
				}
				if v, s := boolean(st.Props, "isEnabled"); s == unknown || (s == known && v) {
					on = true
				}
			}
			for _, ch := range idx[tDelivery] {
				if ch.region() != rec.region() {
					continue
				}
				if b, s := str(ch.Props, "s3BucketName"); s == unknown || (s == known && b != "") {
					channel = true
				}
			}
			if !on {
				out = append(out, Finding{rec.URN, "no enabled RecorderStatus switches the recorder on, so nothing is recorded."})
			}
			if !channel {
				out = append(out, Finding{rec.URN, "the recorder's region has no delivery channel to an S3 bucket."})
			}
		}
		return out
	},
}

// sameName matches two resources by a known name input.
func sameName(a, b *Resource) bool {
	an, as := str(a.Props, "name")
	bn, bs := str(b.Props, "name")
	return as == known && bs == known && an != "" && an == bn
}
