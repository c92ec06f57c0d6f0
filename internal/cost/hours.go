package cost

import (
	"fmt"
	"time"

	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Window is the time a month the scaled-up capacity runs, from the stack's
// scaled schedule: the daily schedule's business hours on its weekdays, or
// the workshop event's window.
type Window struct {
	// Hours a month at the scaled-up count; the rest of HoursPerMonth runs
	// at the floor.
	Hours float64
	Basis string
}

// ScaledWindow reads the schedule of a validated plan.
func ScaledWindow(cfg *config.Plan) Window {
	if d := cfg.Daily(); d != nil {
		up, down := sizing.DailyActions(*d)
		mins := down.Local.Hour*60 + down.Local.Minute - (up.Local.Hour*60 + up.Local.Minute)
		if mins < 0 {
			mins += 24 * 60
		}
		perDay := float64(mins) / 60
		h := perDay * float64(len(d.Weekdays)) * weeksPerMonth
		return Window{Hours: h, Basis: fmt.Sprintf("scaled up %s–%s %s (%.2f h) on %d weekdays = %.1f h a month",
			up.Local, down.Local, d.Location, perDay, len(d.Weekdays), h)}
	}
	if e := cfg.Event(); e != nil {
		var up, down time.Time
		for _, a := range append(e.Upcoming, e.Passed...) {
			switch a.Name {
			case sizing.EventScaleUp:
				up = a.StartTime
			case sizing.EventScaleDown:
				down = a.StartTime
			}
		}
		if up.IsZero() || down.IsZero() {
			up, down = e.Start, e.End
		}
		per := down.Sub(up).Hours()
		h := per * eventsPerMonth
		return Window{Hours: h, Basis: fmt.Sprintf("scaled up for the event window %s–%s UTC (%.2f h), assumed %d event a month",
			up.UTC().Format("2006-01-02 15:04"), down.UTC().Format("15:04"), per, eventsPerMonth)}
	}
	return Window{Hours: HoursPerMonth, Basis: "no schedule: scaled up all month"}
}
