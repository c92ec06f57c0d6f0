package stacks

import (
	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/stacks/config"
)

// provisioners is a region's pools as the capacity plan sizes them.
func provisioners(cfg *config.Plan, r *Region) coder.ProvisionersArgs {
	pc := cfg.Coder.Provisioners
	pp := r.Plan.Provisioners
	var orgs []coder.ProvisionerOrg
	for _, o := range pp.Pools {
		orgs = append(orgs, coder.ProvisionerOrg{Name: o.Name, Replicas: o.Replicas, Min: o.Min, Max: o.Max, Autoscaled: o.Autoscaled})
	}
	return coder.ProvisionersArgs{
		Organizations: orgs, Resources: pp.Resources,
		CacheGiB: pc.CacheGiB, GracePeriodSeconds: pc.TerminationGracePeriodSeconds,
	}
}
