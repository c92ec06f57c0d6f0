package compliance

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/fakeaws"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/controls"
)

// liveReport is a report over two regions of the claimed controls.
func liveReport() *Report {
	rep := Build(&preview.Result{Stack: "prod"}, Standard, controls.All())
	rep.Regions = []string{"us-east-1", "us-west-2"}
	return rep
}

// The real aws-sdk-go-v2 clients against the fake's AWS Config (JSON 1.1)
// and Security Hub (REST-JSON): rule compliance by region, and only the
// active, open, failed FSBP findings of the claimed controls.
func TestReadLive(t *testing.T) {
	fake := fakeaws.New(t)
	east, west := fake.Region("us-east-1"), fake.Region("us-west-2")
	for _, c := range controls.All() {
		east.ConfigRules = append(east.ConfigRules, fakeaws.ConfigRule{Name: c.ConfigRule, Compliance: "COMPLIANT"})
		if !c.Global {
			west.ConfigRules = append(west.ConfigRules, fakeaws.ConfigRule{Name: c.ConfigRule, Compliance: "INSUFFICIENT_DATA"})
		}
	}
	east.ConfigRules[3] = fakeaws.ConfigRule{Name: "S3_BUCKET_SSL_REQUESTS_ONLY", Compliance: "NON_COMPLIANT", NonCompliant: 2}
	west.ConfigRules = west.ConfigRules[1:] // S3.2's rule was never deployed there
	open := fakeaws.Finding{ID: "f-1", ControlID: "S3.5", GeneratorID: "security-control/S3.5", Status: "FAILED",
		RecordState: "ACTIVE", Workflow: "NEW", ResourceID: "arn:aws:s3:::coder-prod-logs", Title: "S3 buckets should require requests to use SSL", Severity: "MEDIUM"}
	notified := open
	notified.ID, notified.Workflow, notified.GeneratorID = "f-2", "NOTIFIED", "aws-foundational-security-best-practices/v/1.0.0/S3.5"
	resolved, archived, passed, cis, other := open, open, open, open, open
	resolved.ID, resolved.Workflow = "f-3", "RESOLVED"
	archived.ID, archived.RecordState = "f-4", "ARCHIVED"
	passed.ID, passed.Status = "f-5", "PASSED"
	cis.ID, cis.GeneratorID = "f-6", "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/2.7"
	other.ID, other.ControlID, other.GeneratorID = "f-7", "Lambda.1", "security-control/Lambda.1"
	east.Findings = []fakeaws.Finding{open, notified, resolved, archived, passed, cis, other}
	fake.Throttle["securityhub:GetFindings"] = 1

	rep := liveReport()
	src := Sources{Home: "us-east-1", Config: true, SecurityHub: true}
	require.NoError(t, rep.ReadLive(context.Background(), fake.Config(), src))

	s35 := control(t, rep, "S3.5")
	require.NotNil(t, s35.Live)
	assert.Equal(t, map[string]string{"us-east-1": "NON_COMPLIANT (2 resources)", "us-west-2": "INSUFFICIENT_DATA"}, s35.Live.ConfigCompliance)
	var ids []string
	for _, f := range s35.Live.Findings {
		ids = append(ids, f.ID)
		assert.Equal(t, "us-east-1", f.Region)
		assert.Equal(t, "arn:aws:s3:::coder-prod-logs", f.Resource)
		assert.Equal(t, "MEDIUM", f.Severity)
		assert.Equal(t, "FAILED", f.Status)
	}
	assert.ElementsMatch(t, []string{"f-1", "f-2"}, ids)
	assert.Equal(t, map[string]string{"us-east-1": "COMPLIANT", "us-west-2": NotDeployed}, control(t, rep, "S3.2").Live.ConfigCompliance)
	// Account-wide rules are asked of the home region only.
	assert.Equal(t, map[string]string{"us-east-1": "COMPLIANT"}, control(t, rep, "IAM.1").Live.ConfigCompliance)
	assert.Empty(t, control(t, rep, "KMS.4").Live.Findings)
	assert.GreaterOrEqual(t, fake.CallCount("securityhub:GetFindings"), 3, "throttled once, then paged")
}

// The deployed rules' own names are asked, as the preview registers them.
func TestReadLiveDeployedNames(t *testing.T) {
	fake := fakeaws.New(t)
	fake.Region("us-east-1").ConfigRules = []fakeaws.ConfigRule{{Name: "coder-prod-s3-bucket-ssl-requests-only", Compliance: "COMPLIANT"}}
	rep := liveReport()
	rep.Regions = []string{"us-east-1"}
	src := Sources{Home: "us-east-1", Config: true,
		Rules: RuleNames{"us-east-1": {"S3_BUCKET_SSL_REQUESTS_ONLY": "coder-prod-s3-bucket-ssl-requests-only"}}}
	require.NoError(t, rep.ReadLive(context.Background(), fake.Config(), src))
	assert.Equal(t, map[string]string{"us-east-1": "COMPLIANT"}, control(t, rep, "S3.5").Live.ConfigCompliance)
	assert.Empty(t, control(t, rep, "S3.2").Live.ConfigCompliance, "no rule deployed for it: not asked")
	assert.Zero(t, fake.CallCount("securityhub:GetFindings"), "Security Hub is off in the stack")
}

func TestReadLiveDenied(t *testing.T) {
	fake := fakeaws.New(t)
	fake.Deny["securityhub:GetFindings"] = true
	rep := liveReport()
	err := rep.ReadLive(context.Background(), fake.Config(), Sources{Home: "us-east-1", SecurityHub: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "securityhub:GetFindings in us-east-1")
	assert.Contains(t, err.Error(), "AccessDeniedException")
}
