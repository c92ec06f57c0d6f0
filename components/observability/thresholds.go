package observability

import (
	"math"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
	"github.com/platformeng/coder-platform/sizing"
)

// Thresholds are the alarm thresholds, defined once in package thresholds.
type Thresholds = thresholds.Values

// ConnectionsThreshold is the connection count that is pct % of the
// max_connections a Serverless v2 writer has at its maximum ACU.
func ConnectionsThreshold(maxACU, pct float64) float64 {
	return math.Floor(float64(sizing.MaxConnections(maxACU, maxACU)) * pct / 100)
}
