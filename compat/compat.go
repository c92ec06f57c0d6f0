// Package compat is the one table of versions that must match the cluster's
// Kubernetes minor: the charts whose controllers are built for one minor and
// the EKS add-ons AWS offers per minor. Config validation reads it to reject
// a pin that does not fit, naming what does; the stacks read it to pick the
// charts. Bump a row only after checking its sources.
package compat

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Set is what one Kubernetes minor runs.
type Set struct {
	// AutoscalerChart is the cluster-autoscaler chart whose appVersion is
	// this minor (the autoscaler supports its own minor only).
	AutoscalerChart, AutoscalerApp string
	// KEDAChart is a KEDA release tested on this minor.
	KEDAChart string
	// CoreDNS and KubeProxy are the add-on version lines (vMAJOR.MINOR.)
	// AWS offers for this minor; a pin must start with one of them.
	CoreDNS   []string
	KubeProxy []string
}

// Sources:
//   - cluster-autoscaler: kubernetes/autoscaler tags cluster-autoscaler-chart-X,
//     Chart.yaml appVersion (9.46.6 → 1.32.0; 9.47.0–9.51.0 → 1.33.0;
//     9.52.0–9.53.0 → 1.34.x). The chart README's "1.34 → 9.51.0" is wrong.
//   - KEDA: keda-docs operate/cluster.md "Kubernetes Compatibility" (2.17:
//     1.30–1.32; 2.18: 1.31–1.33; 2.19: 1.32–1.34); charts v2.17.2, v2.18.3,
//     v2.19.0 exist in kedacore/charts.
//   - CoreDNS and kube-proxy: Amazon EKS User Guide, "Manage CoreDNS" and
//     "Manage kube-proxy" version tables (kube-proxy follows the cluster's
//     minor exactly; check builds with `aws eks describe-addon-versions`).
var table = map[string]Set{
	"1.32": {AutoscalerChart: "9.46.6", AutoscalerApp: "1.32.0", KEDAChart: "2.17.2",
		CoreDNS: []string{"v1.11."}, KubeProxy: []string{"v1.32."}},
	"1.33": {AutoscalerChart: "9.51.0", AutoscalerApp: "1.33.0", KEDAChart: "2.18.3",
		CoreDNS: []string{"v1.12.", "v1.13."}, KubeProxy: []string{"v1.33."}},
	"1.34": {AutoscalerChart: "9.53.0", AutoscalerApp: "1.34.2", KEDAChart: "2.19.0",
		CoreDNS: []string{"v1.12.", "v1.13."}, KubeProxy: []string{"v1.34."}},
}

// Minors lists the Kubernetes minors the table covers, ascending.
func Minors() []string { return slices.Sorted(maps.Keys(table)) }

// For returns the set of a Kubernetes minor ("1.33").
func For(minor string) (Set, error) {
	s, ok := table[minor]
	if !ok {
		return Set{}, fmt.Errorf("no version table for Kubernetes %s; supported: %s", minor, strings.Join(Minors(), ", "))
	}
	return s, nil
}

// Fits reports whether an add-on version starts with one of the lines.
func Fits(version string, lines []string) bool {
	for _, l := range lines {
		if strings.HasPrefix(version, l) {
			return true
		}
	}
	return false
}

// Describe names the lines for an error message ("v1.12.x or v1.13.x").
func Describe(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l + "x"
	}
	return strings.Join(out, " or ")
}
