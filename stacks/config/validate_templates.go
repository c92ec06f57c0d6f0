package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/platformeng/coder-platform/templates"
	"github.com/platformeng/coder-platform/templates/compose"
)

var groupName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$`)

// validateTemplates composes every delivered template, so a bad pairing,
// override or version fails here, before anything is registered, and checks
// the stack's settings around them.
func validateTemplates(s *Plan, p *problems) {
	t := &s.Templates
	if !t.Delivering() {
		return
	}
	cat, err := templates.Load(templates.Embedded())
	if err != nil {
		p.add("templates", "the catalog", "must load: %v", err)
		return
	}
	if len(t.Compositions) == 0 {
		t.Compositions = cat.CompositionNames()
	}
	orgs := s.Coder.Provisioners.Organizations
	if t.Organization == "" && len(orgs) > 0 {
		t.Organization = orgs[0].Name
	}
	if !slices.ContainsFunc(orgs, func(o ProvisionerOrg) bool { return o.Name == t.Organization }) {
		p.add("templates.organization", t.Organization, "must be one of coder.provisioners.organizations, whose provisioners build its templates")
	}
	if t.Schedule != nil {
		validateTemplateSchedule(t.Schedule, p)
	}
	for name, groups := range t.Groups {
		if !slices.Contains(t.Compositions, name) {
			p.add("templates.groups."+name, name, "must name a delivered composition: %s", strings.Join(t.Compositions, ", "))
		}
		if len(groups) == 0 {
			p.add("templates.groups."+name, "[]", "must list at least one group; templates are private and granted to groups only")
		}
		for i, g := range groups {
			if !groupName.MatchString(g) {
				p.add(fmt.Sprintf("templates.groups.%s[%d]", name, i), g, "must be a Coder group name (letters, digits, . _ -)")
			}
		}
	}
	quota := 0
	for i, name := range t.Compositions {
		key := fmt.Sprintf("templates.compositions[%d]", i)
		m, ok := cat.Composition(name)
		if !ok {
			p.add(key, name, "must be a composition in templates/compositions: %s", strings.Join(cat.CompositionNames(), ", "))
			continue
		}
		if t.Schedule != nil {
			m = withSchedule(m, t.Schedule)
		}
		m = withRegions(m, s.templateRegions())
		ct, err := compose.ComposeWith(cat, m)
		if err != nil {
			p.add(key, name, "must compose: %v", err)
			continue
		}
		if ct.Base.Platform == templates.PlatformEC2 && len(s.Regions) > 1 {
			// Its subnets, security group, instance profile and key are the
			// delivering region's template variables; a workspace in another
			// region would be built there with them and fail.
			p.add(key, name, "runs on EC2 with the infrastructure of one region; a stack of %d regions delivers Kubernetes compositions only", len(s.Regions))
		}
		if ct.Base.Platform == templates.PlatformKubernetes && t.ImageRepository == "" {
			p.add("templates.imageRepository", "", "is required for %s (base %s runs the hardened workspace images tagged by image id)", name, ct.Base.Name)
		}
		// Coder's quota is per user across the organization.
		if quota != 0 && ct.Composition.Settings.MaxWorkspacesPerUser != quota {
			p.add(key, name, "must share one workspace quota per user with the other templates (%d), since Coder's quota spans the organization", quota)
		}
		quota = ct.Composition.Settings.MaxWorkspacesPerUser
		checkQuietHours(s.Coder.QuietHours.Schedule, ct, p)
		s.composed = append(s.composed, ct)
	}
}

func validateTemplateSchedule(sc *templates.Schedule, p *problems) {
	days := []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	for i, d := range sc.Days {
		if !slices.Contains(days, d) {
			p.add(fmt.Sprintf("templates.schedule.days[%d]", i), d, "must be a weekday name in lower case, such as monday")
		}
	}
	if len(sc.Days) == 0 {
		p.add("templates.schedule.days", "[]", "must list the days workspaces autostart")
	}
}

// templateRegions are the regions workspaces may live in, the control
// plane (the default) first.
func (s *Stack) templateRegions() []string {
	var out []string
	if cp := s.ControlPlane(); cp != nil {
		out = append(out, cp.Name)
	}
	for _, r := range s.Regions {
		if !r.Role.RunsCoderd() {
			out = append(out, r.Name)
		}
	}
	return out
}

// withRegions is a copy of the composition for the stack's regions.
func withRegions(m *templates.Composition, regions []string) *templates.Composition {
	c := *m
	c.Regions = regions
	return &c
}

// withSchedule is a copy of the composition on the stack's working day.
func withSchedule(m *templates.Composition, sc *templates.Schedule) *templates.Composition {
	c := *m
	c.Settings.Schedule = *sc
	return &c
}

// checkQuietHours: Coder enforces a template's autostop requirement when
// the user's quiet hours begin, so quiet hours must begin at the templates'
// autostop time for workspaces to stop on time.
func checkQuietHours(schedule string, t *compose.Template, p *problems) {
	m := quietHours.FindStringSubmatch(schedule)
	if m == nil {
		return // reported by validateQuietHours
	}
	minute, _ := strconv.Atoi(m[2])
	hour, _ := strconv.Atoi(m[3])
	s := t.Schedule
	if got := fmt.Sprintf("%02d:%02d", hour, minute); m[1] != s.TimeZone || got != s.Autostop {
		stopH, stopM, _ := strings.Cut(s.Autostop, ":")
		h, _ := strconv.Atoi(stopH)
		mm, _ := strconv.Atoi(stopM)
		p.add("coder.quietHours.schedule", schedule, "must begin when template %s stops workspaces (%s %s): CRON_TZ=%s %d %d * * *",
			t.Name, s.Autostop, s.TimeZone, s.TimeZone, mm, h)
	}
}
