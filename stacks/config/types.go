package config

import (
	"time"

	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/templates"
)

// Profile selects the defaults a stack starts from.
type Profile string

const (
	ProfileEnterprise Profile = "enterprise"
	ProfileWorkshop   Profile = "workshop"
)

// Stack is the whole declared configuration of one stack, defaults applied.
// What Load resolves from it (the capacity plan, the subnet plans, the
// composed templates) is in Plan. Fields tagged `json:"-"` name the stack
// and the instant it was loaded; they are never read from config.
type Stack struct {
	Project string `json:"-"`
	Name    string `json:"-"`
	// Now is the instant the config was loaded at (LoadAt).
	Now time.Time `json:"-"`

	Profile  Profile  `json:"profile"`
	Tags     Tags     `json:"tags"`
	Coder    Coder    `json:"coder"`
	DNS      DNS      `json:"dns"`
	Workload Workload `json:"workload"`
	Regions  []Region `json:"regions"`
	Network  Network  `json:"network"`
	Cluster  Cluster  `json:"cluster"`
	Scaling  Scaling  `json:"scaling"`
	Database Database `json:"database"`
	Edge     Edge     `json:"edge"`

	Observability Observability `json:"observability"`
	Templates     Templates     `json:"templates"`
	Cost          Cost          `json:"cost"`
	Images        Images        `json:"images"`
	Security      Security      `json:"security"`
	Scaletest     Scaletest     `json:"scaletest"`
	Resilience    Resilience    `json:"resilience"`
	// Preflight is what `pulumi up` does when a service quota falls short
	// of the stack's needs: stop before anything is registered (block), or
	// warn and go on (warn).
	Preflight PreflightMode `json:"preflight"`

	// secrets are the secret config keys that are set (secrets.go); their
	// values are for validation only, never printed or handed out.
	secrets map[string]secret
}

// PreflightMode is the quota pre-flight's verdict on a shortfall.
type PreflightMode string

const (
	PreflightBlock PreflightMode = "block"
	PreflightWarn  PreflightMode = "warn"
)

// Tags are applied to every AWS resource through the provider's default tags.
type Tags struct {
	Owner      string `json:"owner"`
	CostCenter string `json:"costCenter"`
}

// Coder holds the Coder deployment settings.
type Coder struct {
	// Version is the one Coder image tag used by coderd, every proxy and
	// every provisioner (proxy version drift was a real workshop outage).
	Version string `json:"version"`
	// AccessURL is CODER_ACCESS_URL of the control plane.
	AccessURL string `json:"accessUrl"`
	// PgConnMaxOpen is CODER_PG_CONN_MAX_OPEN per coderd replica.
	PgConnMaxOpen int `json:"pgConnMaxOpen"`
	// ChartVersion pins the coder and coder-provisioner Helm charts; it
	// defaults to Version without the "v".
	ChartVersion string `json:"chartVersion"`
	// PgAuth is CODER_PG_AUTH: awsiamrds (default) or password.
	PgAuth workloads.PgAuth `json:"pgAuth"`
	// Coderd and Proxy override the sizes Coder's guidance gives.
	Coderd       *DeploymentSize `json:"coderd"`
	Proxy        *DeploymentSize `json:"proxy"`
	OIDC         *OIDC           `json:"oidc"`
	Identity     Identity        `json:"identity"`
	License      *License        `json:"license"`
	ExternalAuth []ExternalAuth  `json:"externalAuth"`
	QuietHours   QuietHours      `json:"quietHours"`
	Provisioners Provisioners    `json:"provisioners"`
	AIGateway    AIGateway       `json:"aiGateway"`
	// AIBridge switches Coder's built-in AI Gateway, formerly AI Bridge
	// (CODER_AI_GATEWAY_ENABLED, set true or false explicitly: Coder 2.34+
	// turns it on when unset). Providers are configured in coderd.
	AIBridge bool `json:"aiBridge"`
	// BuildRetries retries workspace starts that failed for an
	// infrastructure reason, with exponential backoff; never a user's error
	// (docs/runbooks.md#build-retries).
	BuildRetries BuildRetries `json:"buildRetries"`
}

// DeploymentSize overrides replicas and per-pod resources (requests = limits).
type DeploymentSize struct {
	Replicas int    `json:"replicas"`
	CPU      string `json:"cpu"`
	Memory   string `json:"memory"`
}

// Resources are the per-pod requests (= limits), parsed.
func (d DeploymentSize) Resources() sizing.Resources { return resources(d.CPU, d.Memory) }

// OIDC is sign-in through any OpenID Connect identity provider. The client
// secret is read from Secrets Manager (coder/<stack>/<region>/oidc-client-secret).
type OIDC struct {
	IssuerURL    string   `json:"issuerUrl"`
	ClientID     string   `json:"clientId"`
	EmailDomains []string `json:"emailDomains"`
	Scopes       []string `json:"scopes"`
	SignInText   string   `json:"signInText"`
	// Groups and Roles sync Coder groups and site roles from IdP claims.
	Groups *GroupSync `json:"groups"`
	Roles  *RoleSync  `json:"roles"`
}

// ExternalAuth is one Git provider (CODER_EXTERNAL_AUTH_<n>_*); its client
// secret is read from Secrets Manager (coder/<stack>/<region>/external-auth/<id>).
type ExternalAuth struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	ClientID string `json:"clientId"`
}

// QuietHours is when autostop requirements stop workspaces.
type QuietHours struct {
	// Schedule is CODER_QUIET_HOURS_DEFAULT_SCHEDULE, "CRON_TZ=<zone> M H * * *".
	Schedule    string `json:"schedule"`
	AllowCustom bool   `json:"allowCustom"`
}

// Provisioners are the external provisioner daemons.
type Provisioners struct {
	// Replicas overrides the per-region count from the capacity arithmetic.
	Replicas *int `json:"replicas"`
	// Autoscaling scales on queue depth between MinReplicas and MaxReplicas.
	Autoscaling *bool `json:"autoscaling"`
	MinReplicas int   `json:"minReplicas"`
	MaxReplicas int   `json:"maxReplicas"`
	// Organizations get one release and one provisioner key each.
	Organizations                 []ProvisionerOrg `json:"organizations"`
	CacheGiB                      int              `json:"cacheGiB"`
	TerminationGracePeriodSeconds int              `json:"terminationGracePeriodSeconds"`
}

// ProvisionerOrg is one provisioner pool, scoped by its key.
type ProvisionerOrg struct {
	Name string `json:"name"`
	// Replicas sizes this pool (its ceiling under autoscaling); the first
	// organization defaults to the capacity arithmetic, the others to
	// minReplicas, both scaling up to maxReplicas.
	Replicas int `json:"replicas"`
	// Tags are the tags its key is created with (coder provisioner keys
	// create --tag); with keys, tags come from the key, not the chart. The
	// stack output provisionerKeyCommands prints the command.
	Tags map[string]string `json:"tags"`
}

// AutoscalingEnabled reports the effective setting.
func (p Provisioners) AutoscalingEnabled() bool { return p.Autoscaling == nil || *p.Autoscaling }

// AIGateway is the LiteLLM service of the workshop platform.
type AIGateway struct {
	Enabled  bool     `json:"enabled"`
	Replicas int      `json:"replicas"`
	CPU      string   `json:"cpu"`
	Memory   string   `json:"memory"`
	Image    string   `json:"image"`
	Models   []string `json:"models"`
}

// Resources are the per-pod requests (= limits), parsed.
func (a AIGateway) Resources() sizing.Resources { return resources(a.CPU, a.Memory) }

// DNS selects the DNS provider and base domain.
type DNS struct {
	Provider   string `json:"provider"` // route53 | cloudflare
	BaseDomain string `json:"baseDomain"`
	// CreateZone creates the Route 53 hosted zone instead of looking it up.
	CreateZone bool `json:"createZone"`
	// TakeOver lets this stack's access records replace existing ones: the
	// regional failover stack cuts the same names over to its own region
	// (Route 53 only; docs/disaster-recovery.md).
	TakeOver   bool        `json:"takeOver"`
	Cloudflare *Cloudflare `json:"cloudflare"`
}

// Cloudflare is the Cloudflare zone of the base domain. The API token comes
// from the secret config key cloudflareApiToken or from Secrets Manager.
type Cloudflare struct {
	ZoneID           string `json:"zoneId"`
	APITokenSecretID string `json:"apiTokenSecretId"`
}

// Database is the Aurora PostgreSQL Serverless v2 cluster.
type Database struct {
	EngineVersion string   `json:"engineVersion"`
	MinACU        *float64 `json:"minAcu"`
	MaxACU        *float64 `json:"maxAcu"`
	Readers       int      `json:"readers"`
	// BackupRetentionDays is Aurora's point-in-time-recovery window.
	BackupRetentionDays int `json:"backupRetentionDays"`
	// DeletionProtection may only be turned off explicitly; the policy
	// pack reports it.
	DeletionProtection               *bool          `json:"deletionProtection"`
	PerformanceInsightsRetentionDays int            `json:"performanceInsightsRetentionDays"`
	MonitoringIntervalSeconds        int            `json:"monitoringIntervalSeconds"`
	PasswordRotationDays             int            `json:"passwordRotationDays"`
	Backup                           DatabaseBackup `json:"backup"`
	// Restore builds the cluster from a point in time or a snapshot
	// instead of an empty database (docs/disaster-recovery.md).
	Restore *DatabaseRestore `json:"restore"`
	// GlobalDatabase adds an Aurora global database secondary in the
	// backup region (database.backup.copyRegion), a warm standby whose
	// replication lag is about a second.
	GlobalDatabase bool `json:"globalDatabase"`
}

// DatabaseBackup is the AWS Backup plan with a cross-region copy.
type DatabaseBackup struct {
	Schedule          string     `json:"schedule"`
	RetentionDays     int        `json:"retentionDays"`
	CopyRegion        string     `json:"copyRegion"`
	CopyRetentionDays int        `json:"copyRetentionDays"`
	VaultLock         *VaultLock `json:"vaultLock"`
}

// VaultLock locks the backup vaults (compliance mode after ChangeableForDays).
type VaultLock struct {
	MinRetentionDays  int `json:"minRetentionDays"`
	MaxRetentionDays  int `json:"maxRetentionDays"`
	ChangeableForDays int `json:"changeableForDays"`
}

// Edge is the public network load balancer of each region.
type Edge struct {
	TLSPolicy                  string `json:"tlsPolicy"`
	AccessLogRetentionDays     int    `json:"accessLogRetentionDays"`
	DeregistrationDelaySeconds int    `json:"deregistrationDelaySeconds"`
}

// Workload is the declared demand.
type Workload struct {
	Users            int      `json:"users"`
	Workspaces       int      `json:"workspaces"`
	RunningFraction  *float64 `json:"runningFraction"`
	BuildConcurrency *float64 `json:"buildConcurrency"`
	// Mix is the share of workspaces launched at each size of each
	// delivered template; the sizes are read from the templates' bases.
	Mix []MixEntry `json:"mix"`
	// WorkspaceCPU and WorkspaceMemory declare one request for every
	// workspace instead of a mix, for stacks that do not deliver the
	// platform's templates (limit twice the request, home HomeDiskGiB).
	WorkspaceCPU    string `json:"workspaceCpu"`
	WorkspaceMemory string `json:"workspaceMemory"`
	HomeDiskGiB     int    `json:"homeDiskGiB"`
	// Headroom is the spare share the coder-ws quota and the peak node
	// count keep above the planned running workspaces (default 0.1).
	Headroom *float64 `json:"headroom"`
}

// MixEntry is one size of one template and its share of the workspaces.
type MixEntry struct {
	Template string  `json:"template"`
	Size     string  `json:"size"`
	Share    float64 `json:"share"`
}

// Region is one AWS region of the stack.
type Region struct {
	Name              string          `json:"name"`
	Role              workloads.Role  `json:"role"`
	VpcCIDR           string          `json:"vpcCidr"`
	AvailabilityZones []string        `json:"availabilityZones"`
	Share             *float64        `json:"share"`
	AccessURL         string          `json:"accessUrl"` // proxies only
	TransitGateway    *TransitGateway `json:"transitGateway"`
}

// TransitGateway routes on-premises or peered networks through a TGW.
type TransitGateway struct {
	ID    string   `json:"id"`
	CIDRs []string `json:"cidrs"`
}

// Network holds VPC-wide settings.
type Network struct {
	FlowLogRetentionDays int    `json:"flowLogRetentionDays"`
	Egress               Egress `json:"egress"`
}

// Egress is the workspace egress allow-list.
type Egress struct {
	// AllowedCIDRs are TCP destinations workspaces may reach; enforced by the
	// workspace node security group and the coder-ws NetworkPolicy.
	AllowedCIDRs []EgressRule `json:"allowedCidrs"`
	// AllowedDomains, when set, turn on a Route 53 Resolver DNS Firewall that
	// answers only these domains (plus the AWS service domains the nodes need).
	AllowedDomains []string `json:"allowedDomains"`
	// DirectConnections allows workspaces UDP to any address so Coder can
	// upgrade from DERP relays to direct WireGuard connections (default true).
	DirectConnections *bool `json:"directConnections"`
}

// DirectConnectionsEnabled reports the effective setting.
func (e Egress) DirectConnectionsEnabled() bool {
	return e.DirectConnections == nil || *e.DirectConnections
}

// EgressRule is one allowed outbound destination.
type EgressRule struct {
	CIDR        string `json:"cidr"`
	Ports       []int  `json:"ports"`
	Description string `json:"description"`
}

// Cluster holds the EKS settings.
type Cluster struct {
	KubernetesVersion    string   `json:"kubernetesVersion"`
	EndpointPublicAccess bool     `json:"endpointPublicAccess"`
	PublicAccessCIDRs    []string `json:"publicAccessCidrs"`
	// DeployerRoleArn is the IAM role `pulumi up` runs as. EKS makes the
	// cluster's creator an admin through its own access entry (pulumi-eks
	// v3.9.1 always sets bootstrapClusterCreatorAdminPermissions), so this
	// role gets no second entry from AdminRoleArns.
	DeployerRoleArn string     `json:"deployerRoleArn"`
	AdminRoleArns   []string   `json:"adminRoleArns"`
	Addons          Addons     `json:"addons"`
	NodeGroups      NodeGroups `json:"nodeGroups"`
	// LogRetentionDays is the retention of the control-plane log group.
	LogRetentionDays int `json:"logRetentionDays"`
	// ImagePullQPS is the kubelet registryPullQPS of workspace nodes; the
	// default of 5 throttles a morning of simultaneous workspace starts.
	ImagePullQPS int `json:"imagePullQps"`
}

// Addons pins the EKS managed add-on versions.
type Addons struct {
	VpcCni    string `json:"vpcCni"`
	CoreDNS   string `json:"coreDns"`
	KubeProxy string `json:"kubeProxy"`
	EbsCsi    string `json:"ebsCsi"`
}

// NodeGroups are the three dedicated node groups.
type NodeGroups struct {
	Control     NodeGroup `json:"control"`
	Provisioner NodeGroup `json:"provisioner"`
	Workspace   NodeGroup `json:"workspace"`
}

// NodeGroup is one managed node group.
type NodeGroup struct {
	InstanceTypes []string `json:"instanceTypes"`
	MinSize       *int     `json:"minSize"`
	MaxSize       *int     `json:"maxSize"`
	DiskSizeGiB   int      `json:"diskSizeGiB"`
	// Spot runs the group on spot capacity across InstanceTypes, with an
	// on-demand group of the same shape as fallback (workspace group only).
	Spot *bool `json:"spot"`
}

// Of is the node group of the tier.
func (n *NodeGroups) Of(t workloads.Tier) *NodeGroup {
	switch t {
	case workloads.TierControl:
		return &n.Control
	case workloads.TierProvisioner:
		return &n.Provisioner
	default:
		return &n.Workspace
	}
}

// Types are the listed instance types that parse, in order. Validation
// reports the others; when none parses, one placeholder keeps the
// arithmetic that runs beside validation safe.
func (g NodeGroup) Types() []sizing.InstanceType {
	var out []sizing.InstanceType
	for _, name := range g.InstanceTypes {
		if it, err := sizing.ParseInstanceType(name); err == nil {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		return []sizing.InstanceType{{Name: "invalid", VCPU: 1, MemGiB: 1}}
	}
	return out
}

// IsSpot reports whether the group runs on spot capacity.
func (g NodeGroup) IsSpot() bool { return deref(g.Spot) }

// Min returns the minimum size (defaults are filled before use).
func (g NodeGroup) Min() int { return deref(g.MinSize) }

// Max returns the maximum size.
func (g NodeGroup) Max() int { return deref(g.MaxSize) }

// Primary is the instance type the arithmetic sizes against: the smallest
// listed, so that any mix the capacity pool picks still fits.
func (g NodeGroup) Primary() sizing.InstanceType {
	types := g.Types()
	p := types[0]
	for _, t := range types[1:] {
		if t.VCPU < p.VCPU {
			p = t
		}
	}
	return p
}

// Scaling is the scheduled scaling of coder-prov and coder-ws.
type Scaling struct {
	TimeZone          string   `json:"timeZone"`
	BusinessDayStart  string   `json:"businessDayStart"`
	ScaleUpAt         string   `json:"scaleUpAt"`
	ScaleDownAt       string   `json:"scaleDownAt"`
	Weekdays          []string `json:"weekdays"`
	NodeWarmupMinutes int      `json:"nodeWarmupMinutes"`
	// MorningLoadFraction is the share of peak running workspaces expected
	// at the business-day start; the scale-up pre-provisions nodes for it.
	MorningLoadFraction *float64 `json:"morningLoadFraction"`
	// Event replaces the daily schedule with one event window (workshops).
	Event *Event `json:"event"`
}

// Event is a workshop window in local time.
type Event struct {
	Start        string `json:"start"` // 2006-01-02T15:04
	End          string `json:"end"`
	TimeZone     string `json:"timeZone"`
	GraceMinutes int    `json:"graceMinutes"`
}

// DeletionProtected reports the effective deletion protection.
func (d Database) DeletionProtected() bool {
	return d.DeletionProtection == nil || *d.DeletionProtection
}

// RegionConfig is the region of that name, nil when the stack has none.
func (s *Stack) RegionConfig(name string) *Region {
	for i := range s.Regions {
		if s.Regions[i].Name == name {
			return &s.Regions[i]
		}
	}
	return nil
}

// RegionNames are the stack's regions in declared order.
func (s *Stack) RegionNames() []string {
	out := make([]string, 0, len(s.Regions))
	for _, r := range s.Regions {
		out = append(out, r.Name)
	}
	return out
}

// ControlPlane returns the control-plane region.
func (s *Stack) ControlPlane() *Region {
	for i := range s.Regions {
		if s.Regions[i].Role.RunsCoderd() {
			return &s.Regions[i]
		}
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// Templates says which composed templates (templates/compositions) the stack
// delivers to coderd, and the stack's exceptions to their settings.
type Templates struct {
	// Deliver turns delivery on (default true).
	Deliver *bool `json:"deliver"`
	// Organization is the Coder organization that owns the templates; its
	// provisioners build them (default: the first provisioner organization).
	Organization string `json:"organization"`
	// Compositions to deliver (default: every composition in the catalog).
	Compositions []string `json:"compositions"`
	// Groups replaces a composition's access groups, by composition name.
	Groups map[string][]string `json:"groups"`
	// Schedule replaces every composition's working day (a workshop on
	// another continent's hours).
	Schedule *templates.Schedule `json:"schedule"`
	// ImageRepository holds the hardened workspace images of base-k8s,
	// tagged by image id; each region's workspaces pull its replica by
	// digest (docs/images.md).
	ImageRepository string `json:"imageRepository"`
}

// Delivering reports whether templates are delivered.
func (t Templates) Delivering() bool { return t.Deliver == nil || *t.Deliver }
