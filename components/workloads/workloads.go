// Package workloads names where Coder's workloads live in a cluster: the
// namespaces, node tiers, labels and ports that the cluster, Coder and
// observability components must agree on. It is plain data, defined once,
// so no component imports a sibling for a name.
package workloads

import "slices"

// Namespaces of the Coder workloads.
const (
	NamespaceCoder       = "coder"
	NamespaceProvisioner = "coder-prov"
	NamespaceWorkspaces  = "coder-ws"
)

// WorkspaceImagesConfigMap is the ConfigMap, in NamespaceWorkspaces of
// every region's cluster, that maps each workspace image id to the
// reference the region pulls (its own ECR registry, by digest). Pod
// templates read it through the base's images_config_map variable.
const WorkspaceImagesConfigMap = "coder-workspace-images"

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

// tierSpec is how a tier's node group may run: one row per tier, read by
// validation and the node-group wiring.
type tierSpec struct {
	// group is the tier's key under cluster.nodeGroups.
	group string
	// minNodes is the least minSize: coderd needs two nodes to survive one.
	minNodes int
	// burstable: burstable families may run it (their CPU credits run out
	// under coderd and Terraform; Coder's guidance is m5/c5-class).
	burstable bool
	// noSpot, when set, is why the tier must not run on spot capacity.
	noSpot string
}

var tiers = map[Tier]tierSpec{
	TierControl: {group: "control", minNodes: 2,
		noSpot: "the control group is static and must never lose coderd to a spot reclaim"},
	TierProvisioner: {group: "provisioner", noSpot: "a spot reclaim kills running Terraform builds"},
	TierWorkspace:   {group: "workspace", burstable: true},
}

// Group is the tier's key under cluster.nodeGroups.
func (t Tier) Group() string { return tiers[t].group }

// MinNodes is the least minimum size of the tier's node group.
func (t Tier) MinNodes() int { return tiers[t].minNodes }

// Burstable reports whether burstable instance families may run the tier.
func (t Tier) Burstable() bool { return tiers[t].burstable }

// NoSpot is why the tier must not run on spot capacity; "" when it may.
func (t Tier) NoSpot() string { return tiers[t].noSpot }

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

// BackupTag marks the EBS volumes AWS Backup backs up as workspace homes:
// the home StorageClass puts it on every volume it provisions
// (tagSpecification_1), the EC2 templates on their home and root volumes
// (local.backup_tags), and the stack's home-volume backup plan selects
// volumes by it.
const (
	BackupTagKey   = "coder:backup"
	BackupTagValue = "home"
)

// WorkspaceHomesLabel marks a StorageClass whose volumes are workspace
// homes; the policy pack checks each such class is backed up.
const WorkspaceHomesLabel = "coder.com/workspace-homes"

// BackupTag is the tag as the EBS CSI driver's tagSpecification takes it.
func BackupTag() string { return BackupTagKey + "=" + BackupTagValue }

// Role is a region's place in the deployment: what Coder runs there. What
// each role runs is one row of roles; code asks a role what it runs
// (RunsCoderd, RunsProxy) and never compares roles, so a new role is one
// constant and one row.
type Role string

// The region roles.
const (
	ControlPlane Role = "control-plane"
	Proxy        Role = "proxy"
)

// roleSpec is what a region of a role runs.
type roleSpec struct {
	// coderd: coderd, its database and backups, the templates, the edge of
	// the access URL; exactly one region of a stack runs it.
	coderd bool
	// proxy: a workspace proxy that registers with the coderd region.
	proxy bool
	// about is the role in words, for messages.
	about string
}

var roles = map[Role]roleSpec{
	ControlPlane: {coderd: true, about: "coderd, the database and the templates"},
	Proxy:        {proxy: true, about: "a workspace proxy and its provisioners"},
}

// Roles lists every region role, sorted.
func Roles() []Role {
	out := make([]Role, 0, len(roles))
	for r := range roles {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roles[r]; return ok }

// RunsCoderd reports whether the region runs coderd, its database and the
// templates.
func (r Role) RunsCoderd() bool { return roles[r].coderd }

// RunsProxy reports whether the region runs a workspace proxy.
func (r Role) RunsProxy() bool { return roles[r].proxy }

// About is the role in words.
func (r Role) About() string { return roles[r].about }

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
