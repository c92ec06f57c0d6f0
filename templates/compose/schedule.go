package compose

import (
	"fmt"
	"time"

	"github.com/platformeng/coder-platform/templates"
)

// Schedule is a template's resolved working-day settings.
type Schedule struct {
	TimeZone            string
	Autostart, Autostop string // HH:MM in TimeZone
	Days                []string
	// DefaultTTL is the configured TTL, or the time from autostart to
	// autostop, so a workspace started on time stops on time.
	DefaultTTL   time.Duration
	ActivityBump time.Duration
	// RequirementDays and RequirementWeeks are the autostop requirement.
	RequirementDays      []string
	RequirementWeeks     int
	AllowUserAutostart   bool
	AllowUserAutostop    bool
	RequireActiveVersion bool
}

// ResolveSchedule checks the settings' times and derives the default TTL.
func ResolveSchedule(s templates.Settings) (Schedule, error) {
	sc := s.Schedule
	if _, err := time.LoadLocation(sc.TimeZone); err != nil {
		return Schedule{}, fmt.Errorf("settings.schedule.timeZone: got %q; want an IANA zone such as America/New_York", sc.TimeZone)
	}
	start, err := time.Parse("15:04", sc.Autostart)
	if err != nil {
		return Schedule{}, fmt.Errorf("settings.schedule.autostart: got %q; want HH:MM", sc.Autostart)
	}
	stop, err := time.Parse("15:04", sc.Autostop)
	if err != nil {
		return Schedule{}, fmt.Errorf("settings.schedule.autostop: got %q; want HH:MM", sc.Autostop)
	}
	if !stop.After(start) {
		return Schedule{}, fmt.Errorf("settings.schedule: autostop %s must be after autostart %s", sc.Autostop, sc.Autostart)
	}
	out := Schedule{
		TimeZone: sc.TimeZone, Autostart: sc.Autostart, Autostop: sc.Autostop, Days: sc.Days,
		DefaultTTL:           stop.Sub(start),
		RequirementDays:      s.AutostopRequirement.Days,
		RequirementWeeks:     s.AutostopRequirement.Weeks,
		AllowUserAutostart:   s.AllowUserAutostart == nil || *s.AllowUserAutostart,
		AllowUserAutostop:    s.AllowUserAutostop != nil && *s.AllowUserAutostop,
		RequireActiveVersion: s.RequireActiveVersion,
	}
	if s.DefaultTTL != "" {
		if out.DefaultTTL, err = time.ParseDuration(s.DefaultTTL); err != nil || out.DefaultTTL <= 0 || out.DefaultTTL > 24*time.Hour {
			return Schedule{}, fmt.Errorf("settings.defaultTtl: got %q; want a duration from 1m to 24h", s.DefaultTTL)
		}
	}
	if out.ActivityBump, err = time.ParseDuration(s.ActivityBump); err != nil || out.ActivityBump > 12*time.Hour {
		return Schedule{}, fmt.Errorf("settings.activityBump: got %q; want a duration up to 12h", s.ActivityBump)
	}
	if len(out.RequirementDays) == 0 {
		return Schedule{}, fmt.Errorf("settings.autostopRequirement.days: got none; list the days workspaces must stop in quiet hours")
	}
	return out, nil
}
