package config

import (
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/platformeng/coder-platform/compat"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/templates/compose"
)

// Plan is a validated stack: the declared config (Stack, defaults applied)
// and what Load resolved from it — the capacity plan, each region's share
// and subnet plan, the workspace shapes, the scaling schedule, the composed
// templates. Only Load builds one. The resolved parts are unexported and
// read through methods that hand out copies, so nothing changes a Plan
// after Load: the program, the preview and every command read the same one.
type Plan struct {
	// Stack is held by value: a copy of a Plan is a copy of its config.
	Stack

	capacity    *sizing.Plan
	regions     map[string]RegionPlan
	shapes      []sizing.Shape
	daily       *sizing.DailySchedule
	event       *EventPlan
	composed    []*compose.Template
	proxyTokens map[string]bool
	database    sizing.DatabaseSizing
	lifetimes   Lifetimes
	built       bool
}

// RegionPlan is one region's resolved part of the stack.
type RegionPlan struct {
	// VPC is regions[].vpcCidr, parsed.
	VPC netip.Prefix
	// Network is the region's subnet plan.
	Network *sizing.NetworkPlan
	// Users and Workspaces are this region's part of the workload.
	Users, Workspaces int
}

// EventPlan is the workshop window of scaling.event in absolute time, and
// its one-time scaling actions split at the config's clock: Auto Scaling
// deletes a one-time action once it has run and rejects a start time in the
// past, so only Upcoming ones are registered.
type EventPlan struct {
	Start, End       time.Time
	Upcoming, Passed []sizing.OneOff
}

// Lifetimes are coder.identity's durations, parsed.
type Lifetimes struct {
	Session, Token, AdminToken, LeaverAccess time.Duration
}

// Built reports whether p came from Load. A Plan made any other way has no
// resolved parts, and Deploy refuses it.
func (p *Plan) Built() bool { return p != nil && p.built }

// Capacity is the capacity plan: every figure derived from the workload.
// It is shared; callers read it and never change it.
func (p *Plan) Capacity() *sizing.Plan { return p.capacity }

// Region is the resolved part of the named region.
func (p *Plan) Region(name string) RegionPlan { return p.regions[name] }

// Shapes are the offered workspace sizes (share 0 for those not in the
// mix) or the one shape of workload.workspaceCpu/workspaceMemory.
func (p *Plan) Shapes() []sizing.Shape { return slices.Clone(p.shapes) }

// Daily is the daily scaling schedule; nil when the stack has an event.
func (p *Plan) Daily() *sizing.DailySchedule {
	if p.daily == nil {
		return nil
	}
	d := *p.daily
	d.Weekdays = slices.Clone(d.Weekdays)
	return &d
}

// Event is the workshop window; nil when the stack scales daily.
func (p *Plan) Event() *EventPlan {
	if p.event == nil {
		return nil
	}
	e := *p.event
	e.Upcoming, e.Passed = slices.Clone(e.Upcoming), slices.Clone(e.Passed)
	return &e
}

// Composed are the validated templates, in delivery order; empty when the
// stack delivers none.
func (p *Plan) Composed() []*compose.Template { return slices.Clone(p.composed) }

// ProxyTokenInConfig reports whether the proxy region's session token is in
// the secret config key proxySessionTokens (the others use Secrets Manager).
func (p *Plan) ProxyTokenInConfig(region string) bool { return p.proxyTokens[region] }

// ProxyTokenRegions are the proxy regions whose token is in config.
func (p *Plan) ProxyTokenRegions() map[string]bool { return maps.Clone(p.proxyTokens) }

// DatabaseSizing is the ACU and connection arithmetic of the cluster.
func (p *Plan) DatabaseSizing() sizing.DatabaseSizing { return p.database }

// Lifetimes are the session and token lifetimes of coder.identity.
func (p *Plan) Lifetimes() Lifetimes { return p.lifetimes }

// Versions are the chart and add-on lines of cluster.kubernetesVersion.
func (p *Plan) Versions() compat.Set {
	set, _ := compat.For(p.Cluster.KubernetesVersion) // validated by Load
	return set
}

// NodeTypes are the parsed instance types of the tier's node group.
func (p *Plan) NodeTypes(t workloads.Tier) []sizing.InstanceType {
	return p.Cluster.NodeGroups.Of(t).Types()
}
