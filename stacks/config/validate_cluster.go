package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/platformeng/coder-platform/compat"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/sizing"
)

func validateCluster(s *Plan, p *problems) {
	c := &s.Cluster
	set, err := compat.For(c.KubernetesVersion)
	if err != nil {
		p.add("cluster.kubernetesVersion", c.KubernetesVersion, "must be a Kubernetes minor this program's charts and add-ons are pinned for: %s",
			strings.Join(compat.Minors(), ", "))
	} else {
		for _, a := range []struct {
			key, version string
			lines        []string
		}{{"coreDns", c.Addons.CoreDNS, set.CoreDNS}, {"kubeProxy", c.Addons.KubeProxy, set.KubeProxy}} {
			if a.version != "" && addonVer.MatchString(a.version) && !compat.Fits(a.version, a.lines) {
				p.add("cluster.addons."+a.key, a.version, "does not fit Kubernetes %s: EKS offers %s there (aws eks describe-addon-versions --kubernetes-version %s)",
					c.KubernetesVersion, compat.Describe(a.lines), c.KubernetesVersion)
			}
		}
	}
	if c.EndpointPublicAccess && len(c.PublicAccessCIDRs) == 0 {
		p.add("cluster.publicAccessCidrs", c.PublicAccessCIDRs,
			"list the CIDRs allowed to reach the public API endpoint, or set cluster.endpointPublicAccess to false")
	}
	if !c.EndpointPublicAccess && len(c.PublicAccessCIDRs) > 0 {
		p.add("cluster.publicAccessCidrs", c.PublicAccessCIDRs, "must be empty while cluster.endpointPublicAccess is false")
	}
	for i, cidr := range c.PublicAccessCIDRs {
		pf, err := parsePrefix(cidr)
		if err != nil {
			p.add(fmt.Sprintf("cluster.publicAccessCidrs[%d]", i), cidr, "must be an IPv4 CIDR")
		} else if pf.Bits() == 0 {
			p.add(fmt.Sprintf("cluster.publicAccessCidrs[%d]", i), cidr, "must not open the API endpoint to the whole internet")
		}
	}
	if !logRetained[c.LogRetentionDays] {
		p.add("cluster.logRetentionDays", c.LogRetentionDays, "must be %s", logRetentionAllowed)
	}
	if c.ImagePullQPS < 1 || c.ImagePullQPS > 100 {
		p.add("cluster.imagePullQps", c.ImagePullQPS, "must be 1–100 image pulls per second")
	}
	if len(c.AdminRoleArns) == 0 {
		p.add("cluster.adminRoleArns", c.AdminRoleArns, "list at least one IAM role ARN to map to cluster admin through an access entry")
	}
	if !roleArn.MatchString(c.DeployerRoleArn) {
		p.add("cluster.deployerRoleArn", c.DeployerRoleArn, "must be the IAM role ARN `pulumi up` runs as, such as arn:aws:iam::123456789012:role/platform-deployer: "+
			"EKS makes it cluster admin when it creates the cluster")
	}
	for i, arn := range c.AdminRoleArns {
		if !roleArn.MatchString(arn) {
			p.add(fmt.Sprintf("cluster.adminRoleArns[%d]", i), arn, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admin")
		} else if arn == c.DeployerRoleArn {
			p.add(fmt.Sprintf("cluster.adminRoleArns[%d]", i), arn, "is cluster.deployerRoleArn, which EKS already makes cluster admin "+
				"when it creates the cluster (the creator's access entry); a second entry for it fails with ResourceInUseException: remove it here")
		}
	}
	for key, v := range map[string]string{"vpcCni": c.Addons.VpcCni, "coreDns": c.Addons.CoreDNS,
		"kubeProxy": c.Addons.KubeProxy, "ebsCsi": c.Addons.EbsCsi} {
		if v != "" && !addonVer.MatchString(v) {
			p.add("cluster.addons."+key, v, "must be an EKS add-on version such as v1.19.2-eksbuild.1, or empty for the EKS default")
		}
	}
	for _, t := range workloads.Tiers {
		validateGroup("cluster.nodeGroups."+t.Group(), c.NodeGroups.Of(t), !t.Burstable(), t.MinNodes(), p)
	}
	for _, t := range workloads.Tiers {
		if why := t.NoSpot(); why != "" && c.NodeGroups.Of(t).IsSpot() {
			p.add("cluster.nodeGroups."+t.Group()+".spot", true, "must be false: %s", why)
		}
	}
}

func validateGroup(key string, g *NodeGroup, noBurst bool, minAtLeast int, p *problems) {
	if len(g.InstanceTypes) == 0 {
		p.add(key+".instanceTypes", g.InstanceTypes, "list at least one instance type")
	}
	valid := 0
	var arch sizing.Arch
	for i, name := range g.InstanceTypes {
		k := fmt.Sprintf("%s.instanceTypes[%d]", key, i)
		it, err := sizing.ParseInstanceType(name)
		switch {
		case err != nil:
			p.add(k, name, "%v; known families: %v", err, sizing.KnownFamilies())
			continue
		case it.Family.GPU:
			p.add(k, name, "GPU families are for workspace templates (base-ec2-gpu), not node groups")
			continue
		case noBurst && it.Family.Burstable:
			p.add(k, name, "burstable families run out of CPU credits; Coder's guidance is m5/c5-class instances")
			continue
		case arch != "" && it.Family.Arch != arch:
			p.add(k, name, "mixes %s with %s; one node group runs one architecture", it.Family.Arch, arch)
			continue
		}
		arch = it.Family.Arch
		valid++
	}
	if g.Min() < minAtLeast {
		p.add(key+".minSize", g.Min(), "must be at least %d", minAtLeast)
	}
	if g.Max() < 1 || g.Max() < g.Min() {
		p.add(key+".maxSize", g.Max(), "must be at least 1 and at least minSize (%d)", g.Min())
	}
	if g.DiskSizeGiB < 20 || g.DiskSizeGiB > 16384 {
		p.add(key+".diskSizeGiB", g.DiskSizeGiB, "must be 20–16384 GiB (gp3)")
	}
}

func validateScaling(s *Plan, p *problems) {
	sc := &s.Scaling
	if sc.NodeWarmupMinutes < 1 || sc.NodeWarmupMinutes > 120 {
		p.add("scaling.nodeWarmupMinutes", sc.NodeWarmupMinutes, "must be 1–120 minutes (EC2 launch to node Ready)")
	}
	fraction(p, "scaling.morningLoadFraction", *sc.MorningLoadFraction)
	if sc.Event != nil {
		s.event = validateEvent(sc.Event, s.Now, time.Duration(sc.NodeWarmupMinutes)*time.Minute, p)
		return
	}
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil || sc.TimeZone == "" {
		p.add("scaling.timeZone", sc.TimeZone, "must be an IANA time zone such as America/New_York")
		return
	}
	clocks := map[string]*sizing.Clock{}
	for key, raw := range map[string]string{"businessDayStart": sc.BusinessDayStart, "scaleUpAt": sc.ScaleUpAt, "scaleDownAt": sc.ScaleDownAt} {
		c, err := sizing.ParseClock(raw)
		if err != nil {
			p.add("scaling."+key, raw, "must be a 24-hour time HH:MM")
			continue
		}
		clocks[key] = &c
	}
	days, err := sizing.ParseWeekdays(sc.Weekdays)
	if err != nil || len(days) == 0 {
		p.add("scaling.weekdays", sc.Weekdays, "must list days as sun, mon, tue, wed, thu, fri, sat")
		return
	}
	if len(clocks) < 3 {
		return
	}
	d := sizing.DailySchedule{Location: loc, BusinessDayStart: *clocks["businessDayStart"],
		ScaleUpAt: *clocks["scaleUpAt"], ScaleDownAt: *clocks["scaleDownAt"], Weekdays: days,
		NodeWarmup: time.Duration(sc.NodeWarmupMinutes) * time.Minute}
	// Two years from today: covers every DST rule the zone will apply soon.
	if err := sizing.CheckDaily(d, s.Now, 731); err != nil {
		p.add("scaling.scaleUpAt", sc.ScaleUpAt, "%v; capacity must be in service %s before the business day (scale-up fires scaling.nodeWarmupMinutes earlier)", err, sizing.ReadyBefore)
		return
	}
	s.daily = &d
}

// validateEvent checks the event window and resolves it at the instant now.
func validateEvent(e *Event, now time.Time, warmup time.Duration, p *problems) *EventPlan {
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil || e.TimeZone == "" {
		p.add("scaling.event.timeZone", e.TimeZone, "must be an IANA time zone such as America/New_York")
		return nil
	}
	const layout = "2006-01-02T15:04"
	start, err1 := time.ParseInLocation(layout, e.Start, loc)
	if err1 != nil {
		p.add("scaling.event.start", e.Start, "must be a local date-time YYYY-MM-DDTHH:MM")
	}
	end, err2 := time.ParseInLocation(layout, e.End, loc)
	if err2 != nil {
		p.add("scaling.event.end", e.End, "must be a local date-time YYYY-MM-DDTHH:MM")
	}
	if err1 == nil && err2 == nil && !end.After(start) {
		p.add("scaling.event.end", e.End, "must be after scaling.event.start %q", e.Start)
	}
	if e.GraceMinutes < 0 || e.GraceMinutes > 24*60 {
		p.add("scaling.event.graceMinutes", e.GraceMinutes, "must be 0–1440 minutes")
	}
	ep := &EventPlan{Start: start, End: end}
	if err1 != nil || err2 != nil {
		return ep
	}
	up, down := sizing.EventActions(start, end, warmup, time.Duration(e.GraceMinutes)*time.Minute)
	for _, a := range []sizing.OneOff{up, down} {
		if a.StartTime.After(now.Add(sizing.OneOffLeadTime)) {
			ep.Upcoming = append(ep.Upcoming, a)
		} else {
			ep.Passed = append(ep.Passed, a)
		}
	}
	return ep
}
