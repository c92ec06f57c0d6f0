package tests

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/guard"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/controls"
)

const (
	tDetector    = "aws:guardduty/detector:Detector"
	tRecorder    = "aws:cfg/recorder:Recorder"
	tConfigRule  = "aws:cfg/rule:Rule"
	tEventRule   = "aws:cloudwatch/eventRule:EventRule"
	tEventTarget = "aws:cloudwatch/eventTarget:EventTarget"
	tHub         = "aws:securityhub/account:Account"
	tAnalyzer    = "aws:accessanalyzer/analyzer:Analyzer"
	tTopicPolicy = "aws:sns/topicPolicy:TopicPolicy"
)

// Every region of both stacks has a detector, a recorder, the claimed
// controls' rules, Security Hub and an analyzer; global resources and the
// account-wide rules are in the control-plane region only.
func TestSecurityMonitoringPerRegion(t *testing.T) {
	t.Parallel()
	for stackName, control := range map[string]string{"prod": "us-east-1", "workshop": "us-east-2"} {
		r := stack(t, stackName)
		regions := map[string]bool{}
		for _, d := range r.OfType(tDetector) {
			regions[regionOf(r, d)] = true
			assert.True(t, boolean(d, "enable"), stackName)
		}
		wantRegions := map[string]bool{}
		for _, reg := range r.OfType("coder:stacks:Region") {
			wantRegions[reg.Name] = true
		}
		assert.Equal(t, wantRegions, regions, "%s: one detector per region", stackName)

		globals := 0
		for _, rec := range r.OfType(tRecorder) {
			region := regionOf(r, rec)
			global := boolean(rec, "recordingGroup.includeGlobalResourceTypes")
			assert.True(t, boolean(rec, "recordingGroup.allSupported"), "%s %s", stackName, region)
			assert.Equal(t, region == control, global, "%s %s: global resources recorded in the control plane only", stackName, region)
			if global {
				globals++
			}
		}
		assert.Equal(t, 1, globals, stackName)
		assert.Len(t, r.OfType(tRecorder), len(wantRegions), stackName)

		perRegion := map[string]map[string]bool{}
		for _, rule := range r.OfType(tConfigRule) {
			region := regionOf(r, rule)
			if perRegion[region] == nil {
				perRegion[region] = map[string]bool{}
			}
			perRegion[region][str(rule, "source.sourceIdentifier")] = true
		}
		for region := range wantRegions {
			for _, c := range controls.All() {
				want := !c.Global || region == control
				assert.Equal(t, want, perRegion[region][c.ConfigRule], "%s %s: rule %s (%s)", stackName, region, c.ConfigRule, c.ID)
			}
		}
		assert.Len(t, r.OfType(tHub), len(wantRegions), stackName)
		assert.Len(t, r.OfType(tAnalyzer), len(wantRegions), stackName)
	}
}

// Findings reach each region's own alarm topic, and the topic's policy and
// key let EventBridge deliver them.
func TestGuardDutyFindingsReachTheTopic(t *testing.T) {
	t.Parallel()
	r := stack(t, "workshop")
	rules := r.OfType(tEventRule)
	found := 0
	for _, rule := range rules {
		var pat map[string]any
		if json.Unmarshal([]byte(str(rule, "eventPattern")), &pat) != nil || pat["source"] == nil {
			continue
		}
		if src, _ := pat["source"].([]any); len(src) == 0 || src[0] != "aws.guardduty" {
			continue
		}
		found++
		region := regionOf(r, rule)
		assert.Equal(t, guard.FindingsPattern(r.Config.Security.FindingsMinSeverity), str(rule, "eventPattern"))
		var target bool
		for _, tg := range r.OfType(tEventTarget) {
			if under(r, tg, rule.URN) {
				var topic *preview.Resource
				for _, u := range tg.PropertyDependencies["arn"] {
					if x := r.Lookup(u); x != nil && x.Type == tTopic {
						topic = x
					}
				}
				require.NotNil(t, topic, "the target's arn comes from the region's topic")
				assert.Equal(t, tTopic, topic.Type)
				assert.Equal(t, region, regionOf(r, topic))
				target = true
			}
		}
		assert.True(t, target, region)
	}
	assert.Equal(t, 3, found)
	for _, p := range r.OfType(tTopicPolicy) {
		assert.Contains(t, str(p, "policy"), "events.amazonaws.com", p.Name)
	}
	for _, k := range r.OfType(tKey) {
		if tag(k, "coder:key-purpose") == "sns" {
			assert.Contains(t, str(k, "policy"), "events.amazonaws.com", k.Name)
		}
	}
}
