package config

import (
	"net/netip"
	"time"

	"github.com/platformeng/coder-platform/sizing"
)

// Profile selects the defaults a stack starts from.
type Profile string

const (
	ProfileEnterprise Profile = "enterprise"
	ProfileWorkshop   Profile = "workshop"
)

// Role is a region's place in the deployment.
type Role string

const (
	RoleControlPlane Role = "control-plane"
	RoleProxy        Role = "proxy"
)

// Stack is the whole typed configuration of one stack. Fields tagged
// `json:"-"` are derived during validation and are never read from config.
type Stack struct {
	Project string `json:"-"`
	Name    string `json:"-"`

	Profile  Profile  `json:"profile"`
	Tags     Tags     `json:"tags"`
	Coder    Coder    `json:"coder"`
	DNS      DNS      `json:"dns"`
	Workload Workload `json:"workload"`
	Regions  []Region `json:"regions"`
	Network  Network  `json:"network"`
	Cluster  Cluster  `json:"cluster"`
	Scaling  Scaling  `json:"scaling"`

	// Secrets holds which secret config keys are set; values stay in Pulumi.
	Secrets map[string]bool `json:"-"`
}

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
}

// DNS selects the DNS provider and base domain.
type DNS struct {
	Provider   string `json:"provider"` // route53 | cloudflare
	BaseDomain string `json:"baseDomain"`
}

// Workload is the declared demand.
type Workload struct {
	Users            int      `json:"users"`
	Workspaces       int      `json:"workspaces"`
	RunningFraction  *float64 `json:"runningFraction"`
	BuildConcurrency *float64 `json:"buildConcurrency"`
	WorkspaceCPU     string   `json:"workspaceCpu"`
	WorkspaceMemory  string   `json:"workspaceMemory"`
	// HomeDiskGiB is the persistent home volume of one workspace.
	HomeDiskGiB int `json:"homeDiskGiB"`

	Request sizing.Resources `json:"-"`
}

// Region is one AWS region of the stack.
type Region struct {
	Name              string          `json:"name"`
	Role              Role            `json:"role"`
	VpcCIDR           string          `json:"vpcCidr"`
	AvailabilityZones []string        `json:"availabilityZones"`
	Share             *float64        `json:"share"`
	AccessURL         string          `json:"accessUrl"` // proxies only
	TransitGateway    *TransitGateway `json:"transitGateway"`

	VPC  netip.Prefix        `json:"-"`
	Plan *sizing.NetworkPlan `json:"-"`
	// Users and Workspaces are this region's part of the workload.
	Users      int `json:"-"`
	Workspaces int `json:"-"`
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
	KubernetesVersion    string     `json:"kubernetesVersion"`
	EndpointPublicAccess bool       `json:"endpointPublicAccess"`
	PublicAccessCIDRs    []string   `json:"publicAccessCidrs"`
	AdminRoleArns        []string   `json:"adminRoleArns"`
	Addons               Addons     `json:"addons"`
	NodeGroups           NodeGroups `json:"nodeGroups"`
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

	Types []sizing.InstanceType `json:"-"`
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
	p := g.Types[0]
	for _, t := range g.Types[1:] {
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

	Daily *sizing.DailySchedule `json:"-"`
}

// Event is a workshop window in local time.
type Event struct {
	Start        string `json:"start"` // 2006-01-02T15:04
	End          string `json:"end"`
	TimeZone     string `json:"timeZone"`
	GraceMinutes int    `json:"graceMinutes"`

	StartTime time.Time `json:"-"`
	EndTime   time.Time `json:"-"`
}

// ControlPlane returns the control-plane region.
func (s *Stack) ControlPlane() *Region {
	for i := range s.Regions {
		if s.Regions[i].Role == RoleControlPlane {
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
