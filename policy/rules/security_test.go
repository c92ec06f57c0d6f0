package rules

import "testing"

func TestS3PublicAccessBlock(t *testing.T) {
	t.Parallel()
	bucket := func() *Resource { return named(res(t, tBucketV2, `{}`), "logs") }
	pab := func(js string) *Resource { return deps(named(res(t, tBucketPAB, js), "logs"), "bucket", bucket()) }
	full := `{"blockPublicAcls":true,"blockPublicPolicy":true,"ignorePublicAcls":true,"restrictPublicBuckets":true}`
	checkStack(t, s3PublicAccessBlock, []stackCase{
		{"full block", []*Resource{bucket(), pab(full)}, nil},
		{"unknown flags", []*Resource{bucket(), pab(`{"blockPublicAcls":"<unknown>","blockPublicPolicy":true,"ignorePublicAcls":true,"restrictPublicBuckets":true}`)}, nil},
		{"no block", []*Resource{bucket()}, []Finding{{bucket().URN, "the bucket has no public-access block."}}},
		{"policy allowed", []*Resource{bucket(), pab(`{"blockPublicAcls":true,"blockPublicPolicy":false,"ignorePublicAcls":true}`)},
			[]Finding{{pab(full).URN, "the public-access block leaves blockPublicPolicy, restrictPublicBuckets off."}}},
	})
}

func TestGuardDutyEnabled(t *testing.T) {
	t.Parallel()
	checkResource(t, guarddutyEnabled, []resourceCase{
		{"enabled", res(t, tDetector, `{"enable":true,"findingPublishingFrequency":"FIFTEEN_MINUTES"}`), nil},
		{"default", res(t, tDetector, `{}`), nil},
		{"disabled", res(t, tDetector, `{"enable":false}`), []string{"the detector has enable = false."}},
		{"six hours", res(t, tDetector, `{"enable":true,"findingPublishingFrequency":"SIX_HOURS"}`),
			[]string{"findingPublishingFrequency is SIX_HOURS, so a finding may wait six hours to reach EventBridge."}},
	})
}

func TestGuardDutyFindingsDelivered(t *testing.T) {
	t.Parallel()
	det := func() *Resource { return named(res(t, tDetector, `{"enable":true}`), "gd") }
	topic := func() *Resource { return named(res(t, tTopic, `{}`), "alarms") }
	rule := func(pattern string) *Resource {
		return named(res(t, tEventRule, `{"eventPattern":`+pattern+`}`), "findings")
	}
	gd := `"{\"source\":[\"aws.guardduty\"],\"detail-type\":[\"GuardDuty Finding\"]}"`
	target := func(r *Resource, to *Resource) *Resource {
		tg := deps(named(res(t, tEventTarget, `{"rule":"<unknown>","arn":"<unknown>"}`), "to-topic"), "rule", r)
		return deps(tg, "arn", to)
	}
	queue := named(res(t, "aws:sqs/queue:Queue", `{}`), "q")
	checkStack(t, guarddutyFindingsDelivered, []stackCase{
		{"rule to topic", []*Resource{det(), topic(), rule(gd), target(rule(gd), topic())}, nil},
		{"no rule", []*Resource{det(), topic()},
			[]Finding{{det().URN, "no EventBridge rule in the detector's region matches source aws.guardduty, so findings reach no one."}}},
		{"rule for another source", []*Resource{det(), topic(), rule(`"{\"source\":[\"aws.ec2\"]}"`), target(rule(`"{}"`), topic())},
			[]Finding{{det().URN, "no EventBridge rule in the detector's region matches source aws.guardduty, so findings reach no one."}}},
		{"target not a topic", []*Resource{det(), queue, rule(gd), target(rule(gd), queue)},
			[]Finding{{det().URN, "the EventBridge rule for GuardDuty findings has no SNS topic target."}}},
		{"no detector", []*Resource{topic()}, nil},
	})
}

func TestConfigRecorderOn(t *testing.T) {
	t.Parallel()
	rec := func(js string) *Resource { return named(res(t, tRecorder, js), "rec") }
	good := `{"name":"rec","recordingGroup":{"allSupported":true}}`
	status := func(on string) *Resource {
		return deps(named(res(t, tRecorderStatus, `{"name":"<unknown>","isEnabled":`+on+`}`), "rec"), "name", rec(good))
	}
	channel := named(res(t, tDelivery, `{"s3BucketName":"<unknown>"}`), "rec")
	checkStack(t, configRecorderOn, []stackCase{
		{"on with channel", []*Resource{rec(good), status("true"), channel}, nil},
		{"not all supported", []*Resource{rec(`{"recordingGroup":{"allSupported":false}}`), status("true"), channel},
			[]Finding{{rec(good).URN, "recordingGroup.allSupported is false, so resources outside its list go unrecorded."}}},
		{"switched off", []*Resource{rec(good), status("false"), channel},
			[]Finding{{rec(good).URN, "no enabled RecorderStatus switches the recorder on, so nothing is recorded."}}},
		{"no status, no channel", []*Resource{rec(good)}, []Finding{
			{rec(good).URN, "no enabled RecorderStatus switches the recorder on, so nothing is recorded."},
			{rec(good).URN, "the recorder's region has no delivery channel to an S3 bucket."}}},
	})
}
