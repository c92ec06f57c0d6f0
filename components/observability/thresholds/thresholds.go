// Package thresholds is the one definition of the platform's alarm
// thresholds: their config keys, defaults, allowed ranges and meaning. The
// stack config decodes, defaults and validates them from Table; the
// observability component builds its alarms from Values; the config
// reference documents them from Table (a test keeps it current).
package thresholds

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/platformeng/coder-platform/internal/standards"
)

// Values are the alarm thresholds of a stack (observability.thresholds).
// A zero value takes the default of its Table row.
type Values struct {
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
	CredentialExpiryDays        float64   `json:"credentialExpiryDays"`
	LicenseExpiryDays           float64   `json:"licenseExpiryDays"`
	LicenseExpiryCriticalDays   float64   `json:"licenseExpiryCriticalDays"`
	LicenseSeatsPercent         float64   `json:"licenseSeatsPercent"`
}

// Row is one threshold: its key under observability.thresholds, default,
// allowed range and what it watches.
type Row struct {
	Key     string
	Default float64
	// Min and Max bound the value; Open excludes them (a percentage
	// strictly between 0 and 100).
	Min, Max float64
	Open     bool
	// Allowed, when set, is the range in words for the reference (a
	// relation to another threshold).
	Allowed string
	Meaning string
	Field   func(*Values) *float64
}

// EphemeralStorageDefault is the spec's warning, high and critical levels of
// node ephemeral storage (the September 2024 incident).
var EphemeralStorageDefault = []float64{70, 85, 95}

// EphemeralStorageKey is the one list-valued threshold.
const EphemeralStorageKey = "ephemeralStoragePercent"

// Table is every scalar threshold, in the order of the reference. The spec
// gives ephemeral storage (70/85/95 %), API latency (P95 500 ms, P99 1 s)
// and credential expiry (14 days); docs/runbooks.md gives the reasons for
// the others.
var Table = []Row{
	{Key: "nodeCpuPercent", Default: 80, Min: 0, Max: 100, Open: true, Meaning: "node CPU, max over nodes, 5 × 1 min",
		Field: func(v *Values) *float64 { return &v.NodeCPUPercent }},
	{Key: "nodeMemoryPercent", Default: 85, Min: 0, Max: 100, Open: true, Meaning: "node memory",
		Field: func(v *Values) *float64 { return &v.NodeMemoryPercent }},
	{Key: "podRestarts", Default: 5, Min: 1, Max: 1000, Meaning: "container restarts of a pod in `coder` or `coder-prov`",
		Field: func(v *Values) *float64 { return &v.PodRestarts }},
	{Key: "auroraCpuPercent", Default: 80, Min: 0, Max: 100, Open: true, Meaning: "writer CPU",
		Field: func(v *Values) *float64 { return &v.AuroraCPUPercent }},
	{Key: "auroraAcuPercent", Default: 90, Min: 0, Max: 100, Open: true, Meaning: "ACU utilisation (near the maximum ACU)",
		Field: func(v *Values) *float64 { return &v.AuroraACUPercent }},
	{Key: "auroraConnectionsPercent", Default: 80, Min: 0, Max: 100, Open: true,
		Meaning: "of max_connections at the maximum ACU: min(ACU × 2 GiB / 9,531,392, 5,000)",
		Field:   func(v *Values) *float64 { return &v.AuroraConnectionsPercent }},
	{Key: "auroraFreeableMemoryMiB", Default: 512, Min: 64, Max: 1 << 20, Meaning: "freeable memory below this",
		Field: func(v *Values) *float64 { return &v.AuroraFreeableMemoryMiB }},
	{Key: "auroraReplicaLagMs", Default: 1000, Min: 10, Max: 600000, Meaning: "`AuroraReplicaLagMaximum`",
		Field: func(v *Values) *float64 { return &v.AuroraReplicaLagMs }},
	{Key: "auroraDeadlocks", Default: 0, Min: 0, Max: 1000, Meaning: "deadlocks per minute above this",
		Field: func(v *Values) *float64 { return &v.AuroraDeadlocks }},
	{Key: "nlbUnhealthyHosts", Default: 0, Min: 0, Max: 1000, Meaning: "unhealthy coderd targets for 3 minutes",
		Field: func(v *Values) *float64 { return &v.NLBUnhealthyHosts }},
	{Key: "nlbTlsNegotiationErrors", Default: 50, Min: 1, Max: 1e6, Meaning: "failed TLS handshakes per 5 minutes",
		Field: func(v *Values) *float64 { return &v.NLBTLSNegotiationErrors }},
	{Key: "apiLatencyP95Ms", Default: 500, Min: 10, Max: 60000, Meaning: "coderd API P95 (spec)",
		Field: func(v *Values) *float64 { return &v.APILatencyP95Ms }},
	{Key: "apiLatencyP99Ms", Default: 1000, Min: 10, Max: 60000, Allowed: "10–60000, ≥ `apiLatencyP95Ms`", Meaning: "coderd API P99 (spec)",
		Field: func(v *Values) *float64 { return &v.APILatencyP99Ms }},
	{Key: "provisionerQueueWaitSeconds", Default: 60, Min: 5, Max: 3600, Meaning: "P90 time from job creation to acquisition",
		Field: func(v *Values) *float64 { return &v.ProvisionerQueueWaitSeconds }},
	{Key: "pendingBuilds", Default: 10, Min: 1, Max: 10000, Meaning: "workspaces whose latest build is pending",
		Field: func(v *Values) *float64 { return &v.PendingBuilds }},
	{Key: "scalingLagMinutes", Default: 10, Min: 1, Max: 120, Meaning: "requested nodes not joined for this long",
		Field: func(v *Values) *float64 { return &v.ScalingLagMinutes }},
	{Key: "credentialExpiryDays", Default: 14, Min: 1, Max: 60,
		Allowed: fmt.Sprintf("1–60, below the %d-day rotation", standards.ManualRotationDays),
		Meaning: "warn this many days before a credential is due (spec), or a third of a shorter lifetime",
		Field:   func(v *Values) *float64 { return &v.CredentialExpiryDays }},
	{Key: "licenseExpiryDays", Default: 30, Min: 1, Max: 180, Meaning: "licence expiry warning",
		Field: func(v *Values) *float64 { return &v.LicenseExpiryDays }},
	{Key: "licenseExpiryCriticalDays", Default: 7, Min: 1, Max: 60, Allowed: "1–60, below `licenseExpiryDays`", Meaning: "licence expiry, critical",
		Field: func(v *Values) *float64 { return &v.LicenseExpiryCriticalDays }},
	{Key: "licenseSeatsPercent", Default: 90, Min: 50, Max: 100, Meaning: "licensed seats in use",
		Field: func(v *Values) *float64 { return &v.LicenseSeatsPercent }},
}

// Defaults are the thresholds of a stack that sets none.
func Defaults() Values {
	var v Values
	Fill(&v)
	return v
}

// Fill sets every threshold left at zero to its default.
func Fill(v *Values) {
	for _, r := range Table {
		if f := r.Field(v); *f == 0 {
			*f = r.Default
		}
	}
	if len(v.EphemeralStoragePercent) == 0 {
		v.EphemeralStoragePercent = slices.Clone(EphemeralStorageDefault)
	}
}

// Problem is a threshold outside what is allowed.
type Problem struct {
	Key     string
	Value   any
	Message string
}

// Check returns every threshold outside its range, and every relation
// between thresholds that does not hold.
func Check(v Values) []Problem {
	var out []Problem
	for _, r := range Table {
		x := *r.Field(&v)
		if r.Open && (x <= r.Min || x >= r.Max) {
			out = append(out, Problem{r.Key, x, fmt.Sprintf("must be a percentage between %s and %s (exclusive)", num(r.Min), num(r.Max))})
		} else if !r.Open && (x < r.Min || x > r.Max) {
			out = append(out, Problem{r.Key, x, fmt.Sprintf("must be between %s and %s", num(r.Min), num(r.Max))})
		}
	}
	es := v.EphemeralStoragePercent
	if len(es) != 3 || !slices.IsSorted(es) || es[0] <= 0 || es[2] >= 100 || es[0] == es[1] || es[1] == es[2] {
		out = append(out, Problem{EphemeralStorageKey, es, "must be three rising percentages below 100: warning, high and critical (the spec's 70, 85, 95)"})
	}
	if v.APILatencyP99Ms < v.APILatencyP95Ms {
		out = append(out, Problem{"apiLatencyP99Ms", v.APILatencyP99Ms, fmt.Sprintf("must be at least apiLatencyP95Ms (%s)", num(v.APILatencyP95Ms))})
	}
	if v.CredentialExpiryDays >= standards.ManualRotationDays {
		out = append(out, Problem{"credentialExpiryDays", v.CredentialExpiryDays,
			fmt.Sprintf("must be less than the %d-day rotation period: the warning comes before the credential is due", standards.ManualRotationDays)})
	}
	if v.LicenseExpiryCriticalDays >= v.LicenseExpiryDays {
		out = append(out, Problem{"licenseExpiryCriticalDays", v.LicenseExpiryCriticalDays,
			fmt.Sprintf("must be less than licenseExpiryDays (%s): the critical alarm follows the warning", num(v.LicenseExpiryDays))})
	}
	return out
}

// Reference is the thresholds' rows of docs/config-reference.md, keys
// prefixed with prefix.
func Reference(prefix string) string {
	var b strings.Builder
	row := func(key, def, allowed, meaning string) {
		fmt.Fprintf(&b, "| `%s%s` | %s | %s | %s |\n", prefix, key, def, allowed, meaning)
	}
	for i, r := range Table {
		allowed := r.Allowed
		if allowed == "" {
			allowed = num(r.Min) + "–" + num(r.Max)
		}
		row(r.Key, num(r.Default), allowed, r.Meaning)
		if i == 1 {
			// The list-valued threshold, after the node thresholds it joins.
			def := make([]string, len(EphemeralStorageDefault))
			for j, d := range EphemeralStorageDefault {
				def[j] = num(d)
			}
			row(EphemeralStorageKey, "["+strings.Join(def, ", ")+"]", "three rising values < 100",
				"node ephemeral storage: warning, high, critical (spec)")
		}
	}
	return b.String()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
