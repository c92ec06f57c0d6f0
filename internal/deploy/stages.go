// Package deploy runs a stack's update in stages through Automation API: a
// Coder upgrade of a multi-region stack moves the control plane first, waits
// until coderd reports the new version and is healthy, then moves the proxy
// regions, then checks that every region runs the same version. It stops and
// reports at the first failure.
package deploy

import (
	"fmt"

	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/internal/coderapi"

	"github.com/platformeng/coder-platform/stacks/config"
)

// RegionType is the type token of a region's component (stacks/region.go).
const RegionType = tokens.Region

// Stage is one update and what must hold after it.
type Stage struct {
	Name string
	// Exclude are the region components the update leaves alone, with
	// everything that depends on them.
	Exclude []string
	// Check are the access URLs that must report Version and be healthy
	// once the update is done.
	Check   map[string]string // region → access URL
	Version string
	// Notes say what else the stage leaves for later.
	Notes []string
}

// RegionURN is the URN of a region's component.
func RegionURN(project, stack, region string) string {
	return fmt.Sprintf("urn:pulumi:%s::%s::%s::%s", stack, project, RegionType, region)
}

// Plan returns the stages that take the stack from the Coder version it
// runs (deployed; empty when unknown or not deployed) to the config's. A
// Coder upgrade of a stack with proxies is staged; anything else is one
// update of everything.
func Plan(cfg *config.Stack, deployed string) []Stage {
	target := cfg.Coder.Version
	control, proxies := map[string]string{}, map[string]string{}
	var proxyURNs []string
	for _, r := range cfg.Regions {
		if r.Role.RunsCoderd() {
			control[r.Name] = cfg.Coder.AccessURL
			continue
		}
		proxies[r.Name] = r.AccessURL
		proxyURNs = append(proxyURNs, RegionURN(cfg.Project, cfg.Name, r.Name))
	}
	all := map[string]string{}
	for k, v := range control {
		all[k] = v
	}
	for k, v := range proxies {
		all[k] = v
	}
	if deployed == "" {
		// No coderd yet: it starts once the operators fill its secrets
		// (docs/runbooks.md, First deployment), so there is nothing to wait for.
		return []Stage{{Name: "first deployment of every region", Version: target,
			Notes: []string{"coderd starts once its secrets are filled (docs/runbooks.md, First deployment); run deploy again then"}}}
	}
	if len(proxies) == 0 || coderapi.SameVersion(deployed, target) {
		return []Stage{{Name: "update every region", Check: all, Version: target}}
	}
	var notes []string
	if copyRegion := cfg.Database.Backup.CopyRegion; proxies[copyRegion] != "" {
		// Resources in the copy region use that region's provider, a child of
		// its excluded component, so they are excluded with it.
		notes = append(notes, fmt.Sprintf("changes to the database's backup copy in %s (a proxy region) wait for stage 2", copyRegion))
	}
	return []Stage{
		{Name: fmt.Sprintf("control plane to %s (proxy regions excluded)", target), Exclude: proxyURNs, Check: control, Version: target, Notes: notes},
		{Name: fmt.Sprintf("proxy regions to %s", target), Check: all, Version: target},
	}
}
