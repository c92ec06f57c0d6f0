package resilience

import "slices"

// Status is what a failure does to a tier.
type Status string

// The verdicts, from best to worst.
const (
	Unaffected Status = "unaffected"
	// Degraded keeps serving: less capacity, a failover of about a minute,
	// or the lost zone's share of users or workspaces out until it returns.
	Degraded Status = "degraded"
	// Stops: the tier serves no one until it is recovered.
	Stops Status = "stops"
)

var order = []Status{Unaffected, Degraded, Stops}

// worse is the worse of two verdicts.
func worse(a, b Status) Status {
	if slices.Index(order, b) > slices.Index(order, a) {
		return b
	}
	return a
}

// TierVerdict is one tier's fate in the failure.
type TierVerdict struct {
	Tier   string `json:"tier"`
	Status Status `json:"status"`
	// Capacity is what is left, in a few words ("2 of 4 replicas").
	Capacity string `json:"capacity"`
	// Critical is whether resilience.critical lists the tier.
	Critical bool `json:"critical"`
	// Details are the facts the verdict rests on, one per resource or
	// region, with the inputs they come from.
	Details []string `json:"details"`
}

// add records a fact and folds its verdict in.
func (v *TierVerdict) add(s Status, format string, args ...any) {
	v.Status = worse(v.Status, s)
	v.Details = append(v.Details, sprintf(format, args...))
}
