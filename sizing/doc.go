// Package sizing holds the capacity arithmetic of the platform: CIDR plans,
// node counts, coderd and provisioner replicas, database ACUs and scaling
// schedules. Every figure is derived from the declared workload and from
// Coder's published guidance; the source of each constant is named beside it.
//
// Sources (see ../shared/reference/coder-facts.md for the full citations):
//   - [VA]  coder/coder docs/admin/infrastructure/validated-architectures/{1k,2k,3k,10k}-users.md
//   - [ST]  coder/coder docs/admin/infrastructure/scale-testing.md
//   - [CVA] coder/coder docs/admin/infrastructure/validated-architectures/index.md
//   - [WS]  coder/ai.coder.com docs/POSTMORTEM_2024-09-30.md (workshop capacity table)
//   - [PG]  coder/coder PR #17876 and #21572 (connection pool per replica)
//   - [EKS] AWS EKS AMI kube-reserved formulas and the VPC CNI prefix-delegation guide
//
// The package has no Pulumi imports so that config validation, the capacity
// command and the components all share one implementation.
package sizing
