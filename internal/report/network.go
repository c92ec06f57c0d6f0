package report

import (
	"fmt"

	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Network is one region's subnet plan, as the text preview prints it, with
// the VPC's address space drawn as a bar.
type Network struct {
	Region, Role, VPC   string
	AZs                 []string
	Workspaces          int
	Used, Size          int
	Tiers               []Tier
	Bar                 []Segment
	BarWidth, BarHeight int
}

// Tier is one subnet tier: a CIDR per AZ, need against capacity, and the
// arithmetic.
type Tier struct {
	Name                           string
	CIDRs                          []string
	Need, PerAZ, Prefix, Capacity  int
	Basis                          string
	Addresses                      int
	Headroom, AZs, UsablePerSubnet int
}

// Segment is one tier's share of the VPC in the address-space bar.
type Segment struct {
	Label, Class string
	X, Width     float64
	Addresses    int
}

const barWidth, barHeight = 960.0, 28

func networks(cfg *config.Plan) []Network {
	if cfg == nil {
		return nil // the bootstrap project has no network
	}
	var out []Network
	for _, rc := range cfg.Regions {
		rp := cfg.Region(rc.Name)
		p := rp.Network
		if p == nil {
			continue
		}
		n := Network{Region: rc.Name, Role: string(rc.Role), VPC: p.VpcCIDR.String(), AZs: p.AZs,
			Workspaces: rp.Workspaces, Used: p.Used, Size: 1 << (32 - p.VpcCIDR.Bits()),
			BarWidth: barWidth, BarHeight: barHeight}
		for i, d := range p.Demands {
			t := Tier{Name: string(d.Tier), Need: d.NeedIPs, PerAZ: d.PerAZ, Prefix: d.PrefixLen, Capacity: d.Capacity,
				Basis: d.Basis, Headroom: sizing.Headroom, AZs: len(p.AZs)}
			if len(p.AZs) > 0 {
				t.UsablePerSubnet = d.Capacity / len(p.AZs)
			}
			for _, s := range p.SubnetsOf(d.Tier) {
				t.CIDRs = append(t.CIDRs, s.CIDR.String())
				t.Addresses += 1 << (32 - s.CIDR.Bits())
			}
			n.Tiers = append(n.Tiers, t)
			n.Bar = append(n.Bar, Segment{Label: t.Name, Class: fmt.Sprintf("tier%d", i%6), Addresses: t.Addresses})
		}
		n.Bar = append(n.Bar, Segment{Label: "unallocated", Class: "free", Addresses: n.Size - n.Used})
		layout(n.Bar, n.Size)
		out = append(out, n)
	}
	return out
}

// layout places the segments left to right in proportion to their
// addresses.
func layout(segs []Segment, size int) {
	x := 0.0
	for i := range segs {
		w := barWidth * float64(segs[i].Addresses) / float64(size)
		segs[i].X, segs[i].Width = x, w
		x += w
	}
}
