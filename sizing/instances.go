package sizing

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Arch is the CPU architecture of an instance family.
type Arch string

const (
	ArchX86 Arch = "x86_64"
	ArchARM Arch = "arm64"
)

// Family describes an EC2 instance family well enough to size pods on it.
type Family struct {
	Name string
	// MemPerVCPU is GiB of memory per vCPU for the non-GPU sizes.
	MemPerVCPU float64
	Arch       Arch
	// Burstable families run on CPU credits; Coder's guidance says not to use
	// them for coderd or provisioners [VA footnote: "use m5/c5, not t3"].
	Burstable bool
	// GPU families are only valid for workspace templates, never node groups.
	GPU bool
}

// families is the catalogue of EC2 families the platform knows how to size.
// Memory ratios are the published EC2 specifications.
var families = map[string]Family{
	"m5": {Name: "m5", MemPerVCPU: 4, Arch: ArchX86}, "m5a": {Name: "m5a", MemPerVCPU: 4, Arch: ArchX86},
	"m5n": {Name: "m5n", MemPerVCPU: 4, Arch: ArchX86}, "m6i": {Name: "m6i", MemPerVCPU: 4, Arch: ArchX86},
	"m6a": {Name: "m6a", MemPerVCPU: 4, Arch: ArchX86}, "m7i": {Name: "m7i", MemPerVCPU: 4, Arch: ArchX86},
	"m7a": {Name: "m7a", MemPerVCPU: 4, Arch: ArchX86}, "m8i": {Name: "m8i", MemPerVCPU: 4, Arch: ArchX86},
	"m6g": {Name: "m6g", MemPerVCPU: 4, Arch: ArchARM}, "m7g": {Name: "m7g", MemPerVCPU: 4, Arch: ArchARM},
	"m8g": {Name: "m8g", MemPerVCPU: 4, Arch: ArchARM},
	"c5":  {Name: "c5", MemPerVCPU: 2, Arch: ArchX86}, "c5a": {Name: "c5a", MemPerVCPU: 2, Arch: ArchX86},
	"c6i": {Name: "c6i", MemPerVCPU: 2, Arch: ArchX86}, "c6a": {Name: "c6a", MemPerVCPU: 2, Arch: ArchX86},
	"c7i": {Name: "c7i", MemPerVCPU: 2, Arch: ArchX86}, "c7a": {Name: "c7a", MemPerVCPU: 2, Arch: ArchX86},
	"c6g": {Name: "c6g", MemPerVCPU: 2, Arch: ArchARM}, "c7g": {Name: "c7g", MemPerVCPU: 2, Arch: ArchARM},
	"r5": {Name: "r5", MemPerVCPU: 8, Arch: ArchX86}, "r6i": {Name: "r6i", MemPerVCPU: 8, Arch: ArchX86},
	"r7i": {Name: "r7i", MemPerVCPU: 8, Arch: ArchX86}, "r6g": {Name: "r6g", MemPerVCPU: 8, Arch: ArchARM},
	"r5a": {Name: "r5a", MemPerVCPU: 8, Arch: ArchX86}, "r6a": {Name: "r6a", MemPerVCPU: 8, Arch: ArchX86},
	"r7a":  {Name: "r7a", MemPerVCPU: 8, Arch: ArchX86},
	"t3":   {Name: "t3", MemPerVCPU: 4, Arch: ArchX86, Burstable: true},
	"t3a":  {Name: "t3a", MemPerVCPU: 4, Arch: ArchX86, Burstable: true},
	"g4dn": {Name: "g4dn", MemPerVCPU: 4, Arch: ArchX86, GPU: true},
	"g5":   {Name: "g5", MemPerVCPU: 4, Arch: ArchX86, GPU: true},
	"p3":   {Name: "p3", MemPerVCPU: 7.625, Arch: ArchX86, GPU: true},
	"p4d":  {Name: "p4d", MemPerVCPU: 12, Arch: ArchX86, GPU: true},
}

// sizes maps an instance size suffix to its vCPU count.
var sizes = map[string]int{
	"medium": 1, "large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32,
	"9xlarge": 36, "12xlarge": 48, "16xlarge": 64, "18xlarge": 72, "24xlarge": 96,
}

// InstanceType is a parsed EC2 instance type with its capacity.
type InstanceType struct {
	Name   string
	Family Family
	VCPU   int
	MemGiB float64
}

// KnownFamilies lists the families the catalogue accepts, sorted.
func KnownFamilies() []string {
	out := make([]string, 0, len(families))
	for k := range families {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ParseInstanceType resolves "m5.2xlarge" against the catalogue.
func ParseInstanceType(name string) (InstanceType, error) {
	fam, size, ok := strings.Cut(name, ".")
	if !ok {
		return InstanceType{}, fmt.Errorf("instance type %q is not of the form family.size", name)
	}
	f, ok := families[fam]
	if !ok {
		return InstanceType{}, fmt.Errorf("unknown instance-type family %q", fam)
	}
	v, ok := sizes[size]
	if !ok {
		return InstanceType{}, fmt.Errorf("unknown instance size %q for family %q", size, fam)
	}
	if f.Burstable && v == 1 {
		// t3.medium has 2 vCPU / 4 GiB.
		v = 2
	}
	return InstanceType{Name: name, Family: f, VCPU: v, MemGiB: float64(v) * f.MemPerVCPU}, nil
}

// MaxPods is the max-pods value the VPC CNI prefix-delegation guide
// recommends: 110 below 30 vCPUs, 250 from there [EKS].
func (t InstanceType) MaxPods() int {
	if t.VCPU < 30 {
		return 110
	}
	return 250
}

// KubeReservedMilliCPU is the EKS AMI kube-reserved CPU: 6% of the first
// core, 1% of the second, 0.5% of the next two and 0.25% of the rest [EKS].
func (t InstanceType) KubeReservedMilliCPU() int {
	cores := t.VCPU
	m := 0.0
	for i := 1; i <= cores; i++ {
		switch {
		case i == 1:
			m += 60
		case i == 2:
			m += 10
		case i <= 4:
			m += 5
		default:
			m += 2.5
		}
	}
	return int(math.Ceil(m))
}

// KubeReservedMiB is the EKS AMI kube-reserved memory: 255 MiB plus 11 MiB
// per pod the node may run [EKS].
func (t InstanceType) KubeReservedMiB() int { return 255 + 11*t.MaxPods() }

// Per-node overheads that are not in kube-reserved.
const (
	// EvictionHardMiB is the kubelet memory.available hard eviction threshold.
	EvictionHardMiB = 100
	// DaemonSetMilliCPU and DaemonSetMiB are the requests of the per-node
	// agents this platform runs: aws-node + network-policy agent, kube-proxy,
	// ebs-csi-node, Fluent Bit and the CloudWatch agent. Measured from the
	// charts' default requests; kept as one figure so all tiers agree.
	DaemonSetMilliCPU = 400
	DaemonSetMiB      = 600
	// DaemonSetPods is the number of those agents.
	DaemonSetPods = 5
)

// Allocatable is what is left for workload pods on one node.
type Allocatable struct {
	MilliCPU int
	MiB      int
	Pods     int
}

// Allocatable returns the capacity left for workload pods after the kubelet
// reservations, the eviction threshold and the platform's DaemonSets.
func (t InstanceType) Allocatable() Allocatable {
	return Allocatable{
		MilliCPU: t.VCPU*1000 - t.KubeReservedMilliCPU() - DaemonSetMilliCPU,
		MiB:      int(t.MemGiB*1024) - t.KubeReservedMiB() - EvictionHardMiB - DaemonSetMiB,
		Pods:     t.MaxPods() - DaemonSetPods,
	}
}

// PodsPerNode is how many pods of the given request fit on one node.
func (t InstanceType) PodsPerNode(req Resources) int {
	a := t.Allocatable()
	n := a.Pods
	if req.MilliCPU > 0 {
		n = min(n, a.MilliCPU/req.MilliCPU)
	}
	if req.MiB > 0 {
		n = min(n, a.MiB/req.MiB)
	}
	return max(n, 0)
}

// Resources is a pod's request (requests equal limits where Coder says so).
type Resources struct {
	MilliCPU int
	MiB      int
}

// CPU renders the CPU quantity in Kubernetes notation.
func (r Resources) CPU() string {
	if r.MilliCPU%1000 == 0 {
		return fmt.Sprintf("%d", r.MilliCPU/1000)
	}
	return fmt.Sprintf("%dm", r.MilliCPU)
}

// Memory renders the memory quantity in Kubernetes notation.
func (r Resources) Memory() string {
	if r.MiB%1024 == 0 {
		return fmt.Sprintf("%dGi", r.MiB/1024)
	}
	return fmt.Sprintf("%dMi", r.MiB)
}

func (r Resources) String() string { return r.CPU() + " vCPU / " + r.Memory() }
