// Package preflight compares what a stack needs of each AWS service quota
// with what the account has: the applied quota (Service Quotas) and the
// current usage by everything but the stack itself (EC2, ELB, EKS and RDS
// APIs), region by region. `platform preflight` prints the table, and
// `pulumi up` runs the same check before it registers anything.
package preflight

// Quota is one AWS service quota. Codes and names are Service Quotas'
// (AWS "Amazon VPC quotas", "Amazon EKS service quotas", "Quotas for your
// Network Load Balancers", "Quotas and constraints for Amazon Aurora", EC2
// "On-Demand Instance quotas" and "Spot Instance quotas"); a code, not a name,
// identifies a quota, since names drift between the console and the docs.
type Quota struct {
	Service string // Service Quotas service code
	Code    string
	Name    string
	usage   usage
	// Unit is what needs and usage are counted in when the quota's value
	// is in a larger one: per of them make one unit of the value (GiB of
	// volumes against a quota in TiB). Empty: the value's own unit.
	Unit string
	per  int
}

// perValue is how many counted units make one unit of the quota's value.
func (q Quota) perValue() float64 {
	if q.per == 0 {
		return 1
	}
	return float64(q.per)
}

// usage says how the account's current use of a quota is counted.
type usage int

const (
	usageNone         usage = iota // counted per resource the stack creates: nothing exists yet
	usageVCPUOnDemand              // vCPUs of running and pending on-demand instances of the class
	usageVCPUSpot                  // vCPUs of running and pending spot instances of the class
	usageEIPs
	usageVPCs
	usageInternetGateways
	usageNATPerAZ
	usageNLBs
	usageEKSClusters
	usageDBClusters
	usageDBInstances
	usageGP3GiB // GiB of gp3 volumes, wherever attached
)

// vCPU classes: an instance type counts toward the quota of its class,
// chosen by the family's letters (EC2 User Guide, "On-Demand Instance quotas").
const (
	ClassStandard = "Standard"
	ClassG        = "G and VT"
	ClassP        = "P"
)

// The quotas a stack of this project can hit.
var (
	OnDemandVCPU = map[string]Quota{
		ClassStandard: {"ec2", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", usageVCPUOnDemand, "", 0},
		ClassG:        {"ec2", "L-DB2E81BA", "Running On-Demand G and VT instances", usageVCPUOnDemand, "", 0},
		ClassP:        {"ec2", "L-417A185B", "Running On-Demand P instances", usageVCPUOnDemand, "", 0},
	}
	SpotVCPU = map[string]Quota{
		ClassStandard: {"ec2", "L-34B43A08", "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests", usageVCPUSpot, "", 0},
		ClassG:        {"ec2", "L-3819A6DF", "All G and VT Spot Instance Requests", usageVCPUSpot, "", 0},
		ClassP:        {"ec2", "L-7212CCBC", "All P Spot Instance Requests", usageVCPUSpot, "", 0},
	}
	ElasticIPs         = Quota{"ec2", "L-0263D0A3", "EC2-VPC Elastic IPs", usageEIPs, "", 0}
	VPCs               = Quota{"vpc", "L-F678F1CE", "VPCs per Region", usageVPCs, "", 0}
	InternetGateways   = Quota{"vpc", "L-A4707A72", "Internet gateways per Region", usageInternetGateways, "", 0}
	NATPerAZ           = Quota{"vpc", "L-FE5A380F", "NAT gateways per Availability Zone", usageNATPerAZ, "", 0}
	InterfaceEndpoints = Quota{"vpc", "L-29B6F2EB", "Interface VPC endpoints per VPC", usageNone, "", 0}
	NLBs               = Quota{"elasticloadbalancing", "L-69A177A2", "Network Load Balancers per Region", usageNLBs, "", 0}
	EKSClusters        = Quota{"eks", "L-1194D53C", "Clusters", usageEKSClusters, "", 0}
	NodeGroups         = Quota{"eks", "L-6D54EA21", "Managed node groups per cluster", usageNone, "", 0}
	NodesPerGroup      = Quota{"eks", "L-BD136A63", "Nodes per managed node group", usageNone, "", 0}
	DBClusters         = Quota{"rds", "L-952B80B8", "DB clusters", usageDBClusters, "", 0}
	DBInstances        = Quota{"rds", "L-7B6409FD", "DB instances", usageDBInstances, "", 0}
	// EBS "Storage for General Purpose SSD (gp3) volumes, in TiB" (50 TiB
	// by default), counted in GiB as volumes are sized.
	GP3Storage = Quota{"ebs", "L-7A658B76", "Storage for General Purpose SSD (gp3) volumes, in TiB", usageGP3GiB, "GiB", 1024}
)

// ClassOf is the vCPU quota class of an instance family: G and VT for g*
// and vt*, P for p*, Standard for the A, C, D, H, I, M, R, T and Z
// families. Other classes (F, Inf, X, ...) are not sized by this project.
func ClassOf(family string) (string, bool) {
	switch {
	case len(family) >= 2 && family[:2] == "vt", family != "" && family[0] == 'g':
		return ClassG, true
	case family != "" && family[0] == 'p':
		return ClassP, true
	case family != "":
		switch family[0] {
		case 'a', 'c', 'd', 'h', 'i', 'm', 'r', 't', 'z':
			if len(family) >= 3 && (family[:3] == "inf" || family[:3] == "trn" || family[:3] == "hpc" || family[:3] == "mac") {
				return "", false // own quotas; mac runs on Dedicated Hosts only
			}
			if len(family) >= 2 && family[:2] == "dl" {
				return "", false
			}
			return ClassStandard, true
		}
	}
	return "", false
}

// Need is how much of one quota a stack needs, in one scope of a region.
type Need struct {
	Region string
	Quota  Quota
	// Scope is where the quota applies when narrower than the region: an
	// AZ ("us-east-2a"), or the VPC, cluster or node group the stack creates.
	Scope  string
	AZ     string
	Class  string
	Amount int
	Basis  string
}
