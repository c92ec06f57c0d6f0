package observability

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// A region that watches everything: two namespaces, a database and two
// credentials.
func everything() scope {
	return scope{t: thresholds.Defaults(), stack: "test", namespaces: []string{"coder", "coder-prov"}, maxACU: 16,
		credentials: []Credential{
			{Secret: "coder/test/r/admin-token", Purpose: "admin-token", Runbook: "credential-admin-token", WarnDays: 2.3},
			{Secret: "dns/cloudflare", Purpose: "cloudflare-api-token", Runbook: "credential-cloudflare-token", WarnDays: 14},
		}}
}

// Every row of the table becomes at least one alarm or rule of a region
// that watches everything, with its text filled in; no two share a name.
func TestEveryRowIsMadeConcrete(t *testing.T) {
	left := regexp.MustCompile(`\{(` + joinAlt(thresholds.Placeholders) + `)\}`)
	names := map[string]bool{}
	sc := everything()
	for _, r := range thresholds.Table {
		as := sc.concrete(r)
		require.NotEmpty(t, as, r.Alarm.Name)
		for _, a := range as {
			assert.False(t, names[a.Name], "%s twice", a.Name)
			names[a.Name] = true
			for _, text := range []string{a.Summary, a.Namespace, a.Query, a.Expr, a.For} {
				assert.NotRegexp(t, left, text, "%s: a placeholder left", a.Name)
			}
		}
	}
	// Every source has its alarms made by createAlarms or createRules.
	for _, on := range thresholds.Sources {
		n := len(sc.alarms(on)) + len(sc.rules(on))
		assert.Positive(t, n, "%s has no alarms", on)
	}
}

// The levels, namespaces and credentials are made one alarm each, named and
// dimensioned by name, and scaled thresholds are converted.
func TestConcreteAlarms(t *testing.T) {
	sc := everything()
	sc.t.EphemeralStoragePercent = []float64{60, 75, 90}
	byName := map[string]Alarm{}
	for _, on := range thresholds.Sources {
		for _, a := range sc.alarms(on) {
			byName[a.Name] = a
		}
	}
	for level, want := range map[string]float64{"warning": 60, "high": 75, "critical": 90} {
		a := byName["ephemeral-storage-"+level]
		assert.Equal(t, want, a.Threshold, level)
		assert.Equal(t, "ephemeral-storage", a.Runbook, level)
		assert.Contains(t, a.Summary, "("+level+")")
	}
	restarts := byName["pod-restarts-coder-prov"]
	assert.Contains(t, restarts.Query, "AND Namespace = 'coder-prov'")
	assert.Contains(t, restarts.Query, "ClusterName = '%s'", "the cluster's name is filled by the component")
	cred := byName["credential-admin-token"]
	assert.Equal(t, 2.3, cred.Threshold)
	assert.Equal(t, "credential-admin-token", cred.Runbook)
	assert.Equal(t, map[string]string{"Secret": "coder/test/r/admin-token"}, cred.Dimensions)
	assert.Equal(t, 512.0*(1<<20), byName["aurora-freeable-memory"].Threshold)
	assert.Equal(t, ConnectionsThreshold(16, 80), byName["aurora-connections"].Threshold)
	assert.Equal(t, day2Namespace("test"), byName["day2-configuration"].Namespace)
	lag := sc.rules(thresholds.ClusterMetrics)
	require.Len(t, lag, 1)
	assert.Equal(t, "10m", lag[0].For)
}

func joinAlt(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "|"
		}
		out += regexp.QuoteMeta(s)
	}
	return out
}
