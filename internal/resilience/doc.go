// Package resilience answers what keeps serving when a stack loses an
// availability zone or a region, and how long recovery takes: it reads the
// resources the offline preview registered (the same program `pulumi up`
// runs), not a description of our components, so a change to the program
// changes the answer.
//
// Per tier (config.Tiers) it gives a verdict (unaffected, degraded or
// stops) with the capacity left, the critical path of what must be rebuilt
// or restored with the typical times of sizing.RebuildTimes against the
// declared RTO, and the RPO the design gives (config LeastRPO) against the
// declared one. `platform resilience` prints it (docs/disaster-recovery.md).
package resilience
