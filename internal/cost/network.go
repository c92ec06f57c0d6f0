package cost

import (
	"fmt"
	"math"

	"github.com/platformeng/coder-platform/internal/preview"
)

// natGateway: hours, and the region's assumed NAT traffic split over its
// gateways.
func natGateway(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	n := c.countIn(r.Type, region)
	gb := float64(c.usersIn(region)) * natGBPerUser / float64(n)
	return []Line{
		line("hours", HoursPerMonth, c.table.Service(region, "natHour"), "1 gateway × 730 h"),
		line("data processed", gb, c.table.Service(region, "natGB"),
			fmt.Sprintf("%d users × %.0f GB a month (assumed) ÷ %d gateways = %.0f GB", c.usersIn(region), natGBPerUser, n, gb)),
	}, ""
}

// eip: every public IPv4 address is billed while allocated.
func eip(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("public IPv4", HoursPerMonth, c.table.Service(c.region(r), "publicIPv4Hour"), "1 address × 730 h")}, ""
}

// loadBalancer: NLB hours and the assumed NLCUs.
func loadBalancer(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	if str(r, "loadBalancerType") != "network" {
		return []Line{line("hours", HoursPerMonth, Price{Key: "loadBalancerHour(" + str(r, "loadBalancerType") + ")"}, "1 load balancer × 730 h")}, ""
	}
	nlcu := math.Max(1, math.Ceil(float64(c.usersIn(region))/usersPerNLCU))
	return []Line{
		line("hours", HoursPerMonth, c.table.Service(region, "nlbHour"), "1 NLB × 730 h"),
		line("NLCU", nlcu*HoursPerMonth, c.table.Service(region, "nlcuHour"),
			fmt.Sprintf("%.0f NLCU × 730 h (assumed: 1 per %.0f users, at least 1)", nlcu, usersPerNLCU)),
	}, ""
}

// vpcEndpoint: interface endpoints are billed per AZ-hour and per GB;
// gateway endpoints (S3) cost nothing.
func vpcEndpoint(c *ctx, r *preview.Resource) ([]Line, string) {
	if str(r, "vpcEndpointType") != "Interface" {
		return nil, "gateway endpoints are free"
	}
	region := c.region(r)
	azs := float64(max(1, count(r, "subnetIds")))
	return []Line{sum("interface endpoint", "PrivateLink",
		line("", azs*HoursPerMonth, c.table.Service(region, "interfaceEndpointHour"), fmt.Sprintf("%.0f AZs × 730 h", azs)),
		line("", endpointGB, c.table.Service(region, "endpointGB"), fmt.Sprintf("%.0f GB processed (assumed)", endpointGB)))}, ""
}

// tgwAttachment: attachment hours and the assumed traffic over it.
func tgwAttachment(c *ctx, r *preview.Resource) ([]Line, string) {
	region := c.region(r)
	gb := float64(c.usersIn(region)) * tgwGBPerUser
	return []Line{sum("attachment", "Transit Gateway",
		line("", HoursPerMonth, c.table.Service(region, "tgwAttachmentHour"), "1 attachment × 730 h"),
		line("", gb, c.table.Service(region, "tgwGB"), fmt.Sprintf("%d users × %.1f GB (assumed)", c.usersIn(region), tgwGBPerUser)))}, ""
}

// coderDeployment: a workspace proxy exchanges traffic with the control
// plane in another region, each way; coderd itself runs on the nodes.
func coderDeployment(c *ctx, r *preview.Resource) ([]Line, string) {
	if str(r, "role") != "proxy" {
		return nil, "coderd runs on the control nodes"
	}
	region := c.region(r)
	cp := c.controlPlaneRegion()
	gb := float64(c.usersIn(region)) * interRegionGBPerUser
	return []Line{sum("inter-region transfer", "Data transfer",
		line("", gb, c.table.Service(region, "interRegionGB"), fmt.Sprintf("%.0f GB %s → %s (assumed %.0f GB per user)", gb, region, cp, interRegionGBPerUser)),
		line("", gb, c.table.Service(cp, "interRegionGB"), fmt.Sprintf("%.0f GB %s → %s", gb, cp, region)))}, ""
}

func (c *ctx) controlPlaneRegion() string {
	for _, rp := range c.cfg.Capacity().Regions {
		if rp.ControlPlane {
			return rp.Name
		}
	}
	return ""
}

// countIn counts resources of a type in a region.
func (c *ctx) countIn(typ, region string) int {
	n := 0
	for _, o := range c.res.Resources {
		if o.Type == typ && c.region(o) == region {
			n++
		}
	}
	return max(1, n)
}
