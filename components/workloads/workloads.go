// Package workloads names where Coder's workloads live in a cluster: the
// namespaces, node tiers, labels and ports that the cluster, Coder and
// observability components must agree on. It is plain data, defined once,
// so no component imports a sibling for a name.
package workloads

// Namespaces of the Coder workloads.
const (
	NamespaceCoder       = "coder"
	NamespaceProvisioner = "coder-prov"
	NamespaceWorkspaces  = "coder-ws"
)

// CoderdPodLabels select coderd (and proxy) pods of the official chart.
var CoderdPodLabels = map[string]string{"app.kubernetes.io/name": "coder"}

// CoderdPort is the HTTP port of coderd pods (agents and DERP).
const CoderdPort = 8080

// MetricsLabel marks the headless Services whose endpoints (MetricsPort)
// are scraped: coderd, proxies and provisioners.
const MetricsLabel = "coder.com/metrics"

// MetricsPort is where coderd, proxies and provisioners serve Prometheus
// metrics: the Coder charts set CODER_PROMETHEUS_ADDRESS=0.0.0.0:2112.
const MetricsPort = 2112

// PoolLabel names the node group a node belongs to.
const PoolLabel = "node.coder.com/pool"

// Tier is a node-group tier. Every group of a tier carries the label
// `<tier>: "true"` and the taint `<tier>=true:NoSchedule`, so each tier
// only takes the workloads that select and tolerate it.
type Tier string

// The three tiers; workspaces run in the namespace of their tier's name.
const (
	TierControl     Tier = "coder-control"
	TierProvisioner Tier = "coder-prov"
	TierWorkspace   Tier = NamespaceWorkspaces
)

// Tiers lists the three tiers.
var Tiers = []Tier{TierControl, TierProvisioner, TierWorkspace}

// Toleration is the Kubernetes toleration of a tier's taint.
func (t Tier) Toleration() map[string]any {
	return map[string]any{"key": string(t), "operator": "Equal", "value": "true", "effect": "NoSchedule"}
}

// NodeSelector selects a tier's nodes.
func (t Tier) NodeSelector() map[string]any { return map[string]any{string(t): "true"} }

// Storage classes of the cluster: the KMS-encrypted gp3 default, and the
// retained class of workspace home volumes.
const (
	StorageClassDefault = "gp3-encrypted"
	StorageClassHome    = "coder-home"
)

// Role is a region's place in the deployment: what Coder runs there.
type Role string

// The region roles.
const (
	ControlPlane Role = "control-plane" // coderd, the database and the templates
	Proxy        Role = "proxy"         // a workspace proxy and its provisioners
)

// PgAuth is how coderd authenticates to PostgreSQL: CODER_PG_AUTH
// (coder/coder v2.30.0 codersdk/deployment.go, PostgresAuth).
type PgAuth string

// The CODER_PG_AUTH values.
const (
	// PgAuthIAM is IAM database authentication, which Coder recommends on
	// RDS: no long-lived password in coderd.
	PgAuthIAM      PgAuth = "awsiamrds"
	PgAuthPassword PgAuth = "password"
)

// PgAuths are the values config accepts.
var PgAuths = []PgAuth{PgAuthIAM, PgAuthPassword}
