package stacks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/cluster"
	"github.com/platformeng/coder-platform/internal/preflight"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks/config"
)

// QuotaNeeds is what the stack needs of each service quota, region by
// region: the node groups at their maximum and the EC2 workspaces at peak
// in vCPUs per class, and one of each network, load balancer, cluster and
// database resource the region's components create. A test checks every
// count against the resources the program registers.
func QuotaNeeds(cfg *config.Plan) []preflight.Need {
	var needs []preflight.Need
	for i := range cfg.Regions {
		rc := &cfg.Regions[i]
		r := rc.Name
		plan := cfg.Capacity().Region(r)
		add := func(q preflight.Quota, amount int, basis string) {
			needs = append(needs, preflight.Need{Region: r, Quota: q, Amount: amount, Basis: basis})
		}
		groups := nodeGroups(cfg, plan)
		needs = append(needs, vcpuNeeds(r, groups, plan.EC2)...)
		azs := len(rc.AvailabilityZones)
		add(preflight.ElasticIPs, 2*azs, fmt.Sprintf("%d NAT gateways + %d NLB addresses (one each per AZ)", azs, azs))
		add(preflight.VPCs, 1, "the region's VPC")
		add(preflight.InternetGateways, 1, "the VPC's internet gateway")
		for _, az := range rc.AvailabilityZones {
			needs = append(needs, preflight.Need{Region: r, Quota: preflight.NATPerAZ, Scope: az, AZ: az, Amount: 1, Basis: "one NAT gateway per AZ"})
		}
		needs = append(needs, preflight.Need{Region: r, Quota: preflight.InterfaceEndpoints, Scope: "vpc " + ClusterName(cfg, r),
			Amount: len(sizing.InterfaceEndpointServices), Basis: strings.Join(sizing.InterfaceEndpointServices, ", ")})
		add(preflight.NLBs, 1, "the public TLS load balancer")
		add(preflight.EKSClusters, 1, ClusterName(cfg, r))
		names := make([]string, len(groups))
		for i, g := range groups {
			names[i] = g.Name
		}
		needs = append(needs, preflight.Need{Region: r, Quota: preflight.NodeGroups, Scope: "cluster " + ClusterName(cfg, r),
			Amount: len(groups), Basis: strings.Join(names, ", ")})
		for _, g := range groups {
			needs = append(needs, preflight.Need{Region: r, Quota: preflight.NodesPerGroup, Scope: "node group " + g.Name,
				Amount: g.Max, Basis: "the group's maxSize"})
		}
		gib, basis := gp3Need(cfg, plan, groups)
		add(preflight.GP3Storage, gib, basis)
		if rc.Role.RunsCoderd() {
			add(preflight.DBClusters, 1, "the Aurora cluster")
			add(preflight.DBInstances, 1+cfg.Database.Readers, fmt.Sprintf("writer + %d reader(s)", cfg.Database.Readers))
		}
	}
	return needs
}

// gp3Need is the GiB of gp3 volumes a region's workloads may hold at once:
// the coder-ws ResourceQuota's storage (every pod workspace's home, the
// most Kubernetes admits), each node group's root volumes at its maximum,
// and every EC2 workspace's home and root volumes (they stay while it is
// stopped).
func gp3Need(cfg *config.Plan, plan *sizing.RegionPlan, groups []cluster.NodeGroupSpec) (int, string) {
	total := plan.Quota.StorageGiB
	parts := []string{fmt.Sprintf("pod homes %d GiB (coder-ws quota)", plan.Quota.StorageGiB)}
	for _, g := range groups {
		total += g.Max * g.DiskGiB
		parts = append(parts, fmt.Sprintf("%s %d × %d GiB", g.Name, g.Max, g.DiskGiB))
	}
	for _, sc := range plan.Shapes {
		if sc.Shape.OnNodes() || sc.Workspaces == 0 {
			continue
		}
		template, _, _ := strings.Cut(sc.Shape.Name, "/")
		root := 0
		for _, t := range cfg.Composed() {
			if t.Name == template {
				root = settingInt(t.Settings["root_volume_gib"])
			}
		}
		total += sc.Workspaces * (sc.Shape.DiskGiB + root)
		parts = append(parts, fmt.Sprintf("%s %d × (%d + %d root) GiB", sc.Shape.Name, sc.Workspaces, sc.Shape.DiskGiB, root))
	}
	return total, strings.Join(parts, " + ")
}

// settingInt reads a numeric template setting (YAML gives int or float64).
func settingInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case float64:
		return int(x)
	}
	return 0
}

// vcpuNeeds sums vCPUs per quota: each node group at its maximum, sized by
// its largest instance type (the capacity pool may pick any of them), and
// the region's EC2 workspaces at peak.
func vcpuNeeds(region string, groups []cluster.NodeGroupSpec, ec2 map[string]int) []preflight.Need {
	type sum struct {
		amount int
		basis  []string
	}
	onDemand, spot := map[string]*sum{}, map[string]*sum{}
	count := func(m map[string]*sum, typeName string, n int, what string) {
		t, err := sizing.ParseInstanceType(typeName)
		if err != nil || n == 0 {
			return // validated config: only an unsized type reaches here
		}
		class, ok := preflight.ClassOf(t.Family.Name)
		if !ok {
			return
		}
		if m[class] == nil {
			m[class] = &sum{}
		}
		m[class].amount += n * t.VCPU
		m[class].basis = append(m[class].basis, fmt.Sprintf("%s %d × %s (%d vCPU)", what, n, typeName, t.VCPU))
	}
	for _, g := range groups {
		largest, vcpu := "", 0
		for _, it := range g.InstanceTypes {
			if t, err := sizing.ParseInstanceType(it); err == nil && t.VCPU > vcpu {
				largest, vcpu = it, t.VCPU
			}
		}
		m := onDemand
		if g.CapacityType == cluster.Spot {
			m = spot
		}
		count(m, largest, g.Max, g.Name)
	}
	types := make([]string, 0, len(ec2))
	for t := range ec2 {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		count(onDemand, t, ec2[t], "EC2 workspaces")
	}
	var out []preflight.Need
	for _, m := range []struct {
		sums   map[string]*sum
		quotas map[string]preflight.Quota
	}{{onDemand, preflight.OnDemandVCPU}, {spot, preflight.SpotVCPU}} {
		classes := make([]string, 0, len(m.sums))
		for c := range m.sums {
			classes = append(classes, c)
		}
		sort.Strings(classes)
		for _, c := range classes {
			out = append(out, preflight.Need{Region: region, Quota: m.quotas[c], Class: c,
				Amount: m.sums[c].amount, Basis: strings.Join(m.sums[c].basis, " + ")})
		}
	}
	return out
}

// QuotaOwner recognises the stack's own resources in the account.
func QuotaOwner(cfg *config.Plan) preflight.Owner {
	o := preflight.Owner{Project: cfg.Project, Stack: cfg.Name}
	for _, r := range cfg.Regions {
		o.Clusters = append(o.Clusters, ClusterName(cfg, r.Name))
	}
	return o
}

// sdkConfig is the AWS SDK config the program itself calls AWS with during
// an update (the quota pre-flight, the cache fill): opts.AWS in tests, else
// the default credential chain, which the AWS provider reads too.
func sdkConfig(c context.Context, opts Options) (aws.Config, error) {
	if opts.AWS != nil {
		return *opts.AWS, nil
	}
	return awsconfig.LoadDefaultConfig(c)
}

// gateQuotas runs the pre-flight before `pulumi up` registers anything: a
// shortfall (or an account it cannot read) stops the update unless the
// stack says preflight: warn.
func gateQuotas(ctx *pulumi.Context, cfg *config.Plan, opts Options) error {
	c := context.Background()
	awsCfg, err := sdkConfig(c, opts)
	var rep *preflight.Report
	if err == nil {
		rep, err = preflight.Check(c, preflight.NewAccount(awsCfg, QuotaOwner(cfg)), QuotaNeeds(cfg))
	}
	var problem string
	switch {
	case err != nil:
		problem = fmt.Sprintf("the quota pre-flight could not read the account: %v", err)
	case len(rep.Shortfalls()) > 0:
		var b strings.Builder
		rep.WriteText(&b)
		problem = "the account's service quotas cannot hold this stack:\n" + b.String()
	default:
		return nil
	}
	if cfg.Preflight == config.PreflightWarn {
		_ = ctx.Log.Warn(problem+"\n(preflight: warn, so the update goes on)", nil)
		return nil
	}
	msg := problem + "\nNothing was created. Fix the quotas, or set preflight: warn to deploy anyway."
	_ = ctx.Log.Error(msg, nil)
	// The table is in the log above; the error only says why the update stopped.
	return errors.New("quota pre-flight: the account cannot hold the stack, or could not be read (see the log); nothing was created")
}
