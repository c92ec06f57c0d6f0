package sizing

import "time"

// Rebuild is how long one kind of resource typically takes to be created
// (or restored) from nothing, with where the figure comes from. The
// recovery-time estimates of `platform resilience` and the RTO check of the
// stack config both read this one table: a recovery is the longest chain of
// these steps that must run one after another.
type Rebuild struct {
	// Typical is the time AWS or the tool usually takes; it is an estimate,
	// not a bound.
	Typical time.Duration
	Source  string
}

// Rebuild steps: the resource types whose creation time dominates a
// recovery. A type that is missing is assumed to take RebuildDefault.
const (
	StepEKSControlPlane  = "aws:eks/cluster:Cluster"
	StepNodeGroup        = "aws:eks/nodeGroup:NodeGroup"
	StepAddon            = "aws:eks/addon:Addon"
	StepAuroraCluster    = "aws:rds/cluster:Cluster"
	StepAuroraInstance   = "aws:rds/clusterInstance:ClusterInstance"
	StepHelmRelease      = "kubernetes:helm.sh/v3:Release"
	StepLoadBalancer     = "aws:lb/loadBalancer:LoadBalancer"
	StepNATGateway       = "aws:ec2/natGateway:NatGateway"
	StepCertificate      = "aws:acm/certificateValidation:CertificateValidation"
	StepDNSRecord        = "aws:route53/record:Record"
	StepJob              = "kubernetes:batch/v1:Job"
	StepVolumeFromBackup = "aws:ebs/volume:Volume"
)

// RebuildDefault is the time of any other resource: seconds to a minute.
const RebuildDefault = time.Minute

// RebuildTimes are the typical creation times of the steps that dominate.
var RebuildTimes = map[string]Rebuild{
	StepEKSControlPlane: {15 * time.Minute, "EKS cluster creation: AWS documents 'several minutes'; 10–15 minutes is usual for a private-endpoint cluster with logging"},
	StepNodeGroup:       {5 * time.Minute, "EKS managed node group: an Auto Scaling group, instances joining the cluster and passing the health check"},
	StepAddon:           {3 * time.Minute, "EKS managed add-on (VPC CNI, CoreDNS, EBS CSI) to ACTIVE once nodes exist"},
	StepAuroraCluster: {60 * time.Minute, "Aurora cluster restored from a snapshot or to a point in time: AWS documents that the time depends on the size of the data; " +
		"an hour for tens of GiB is the planning figure (restores are metadata-first, the volume hydrates in the background)"},
	StepAuroraInstance:   {10 * time.Minute, "Aurora Serverless v2 instance to 'available' in a restored cluster"},
	StepHelmRelease:      {5 * time.Minute, "Helm release with --wait: images pulled, pods ready (coderd, provisioners, controllers)"},
	StepLoadBalancer:     {3 * time.Minute, "Network Load Balancer provisioning to 'active'"},
	StepNATGateway:       {2 * time.Minute, "NAT gateway to 'available'"},
	StepCertificate:      {5 * time.Minute, "ACM DNS validation once the CNAME is published"},
	StepDNSRecord:        {2 * time.Minute, "Route 53 change to INSYNC (usually within 60 s) plus the record's 60 s TTL"},
	StepJob:              {3 * time.Minute, "Day-2 configuration and template delivery Jobs against coderd"},
	StepVolumeFromBackup: {2 * time.Minute, "EBS volume from a snapshot is available at once and loads lazily (AWS EBS user guide); the workspace restart takes the rest"},
}

// RebuildTime is a step's typical time.
func RebuildTime(resourceType string) time.Duration {
	if r, ok := RebuildTimes[resourceType]; ok {
		return r.Typical
	}
	return RebuildDefault
}

// AuroraFailover is Aurora's promotion of a reader in another AZ when the
// writer or its AZ fails: AWS documents that failover typically completes
// within 30 seconds, and DNS follows; a minute is the planning figure.
const AuroraFailover = time.Minute

// AuroraPITRLag is how far behind the present Aurora's latest restorable
// time usually is: AWS documents it as typically within 5 minutes.
const AuroraPITRLag = 5 * time.Minute

// GlobalDatabaseLag is the replication lag of an Aurora global database
// secondary: AWS documents it as typically under one second. A managed
// failover (switchover) or a promotion of the secondary loses at most that.
const GlobalDatabaseLag = time.Second

// GlobalDatabasePromotion is the time to detach and promote a global
// database secondary: AWS documents recovery in under a minute.
const GlobalDatabasePromotion = time.Minute
