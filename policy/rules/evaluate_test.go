package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvaluateAppendsRemediationAndSorts(t *testing.T) {
	t.Parallel()
	rs := []*Resource{
		named(res(t, tLogGroup, `{"retentionInDays":7}`), "b"),
		named(res(t, tLogGroup, `{"retentionInDays":30}`), "a"),
	}
	got := Evaluate([]*Policy{logRetention}, rs, nil)
	require.Len(t, got, 2)
	assert.Equal(t, Violation{
		Policy: "log-retention", Enforcement: Mandatory, Severity: "medium", URN: rs[1].URN,
		Message: "retentionInDays is 30, below 90. Fix: " + logRetention.Remediation,
	}, got[0])
	assert.Equal(t, rs[0].URN, got[1].URN)
}

func TestEvaluateOverrides(t *testing.T) {
	t.Parallel()
	rs := []*Resource{named(res(t, tLogGroup, `{"retentionInDays":30}`), "a")}
	t.Run("threshold", func(t *testing.T) {
		got := Evaluate([]*Policy{logRetention}, rs, map[string]PolicyConfig{"log-retention": {Properties: Config{"minDays": 14}}})
		assert.Empty(t, got)
	})
	t.Run("advisory", func(t *testing.T) {
		got := Evaluate([]*Policy{logRetention}, rs, map[string]PolicyConfig{"log-retention": {Enforcement: Advisory}})
		require.Len(t, got, 1)
		assert.Equal(t, Advisory, got[0].Enforcement)
	})
	t.Run("disabled", func(t *testing.T) {
		got := Evaluate([]*Policy{logRetention}, rs, map[string]PolicyConfig{"log-retention": {Enforcement: Disabled}})
		assert.Empty(t, got)
	})
}

func TestPackIsWellFormed(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, p := range Pack() {
		assert.False(t, seen[p.Name], "duplicate policy %s", p.Name)
		seen[p.Name] = true
		assert.NotEmpty(t, p.Description, p.Name)
		assert.NotEmpty(t, p.Remediation, p.Name)
		assert.True(t, (p.Check == nil) != (p.CheckStack == nil), "%s is a resource or a stack policy", p.Name)
		if p.Severity >= High {
			assert.Equal(t, Mandatory, p.Enforcement, "%s is a security policy", p.Name)
		}
		for _, prm := range p.Params {
			assert.NotNil(t, prm.Default, "%s.%s has a default", p.Name, prm.Name)
			assert.Contains(t, p.Schema(), prm.Name)
		}
		assert.Same(t, p, Lookup(p.Name))
	}
}
