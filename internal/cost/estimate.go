package cost

import (
	"fmt"
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Line is one priced item of one registered resource.
type Line struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	// Item says what of the resource is priced ("hours", "data processed").
	Item      string `json:"item"`
	Component string `json:"component"`
	Region    string `json:"region"`
	// Monthly is nil when a price is unknown.
	Monthly *float64 `json:"monthly"`
	Basis   string   `json:"basis"`
}

// Estimate is a stack's monthly cost.
type Estimate struct {
	Stack    string
	Users    int
	Currency string
	Lines    []Line
	// Free are the registered resources that cost nothing of their own,
	// counted by type.
	Free  map[string]int
	Table *Table
}

// Total is the sum of the known lines, and how many are unknown.
func (e *Estimate) Total() (usd float64, unknown int) {
	for _, l := range e.Lines {
		if l.Monthly == nil {
			unknown++
			continue
		}
		usd += *l.Monthly
	}
	return usd, unknown
}

// PerUser is the total per declared user.
func (e *Estimate) PerUser() float64 {
	t, _ := e.Total()
	if e.Users == 0 {
		return 0
	}
	return t / float64(e.Users)
}

// pricer prices one resource; it may return no line (then the resource
// is free for the reason it gives).
type pricer func(c *ctx, r *preview.Resource) ([]Line, string)

// ctx is what pricers share: the preview, the plan and the table.
type ctx struct {
	res      *preview.Result
	cfg      *config.Plan
	table    *Table
	window   Window
	regions  map[string]string // provider reference → region
	byURN    map[string]*preview.Resource
	nodeHrs  map[string]float64 // launch template ID → node-hours a month
	nodeWhat map[string]string  // launch template ID → the node group's basis
}

// New estimates the cost of a preview with table.
func New(res *preview.Result, table *Table) (*Estimate, error) {
	if res == nil || res.Config == nil {
		return nil, fmt.Errorf("estimating cost: the preview has no validated config")
	}
	c := &ctx{res: res, cfg: res.Config, table: table, window: ScaledWindow(res.Config),
		regions: map[string]string{}, byURN: map[string]*preview.Resource{},
		nodeHrs: map[string]float64{}, nodeWhat: map[string]string{}}
	for _, r := range res.Resources {
		c.byURN[r.URN] = r
		if r.Type == "pulumi:providers:aws" {
			if v, ok := r.Inputs["region"]; ok && v.IsString() {
				c.regions[r.URN+"::"+r.ID] = v.StringValue()
			}
		}
	}
	e := &Estimate{Stack: res.Stack, Users: res.Config.Workload.Users, Currency: table.Currency, Table: table, Free: map[string]int{}}
	// Node groups first: their launch templates' volumes follow their hours.
	ordered := append([]*preview.Resource(nil), res.Resources...)
	sort.SliceStable(ordered, func(i, j int) bool {
		return ordered[i].Type == typeNodeGroup && ordered[j].Type != typeNodeGroup
	})
	for _, r := range ordered {
		p, priced := pricers[r.Type]
		if !priced {
			if _, free := FreeTypes[r.Type]; !free {
				return nil, fmt.Errorf("estimating cost: resource type %s (%s) is neither priced nor listed as free", r.Type, r.URN)
			}
			e.Free[r.Type]++
			continue
		}
		lines, _ := p(c, r)
		if len(lines) == 0 {
			e.Free[r.Type]++
		}
		for _, l := range lines {
			l.URN, l.Type = r.URN, r.Type
			if l.Region == "" {
				l.Region = c.region(r)
			}
			l.Component = c.component(r)
			e.Lines = append(e.Lines, l)
		}
	}
	sort.SliceStable(e.Lines, func(i, j int) bool {
		a, b := e.Lines[i], e.Lines[j]
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.Component < b.Component
	})
	return e, nil
}

// region is where a resource lives: its AWS provider's region, else the
// region component above it, else global.
func (c *ctx) region(r *preview.Resource) string {
	if reg, ok := c.regions[r.Provider]; ok {
		return reg
	}
	if reg, ok := c.regions[r.Providers["aws"]]; ok {
		return reg
	}
	for p := r; p != nil; p = c.byURN[p.Parent] {
		if p.Type == "coder:stacks:Region" {
			return p.Name
		}
	}
	return "global"
}

// component is the nearest platform component that owns the resource (or
// is it), as "module:Name" (cluster:Cluster, database:Aurora).
func (c *ctx) component(r *preview.Resource) string {
	for p := r; p != nil; p = c.byURN[p.Parent] {
		if strings.HasPrefix(p.Type, "coder:") && p.Type != "coder:stacks:Region" {
			return strings.TrimPrefix(p.Type, "coder:")
		}
	}
	return "stack"
}

// usersIn is the users a region serves (the plan's share).
func (c *ctx) usersIn(region string) int {
	if rp := c.cfg.Capacity().Region(region); rp != nil {
		return rp.Users
	}
	return c.cfg.Workload.Users
}

// line builds a line of qty × unit price; unknown when the price is.
func line(item string, qty float64, p Price, basis string) Line {
	l := Line{Item: item, Basis: basis}
	if p.Known {
		v := round2(qty * p.USD)
		l.Monthly = &v
		l.Basis = fmt.Sprintf("%s; at %s", basis, money(p.USD, p.Key))
	} else {
		l.Basis = fmt.Sprintf("%s; price %s unknown in the table", basis, p.Key)
	}
	return l
}

// sum adds lines' parts into one: unknown if any part is.
func sum(item, basis string, parts ...Line) Line {
	out := Line{Item: item}
	var total float64
	known := true
	var bases []string
	for _, p := range parts {
		bases = append(bases, p.Basis)
		if p.Monthly == nil {
			known = false
			continue
		}
		total += *p.Monthly
	}
	if known {
		v := round2(total)
		out.Monthly = &v
	}
	out.Basis = basis + ": " + strings.Join(bases, " + ")
	return out
}

func round2(v float64) float64 {
	if v < 0 {
		return -round2(-v)
	}
	return float64(int64(v*100+0.5)) / 100
}

func money(usd float64, key string) string {
	return fmt.Sprintf("$%s (%s)", trimFloat(usd), key)
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.7f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
