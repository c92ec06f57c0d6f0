package cost

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
)

// pricesJSON is the committed, dated price table (see prices.json).
//
//go:embed prices.json
var pricesJSON []byte

// Table is a dated set of on-demand prices in USD.
type Table struct {
	Date     string `json:"date"`
	Currency string `json:"currency"`
	Source   string `json:"source"`
	// Verified names the figures checked against a published copy of AWS's
	// pricing, and against what.
	Verified map[string]string `json:"verified"`
	// Global holds prices of global services (Route 53).
	Global map[string]*float64 `json:"global"`
	// AllRegions holds prices that are the same in every commercial region.
	AllRegions map[string]*float64      `json:"allRegions"`
	Regions    map[string]*RegionPrices `json:"regions"`
	// Refreshed lists the figures a --live refresh replaced.
	Refreshed []string `json:"refreshed,omitempty"`
}

// RegionPrices are one region's service prices and Linux on-demand
// instance-hours ("<type>/windows" for Windows with licence).
type RegionPrices struct {
	Services  map[string]*float64 `json:"services"`
	Instances map[string]*float64 `json:"instances"`
}

// DefaultTable is the committed table.
func DefaultTable() (*Table, error) {
	var t Table
	if err := json.Unmarshal(pricesJSON, &t); err != nil {
		return nil, fmt.Errorf("reading the committed price table: %w", err)
	}
	return &t, nil
}

// Price is a unit price, or unknown.
type Price struct {
	USD   float64
	Known bool
	// Key names the figure in the table, for the basis.
	Key string
}

// Service returns a service price of a region ("global" for Route 53).
// Only regions in the table have regional prices: an accepted region the
// table does not cover gets unknown prices, except the prices AWS charges
// alike in every region.
func (t *Table) Service(region, key string) Price {
	if region == "global" {
		return known(key, t.Global[key])
	}
	if rp := t.Regions[region]; rp != nil {
		if v, ok := rp.Services[key]; ok {
			return known(key, v)
		}
	}
	return known(key, t.AllRegions[key])
}

// Instance returns an instance-hour price ("m5.large" or "m5.large/windows").
func (t *Table) Instance(region, instanceType string) Price {
	if rp := t.Regions[region]; rp != nil {
		return known(instanceType, rp.Instances[instanceType])
	}
	return Price{Key: instanceType}
}

func known(key string, v *float64) Price {
	if v == nil {
		return Price{Key: key}
	}
	return Price{USD: *v, Known: true, Key: key}
}

// RegionNames are the regions with regional prices, sorted.
func (t *Table) RegionNames() []string {
	out := make([]string, 0, len(t.Regions))
	for r := range t.Regions {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// set replaces one regional figure (a --live refresh).
func (t *Table) set(region, key string, instance bool, usd float64) {
	rp := t.Regions[region]
	if rp == nil {
		rp = &RegionPrices{Services: map[string]*float64{}, Instances: map[string]*float64{}}
		t.Regions[region] = rp
	}
	m := rp.Services
	if instance {
		m = rp.Instances
	}
	v := usd
	m[key] = &v
	t.Refreshed = append(t.Refreshed, region+" "+key)
}
