package stacks

import (
	"fmt"

	"github.com/platformeng/coder-platform/components/cluster"
	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/stacks/config"
)

// QueueWaitTarget is the p90 provisioner queue wait the autoscaler holds.
const QueueWaitTarget = 30

// provisioners sizes a region's pools from the capacity arithmetic: the
// configured replicas or the recommendation, with autoscaling between
// minReplicas (default a quarter of the maximum) and maxReplicas.
func provisioners(cfg *config.Stack, r *Region) coder.ProvisionersArgs {
	pc := cfg.Coder.Provisioners
	replicas := r.Capacity.Provisioners.Replicas
	if pc.Replicas != nil {
		replicas = *pc.Replicas
	}
	maxR := pc.MaxReplicas
	if maxR == 0 {
		maxR = replicas
	}
	minR := pc.MinReplicas
	if minR == 0 {
		minR = max(1, (maxR+3)/4)
	}
	minR = min(minR, maxR)
	coderURL := cfg.Coder.AccessURL
	if r.Config.Role == config.RoleControlPlane {
		// In-cluster: provisioners reach coderd without leaving the cluster.
		coderURL = fmt.Sprintf("http://%s.%s.svc.cluster.local", coder.ServerService, cluster.NamespaceCoder)
	}
	var orgs []coder.ProvisionerOrg
	for _, o := range pc.Organizations {
		orgs = append(orgs, coder.ProvisionerOrg{Name: o.Name, Replicas: o.Replicas})
	}
	return coder.ProvisionersArgs{
		Organizations: orgs, Replicas: replicas, MinReplicas: minR, MaxReplicas: maxR,
		Autoscaling: pc.AutoscalingEnabled(), Resources: r.Capacity.Provisioners.Resources,
		CacheGiB: pc.CacheGiB, GracePeriodSeconds: pc.TerminationGracePeriodSeconds,
		StorageClass: cluster.StorageClassDefault, CoderURL: coderURL, QueueWaitTargetSeconds: QueueWaitTarget,
	}
}
