package observability

import (
	"math"

	"github.com/platformeng/coder-platform/sizing"
)

// Thresholds are the alarm thresholds (stacks/config fills every one; the
// field set matches config.Thresholds so stacks convert it directly).
type Thresholds struct {
	NodeCPUPercent              float64
	NodeMemoryPercent           float64
	EphemeralStoragePercent     []float64
	PodRestarts                 float64
	AuroraCPUPercent            float64
	AuroraACUPercent            float64
	AuroraConnectionsPercent    float64
	AuroraFreeableMemoryMiB     float64
	AuroraReplicaLagMs          float64
	AuroraDeadlocks             float64
	NLBUnhealthyHosts           float64
	NLBTLSNegotiationErrors     float64
	APILatencyP95Ms             float64
	APILatencyP99Ms             float64
	ProvisionerQueueWaitSeconds float64
	PendingBuilds               float64
	ScalingLagMinutes           float64
	CredentialExpiryDays        float64
	LicenseExpiryDays           float64
	LicenseExpiryCriticalDays   float64
	LicenseSeatsPercent         float64
}

// ConnectionsThreshold is the connection count that is pct % of the
// max_connections a Serverless v2 writer has at its maximum ACU.
func ConnectionsThreshold(maxACU, pct float64) float64 {
	return math.Floor(float64(sizing.MaxConnections(maxACU, maxACU)) * pct / 100)
}
