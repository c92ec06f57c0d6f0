package config

import (
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/standards"
)

// Defaults for the enterprise profile come from the implementation plan
// (tasks 4.2–4.4); the workshop profile follows ai.coder.com. Anything the
// stack file sets wins.

func applyDefaults(s *Stack) {
	if s.Profile == "" {
		s.Profile = ProfileEnterprise
	}
	if s.DNS.Provider == "" {
		s.DNS.Provider = "route53"
	}
	if s.Preflight == "" {
		s.Preflight = PreflightBlock
	}
	if s.Coder.PgConnMaxOpen == 0 {
		// Coder's default of 10 saturated in dogfood; PR #21572 proposes 30.
		s.Coder.PgConnMaxOpen = 30
	}
	cd := &s.Coder
	if cd.PgAuth == "" {
		cd.PgAuth = workloads.PgAuthIAM // Coder: "For AWS RDS, using IAM authentication is recommended"
	}
	if cd.QuietHours.Schedule == "" {
		// The templates' working day ends at 18:00 ET, and the autostop
		// requirement stops workspaces when quiet hours begin.
		cd.QuietHours.Schedule = "CRON_TZ=America/New_York 0 18 * * *"
	}
	if cd.OIDC != nil && len(cd.OIDC.Scopes) == 0 {
		cd.OIDC.Scopes = []string{"openid", "profile", "email"}
		if g := cd.OIDC.Groups; g != nil && g.Field == "groups" {
			cd.OIDC.Scopes = append(cd.OIDC.Scopes, "groups") // IdPs send the claim for this scope
		}
	}
	identityDefaults(&cd.Identity)
	pr := &cd.Provisioners
	if len(pr.Organizations) == 0 {
		pr.Organizations = []ProvisionerOrg{{Name: "default"}}
	}
	if pr.CacheGiB == 0 {
		pr.CacheGiB = 10 // ai.coder.com's provisioner cache
	}
	if pr.TerminationGracePeriodSeconds == 0 {
		pr.TerminationGracePeriodSeconds = 600
	}
	ai := &cd.AIGateway
	if ai.Image == "" {
		ai.Image = "ghcr.io/berriai/litellm:v1.72.6-stable"
	}
	if ai.CPU == "" {
		ai.CPU = "2"
	}
	if ai.Memory == "" {
		ai.Memory = "4Gi"
	}
	db := &s.Database
	if db.EngineVersion == "" {
		db.EngineVersion = "16"
	}
	if db.Readers == 0 {
		db.Readers = 1
	}
	if db.BackupRetentionDays == 0 {
		db.BackupRetentionDays = 35 // Aurora's maximum point-in-time window
	}
	if db.PerformanceInsightsRetentionDays == 0 {
		db.PerformanceInsightsRetentionDays = 7
	}
	if db.MonitoringIntervalSeconds == 0 {
		db.MonitoringIntervalSeconds = 60
	}
	if db.PasswordRotationDays == 0 {
		db.PasswordRotationDays = 30
	}
	if db.Backup.Schedule == "" {
		db.Backup.Schedule = "cron(0 5 ? * * *)"
	}
	if db.Backup.RetentionDays == 0 {
		db.Backup.RetentionDays = 90
	}
	if db.Backup.CopyRetentionDays == 0 {
		db.Backup.CopyRetentionDays = db.Backup.RetentionDays
	}
	if s.Edge.TLSPolicy == "" {
		s.Edge.TLSPolicy = standards.DefaultTLSPolicy
	}
	if s.Edge.AccessLogRetentionDays == 0 {
		s.Edge.AccessLogRetentionDays = 365
	}
	if s.Edge.DeregistrationDelaySeconds == 0 {
		// Long enough for WebSocket and DERP sessions to drain in a rollout.
		s.Edge.DeregistrationDelaySeconds = 300
	}
	w := &s.Workload
	if w.Workspaces == 0 {
		w.Workspaces = w.Users
	}
	if w.RunningFraction == nil {
		w.RunningFraction = ptr(0.6) // 1,800 of 3,000 in the validated architectures
	}
	if w.BuildConcurrency == nil {
		if s.Profile == ProfileWorkshop {
			w.BuildConcurrency = ptr(0.5) // everyone builds at once in a workshop
		} else {
			w.BuildConcurrency = ptr(0.06) // 180 builds at 3,000 users
		}
	}
	if w.Headroom == nil {
		w.Headroom = ptr(0.1)
	}
	if len(s.Regions) == 1 && s.Regions[0].Share == nil {
		s.Regions[0].Share = ptr(1.0)
	}
	defaultObservability(&s.Observability)
	defaultCost(s)
	defaultSecurity(s)
	defaultBuildRetries(s)
	defaultScaletest(s)
	defaultResilience(s)
	if s.Network.FlowLogRetentionDays == 0 {
		s.Network.FlowLogRetentionDays = 365
	}

	c := &s.Cluster
	if c.KubernetesVersion == "" {
		c.KubernetesVersion = "1.33"
	}
	if c.LogRetentionDays == 0 {
		c.LogRetentionDays = 90
	}
	if c.ImagePullQPS == 0 {
		c.ImagePullQPS = 30 // ai.coder.com's workspace node pools
	}
	ng := &c.NodeGroups
	if s.Profile == ProfileWorkshop {
		defaultGroup(&ng.Control, []string{"m5.xlarge"}, 2, 3, 50)
		defaultGroup(&ng.Provisioner, []string{"c5.2xlarge"}, 0, 4, 100)
		defaultGroup(&ng.Workspace, []string{"m5.2xlarge", "m5a.2xlarge", "m6i.2xlarge"}, 2, 20, 200)
	} else {
		defaultGroup(&ng.Control, []string{"m5.large"}, 2, 3, 50)
		defaultGroup(&ng.Provisioner, []string{"c5.2xlarge"}, 0, 20, 100)
		defaultGroup(&ng.Workspace, []string{"m5.2xlarge", "m5a.2xlarge", "m6i.2xlarge"}, 10, 200, 200)
	}

	if ng.Workspace.Spot == nil {
		ng.Workspace.Spot = ptr(true)
	}

	sc := &s.Scaling
	if sc.Event == nil {
		if sc.TimeZone == "" {
			sc.TimeZone = "America/New_York"
		}
		if sc.BusinessDayStart == "" {
			sc.BusinessDayStart = "07:00"
		}
		if sc.ScaleUpAt == "" {
			sc.ScaleUpAt = "06:45"
		}
		if sc.ScaleDownAt == "" {
			sc.ScaleDownAt = "18:15"
		}
		if len(sc.Weekdays) == 0 {
			sc.Weekdays = []string{"mon", "tue", "wed", "thu", "fri"}
		}
	} else if sc.Event.GraceMinutes == 0 {
		sc.Event.GraceMinutes = 30
	}
	if sc.NodeWarmupMinutes == 0 {
		sc.NodeWarmupMinutes = 10
	}
	if sc.MorningLoadFraction == nil {
		sc.MorningLoadFraction = ptr(0.75)
	}
}

func defaultGroup(g *NodeGroup, types []string, minSize, maxSize, disk int) {
	if len(g.InstanceTypes) == 0 {
		g.InstanceTypes = types
	}
	if g.MinSize == nil {
		g.MinSize = ptr(minSize)
	}
	if g.MaxSize == nil {
		g.MaxSize = ptr(maxSize)
	}
	if g.DiskSizeGiB == 0 {
		g.DiskSizeGiB = disk
	}
}
