package guard_test

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/guard"
	ct "github.com/platformeng/coder-platform/internal/componenttest"
	"github.com/platformeng/coder-platform/policy/controls"
)

const name = "coder-test-us-east-1"

func register(t *testing.T, global bool, edit func(*guard.Args)) ct.Resources {
	t.Helper()
	return ct.Run(t, func(ctx *pulumi.Context) error {
		prov, err := ct.AWSProvider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		a := &guard.Args{
			Stack: "test", Region: "us-east-1", AccountID: pulumi.String("123456789012"), Global: global,
			GuardDuty: true, FindingPublishingFrequency: "FIFTEEN_MINUTES", MinSeverity: 7,
			TopicArn: pulumi.String("arn:aws:sns:us-east-1:123456789012:alarms"), RunbookURL: "https://runbooks.example.com/r.md",
			Config: true, BucketKeyArn: pulumi.String("arn:aws:kms:us-east-1:123456789012:key/s3"), RetentionDays: 365,
			Remediation: true, LogRetentionMin: 90,
			SecurityHub: true, Standards: []string{guard.StandardFSBP, guard.StandardCIS}, AccessAnalyzer: true,
		}
		if edit != nil {
			edit(a)
		}
		_, err = guard.New(ctx, name, a, pulumi.Provider(prov))
		return err
	})
}

func TestGuardDuty(t *testing.T) {
	t.Parallel()
	rs := register(t, true, nil)
	det := rs.Named("aws:guardduty/detector:Detector", name)
	require.NotNil(t, det)
	assert.Equal(t, true, ct.Input(t, det, "enable"))
	assert.Equal(t, "FIFTEEN_MINUTES", ct.String(t, det, "findingPublishingFrequency"))
	feats := rs.OfType("aws:guardduty/detectorFeature:DetectorFeature")
	require.Len(t, feats, len(guard.Features))
	rt := rs.Named("aws:guardduty/detectorFeature:DetectorFeature", name+"-EKS_RUNTIME_MONITORING")
	require.NotNil(t, rt)
	assert.Equal(t, "EKS_ADDON_MANAGEMENT", ct.Input(t, rt, "additionalConfigurations[0].name"))

	rule := rs.Named("aws:cloudwatch/eventRule:EventRule", name+"-findings")
	require.NotNil(t, rule)
	pat := ct.JSON(t, rule, "eventPattern")
	assert.Equal(t, []any{"aws.guardduty"}, pat["source"])
	assert.Equal(t, []any{"GuardDuty Finding"}, pat["detail-type"])
	assert.Equal(t, []any{map[string]any{"numeric": []any{">=", 7.0}}}, pat["detail"].(map[string]any)["severity"])
	tgt := rs.Named("aws:cloudwatch/eventTarget:EventTarget", name+"-findings")
	require.NotNil(t, tgt)
	assert.Equal(t, "arn:aws:sns:us-east-1:123456789012:alarms", ct.String(t, tgt, "arn"))
	tmpl := ct.String(t, tgt, "inputTransformer.inputTemplate")
	assert.Contains(t, tmpl, "https://runbooks.example.com/r.md#alarm-guardduty-finding")
}

// The template EventBridge fills in is JSON once its placeholders are.
func TestFindingTemplateIsJSON(t *testing.T) {
	t.Parallel()
	s := guard.FindingTemplate("https://x.example.com/r.md#alarm-guardduty-finding")
	for _, p := range []string{"<severity>", "<type>", "<title>", "<account>", "<region>", "<id>"} {
		assert.Contains(t, s, p)
	}
	filled := s
	for _, p := range []string{"<severity>"} {
		filled = replace(filled, p, "8.0")
	}
	for _, p := range []string{"<type>", "<title>", "<account>", "<region>", "<id>"} {
		filled = replace(filled, p, `"x"`)
	}
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(filled), &v))
	assert.Equal(t, "guardduty-finding", v["alarm"])
}

func replace(s, old, new string) string {
	for {
		i := indexOf(s, old)
		if i < 0 {
			return s
		}
		s = s[:i] + new + s[i+len(old):]
	}
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestConfigRecorderAndRules(t *testing.T) {
	t.Parallel()
	for _, global := range []bool{true, false} {
		rs := register(t, global, nil)
		rec := rs.Named("aws:cfg/recorder:Recorder", name+"-config")
		require.NotNil(t, rec)
		assert.Equal(t, true, ct.At(t, rec, "recordingGroup", "allSupported"))
		assert.Equal(t, global, ct.At(t, rec, "recordingGroup", "includeGlobalResourceTypes"))
		require.Len(t, rs.OfType("aws:cfg/deliveryChannel:DeliveryChannel"), 1)
		status := rs.Named("aws:cfg/recorderStatus:RecorderStatus", name+"-config")
		require.NotNil(t, status)
		assert.Equal(t, true, ct.Input(t, status, "isEnabled"))

		rules := rs.OfType("aws:cfg/rule:Rule")
		want := guard.Rules(global)
		require.Len(t, rules, len(want))
		for _, c := range want {
			r := rs.Named("aws:cfg/rule:Rule", name+"-"+c.RuleName)
			require.NotNil(t, r, c.ID)
			assert.Equal(t, "AWS", ct.At(t, r, "source", "owner"), c.ID)
			assert.Equal(t, c.ConfigRule, ct.At(t, r, "source", "sourceIdentifier"), c.ID)
		}
		if !global {
			for _, c := range controls.All() {
				if c.Global {
					assert.Nil(t, rs.Named("aws:cfg/rule:Rule", name+"-"+c.RuleName), "%s is global", c.ID)
				}
			}
		}
		// The bucket is the hardened pattern.
		require.Len(t, rs.OfType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"), 1)
		sse := rs.OfType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
		require.Len(t, sse, 1)
		assert.Equal(t, "aws:kms", ct.Input(t, sse[0], "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"))
	}
}

func TestRemediation(t *testing.T) {
	t.Parallel()
	rs := register(t, true, nil)
	rems := rs.OfType("aws:cfg/remediationConfiguration:RemediationConfiguration")
	n := 0
	for _, c := range controls.All() {
		if c.Remediation != nil {
			n++
		}
	}
	require.Len(t, rems, n)
	for _, r := range rems {
		assert.Equal(t, true, ct.Input(t, r, "automatic"))
		assert.Equal(t, float64(guard.MaxRemediationAttempts), ct.Input(t, r, "maximumAutomaticAttempts"))
		assert.Equal(t, "SSM_DOCUMENT", ct.String(t, r, "targetType"))
	}
	docs := rs.OfType("aws:ssm/document:Document")
	require.Len(t, docs, 1)
	assert.Equal(t, "Automation", ct.String(t, docs[0], "documentType"))

	role := rs.Named("aws:iam/rolePolicy:RolePolicy", name+"-remediation")
	require.NotNil(t, role)
	doc := ct.JSON(t, role, "policy")
	var actions []string
	for _, st := range doc["Statement"].([]any) {
		for _, a := range st.(map[string]any)["Action"].([]any) {
			actions = append(actions, a.(string))
		}
	}
	assert.ElementsMatch(t, []string{"ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress", "logs:PutRetentionPolicy",
		"s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"}, actions)

	off := register(t, true, func(a *guard.Args) { a.Remediation = false })
	assert.Empty(t, off.OfType("aws:cfg/remediationConfiguration:RemediationConfiguration"))
	assert.Empty(t, off.OfType("aws:ssm/document:Document"))
}

func TestSecurityHubAndAccessAnalyzer(t *testing.T) {
	t.Parallel()
	for _, global := range []bool{true, false} {
		rs := register(t, global, nil)
		require.Len(t, rs.OfType("aws:securityhub/account:Account"), 1)
		subs := rs.OfType("aws:securityhub/standardsSubscription:StandardsSubscription")
		var arns []string
		for _, s := range subs {
			arns = append(arns, ct.String(t, s, "standardsArn"))
		}
		want := []string{"arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"}
		if global {
			want = append(want, "arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0")
		}
		assert.ElementsMatch(t, want, arns, "global=%v", global)
		an := rs.OfType("aws:accessanalyzer/analyzer:Analyzer")
		require.Len(t, an, 1)
		assert.Equal(t, "ACCOUNT", ct.String(t, an[0], "type"))
	}
}

func TestEverythingOff(t *testing.T) {
	t.Parallel()
	rs := register(t, false, func(a *guard.Args) {
		a.GuardDuty, a.Config, a.Remediation, a.SecurityHub, a.AccessAnalyzer = false, false, false, false, false
	})
	require.Len(t, rs, len(rs.OfType("coder:guard:Guard"))+countProviders(rs))
}

func countProviders(rs ct.Resources) int { return len(rs.OfType("pulumi:providers:aws")) }
