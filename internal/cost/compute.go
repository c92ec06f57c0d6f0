package cost

import (
	"fmt"
	"math"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

const typeNodeGroup = "aws:eks/nodeGroup:NodeGroup"

// eksCluster: the control plane is billed per cluster-hour all month.
func eksCluster(c *ctx, r *preview.Resource) ([]Line, string) {
	p := c.table.Service(c.region(r), "eksClusterHour")
	return []Line{line("control plane", HoursPerMonth, p, "1 cluster × 730 h (standard support)")}, ""
}

// nodeGroup: instance-hours at the scaled-up count during the schedule's
// window and at the floor outside it, spot pools at the assumed discount.
func nodeGroup(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	name := str(r, "nodeGroupName")
	itype := str(r, "instanceTypes[0]")
	minSize, _ := num(r, "scalingConfig.minSize")
	maxSize, _ := num(r, "scalingConfig.maxSize")
	desired, _ := num(r, "scalingConfig.desiredSize")
	spot := str(r, "capacityType") == "SPOT"
	rp := c.cfg.Capacity().Region(region)

	var up float64
	var why string
	switch {
	case strings.HasPrefix(name, "coder-ws") && rp != nil:
		up = math.Min(float64(rp.Workspace.PeakNodes), maxSize)
		why = fmt.Sprintf("the plan's peak %d workspace nodes", rp.Workspace.PeakNodes)
		if c.hasSpotPool(r) {
			share := spotShare
			if !spot {
				share = 1 - spotShare
			}
			up *= share
			why += fmt.Sprintf(" × %.0f%% %s (assumed)", share*100, map[bool]string{true: "on the spot pool", false: "on the on-demand fallback"}[spot])
		}
	case strings.HasPrefix(name, "coder-prov") && rp != nil:
		up = math.Min(float64(rp.Provisioners.Nodes), maxSize)
		why = fmt.Sprintf("the plan's %d provisioner nodes (every pool at its maximum)", rp.Provisioners.Nodes)
	default:
		// Static groups (coder-control) run desired = max all month.
		hrs := desired * HoursPerMonth
		c.recordNodes(r, hrs, fmt.Sprintf("%.0f nodes all month (static, desired = max)", desired))
		return []Line{instanceLine(c, region, itype, spot, hrs, fmt.Sprintf("%.0f × %s × 730 h, static (desired = max)", desired, itype))}, ""
	}
	up = math.Max(up, minSize)
	hrs := up*c.window.Hours + minSize*(HoursPerMonth-c.window.Hours)
	basis := fmt.Sprintf("%.1f × %s while scaled up (%s; %s) + floor %.0f for the other %.1f h = %.0f node-hours",
		up, itype, why, c.window.Basis, minSize, HoursPerMonth-c.window.Hours, hrs)
	c.recordNodes(r, hrs, basis)
	return []Line{instanceLine(c, region, itype, spot, hrs, basis)}, ""
}

func instanceLine(c *ctx, region, itype string, spot bool, hrs float64, basis string) Line {
	p := c.table.Instance(region, itype)
	if spot && p.Known {
		p.USD *= spotFactor
		p.Key += fmt.Sprintf(" on-demand × %.2f spot (assumed)", spotFactor)
	}
	return line("instances", hrs, p, basis+"; the group's first (smallest) type")
}

// hasSpotPool reports whether the workspace tier runs a spot pool in the
// cluster of r (then the on-demand pool is the fallback).
func (c *ctx) hasSpotPool(r *preview.Resource) bool {
	for _, o := range c.res.Resources {
		if o.Type == typeNodeGroup && o.Parent == r.Parent && str(o, "clusterName") == str(r, "clusterName") &&
			strings.HasPrefix(str(o, "nodeGroupName"), "coder-ws") && str(o, "capacityType") == "SPOT" {
			return true
		}
	}
	return false
}

func (c *ctx) recordNodes(r *preview.Resource, hrs float64, basis string) {
	if id := str(r, "launchTemplate.id"); id != "" {
		c.nodeHrs[id] += hrs
		c.nodeWhat[id] = str(r, "nodeGroupName")
	}
}

// launchTemplate: the gp3 root volume of every node launched from it,
// for the node-hours of its node group.
func launchTemplate(c *ctx, r *preview.Resource) ([]Line, string) {
	hrs, ok := c.nodeHrs[r.ID]
	if !ok {
		return nil, "no node group launches from it"
	}
	region := c.region(r)
	size, _ := num(r, "blockDeviceMappings[0].ebs.volumeSize")
	thr, _ := num(r, "blockDeviceMappings[0].ebs.throughput")
	iops, _ := num(r, "blockDeviceMappings[0].ebs.iops")
	volMonths := hrs / HoursPerMonth
	parts := []Line{line("", volMonths*size, c.table.Service(region, "gp3GBMonth"),
		fmt.Sprintf("%.0f GiB × %.1f volume-months (%s's node-hours ÷ 730)", size, volMonths, c.nodeWhat[r.ID]))}
	if extra := thr - 125; extra > 0 {
		parts = append(parts, line("", volMonths*extra, c.table.Service(region, "gp3ThroughputMBpsMonth"),
			fmt.Sprintf("%.0f MB/s above the included 125", extra)))
	}
	if extra := iops - 3000; extra > 0 {
		parts = append(parts, line("", volMonths*extra, c.table.Service(region, "gp3IopsMonth"),
			fmt.Sprintf("%.0f IOPS above the included 3,000", extra)))
	}
	return []Line{sum("node root volumes (gp3)", "EBS", parts...)}, ""
}

// storageClass: the home volumes of pod workspaces (coder-home, Retain)
// exist for every workspace all month, running or not.
func storageClass(c *ctx, r *preview.Resource) ([]Line, string) {
	if str(r, "metadata.name") != "coder-home" {
		return nil, "volumes of this class are counted on the nodes or the home class"
	}
	region := c.region(r)
	rp := c.cfg.Capacity().Region(region)
	if rp == nil {
		return nil, "no workspaces planned in this region"
	}
	gib, n := 0, 0
	for _, s := range rp.Shapes {
		if s.Shape.OnNodes() {
			gib += s.Workspaces * s.Shape.DiskGiB
			n += s.Workspaces
		}
	}
	return []Line{line("workspace home volumes (gp3)", float64(gib), c.table.Service(region, "gp3GBMonth"),
		fmt.Sprintf("%d pod workspaces' homes from the plan's mix = %d GiB all month", n, gib))}, ""
}

// template: EC2 workspaces of a template run their instance during the
// scaled-up window (templates stop them at quiet hours) and keep their
// root and home volumes all month.
func template(c *ctx, r *preview.Resource) ([]Line, string) {
	name := str(r, "name")
	region := c.region(r)
	rp := c.cfg.Capacity().Region(region)
	if rp == nil {
		return nil, "no workspaces planned in this region"
	}
	root, ok := num(r, "overrides.root_volume_gib")
	if !ok {
		root, _ = num(r, "base.bounds.root_volume_gib.min")
	}
	windows := strings.Contains(str(r, "base.name"), "windows")
	var out []Line
	for _, s := range rp.Shapes {
		if s.Shape.OnNodes() || !strings.HasPrefix(s.Shape.Name, name+"/") {
			continue
		}
		itype := s.Shape.InstanceType
		if windows {
			itype += "/windows"
		}
		hrs := float64(s.Running) * c.window.Hours
		out = append(out,
			line("EC2 workspaces "+s.Shape.Name, hrs, c.table.Instance(region, itype),
				fmt.Sprintf("%d running × %.1f h (%s)", s.Running, c.window.Hours, c.window.Basis)),
			line("EC2 workspace volumes "+s.Shape.Name, float64(s.Workspaces)*(root+float64(s.Shape.DiskGiB)), c.table.Service(region, "gp3GBMonth"),
				fmt.Sprintf("%d workspaces × (%.0f GiB root + %d GiB home) all month", s.Workspaces, root, s.Shape.DiskGiB)))
	}
	if len(out) == 0 {
		return nil, "pod workspaces: priced on the nodes and the home volumes"
	}
	return out, ""
}
