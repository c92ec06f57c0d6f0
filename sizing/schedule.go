package sizing

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ReadyBefore is how long before the business day (or event) the scaled-up
// capacity must be in service [plan task 4.3: "completing 15 min before target"].
const ReadyBefore = 15 * time.Minute

// Clock is a wall-clock time of day, "HH:MM".
type Clock struct{ Hour, Minute int }

// ParseClock parses "HH:MM" (24 h).
func ParseClock(s string) (Clock, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return Clock{}, fmt.Errorf("%q is not HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return Clock{}, fmt.Errorf("%q is not a valid 24-hour time", s)
	}
	return Clock{hh, mm}, nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

func (c Clock) minutes() int { return c.Hour*60 + c.Minute }

// DailySchedule is a business-day scaling schedule in one time zone.
type DailySchedule struct {
	Location *time.Location
	// BusinessDayStart is when users (and workspace autostart) arrive.
	BusinessDayStart Clock
	// ScaleUpAt is when the scaled-up capacity must be in service.
	ScaleUpAt Clock
	// ScaleDownAt is when capacity returns to its off-hours floor.
	ScaleDownAt Clock
	Weekdays    []time.Weekday
	// NodeWarmup is launch-to-Ready time of a node (EC2 boot, kubelet join,
	// image pre-pull). The action fires this long before ScaleUpAt.
	NodeWarmup time.Duration
}

// Recurring is one recurring Auto Scaling scheduled action.
type Recurring struct {
	Name       string
	Recurrence string // cron in TimeZone: minute hour dom month dow
	TimeZone   string
	Local      Clock // when it fires, local time
	Weekdays   []time.Weekday
}

// DailyActions renders the scale-up and scale-down recurrences. The scale-up
// fires NodeWarmup before ScaleUpAt and, when that crosses midnight, on the
// previous weekday so that it still precedes the right business day.
func DailyActions(s DailySchedule) (up, down Recurring) {
	fire := s.ScaleUpAt.minutes() - int(s.NodeWarmup/time.Minute)
	days := s.Weekdays
	for fire < 0 {
		fire += 24 * 60
		days = shiftDays(days, -1)
	}
	upClock := Clock{fire / 60, fire % 60}
	up = Recurring{Name: "scale-up", TimeZone: s.Location.String(), Local: upClock, Weekdays: days,
		Recurrence: cron(upClock, days)}
	down = Recurring{Name: "scale-down", TimeZone: s.Location.String(), Local: s.ScaleDownAt, Weekdays: s.Weekdays,
		Recurrence: cron(s.ScaleDownAt, s.Weekdays)}
	return up, down
}

// CheckDaily verifies on every date in [from, from+days) that the scale-up
// completes at least ReadyBefore ahead of the business-day start, that it
// never fires at a wall-clock time the zone skips or repeats, and that
// scale-down follows the business day. It returns the first failure.
func CheckDaily(s DailySchedule, from time.Time, days int) error {
	if s.ScaleUpAt.minutes() > s.BusinessDayStart.minutes()-int(ReadyBefore/time.Minute) {
		return fmt.Errorf("scale-up capacity is in service at %s, less than %s before the business day starts at %s",
			s.ScaleUpAt, ReadyBefore, s.BusinessDayStart)
	}
	if s.ScaleDownAt.minutes() <= s.BusinessDayStart.minutes() {
		return fmt.Errorf("scale-down at %s is not after the business day starts at %s", s.ScaleDownAt, s.BusinessDayStart)
	}
	up, _ := DailyActions(s)
	for i := 0; i < days; i++ {
		d := from.In(s.Location).AddDate(0, 0, i)
		if !hasDay(up.Weekdays, d.Weekday()) {
			continue
		}
		fire, err := localInstant(d, up.Local, s.Location)
		if err != nil {
			return fmt.Errorf("scale-up at %s %s: %w", up.Local, d.Format("2006-01-02"), err)
		}
		// The business day this action serves starts on the fire date, or
		// the next day when the action was moved before midnight.
		target := d
		if up.Local.minutes() > s.ScaleUpAt.minutes() {
			target = d.AddDate(0, 0, 1)
		}
		start, err := localInstant(target, s.BusinessDayStart, s.Location)
		if err != nil {
			return fmt.Errorf("business day start %s on %s: %w", s.BusinessDayStart, target.Format("2006-01-02"), err)
		}
		if done := fire.Add(s.NodeWarmup); done.After(start.Add(-ReadyBefore)) {
			return fmt.Errorf("on %s the scale-up fired at %s completes at %s, less than %s before the business day at %s",
				target.Format("2006-01-02"), fire.Format("15:04 MST"), done.Format("15:04 MST"), ReadyBefore, start.Format("15:04 MST"))
		}
	}
	return nil
}

// localInstant resolves a wall-clock time on a date and rejects times the
// zone skips (spring forward) or repeats (fall back): Auto Scaling's handling
// of those is not something a schedule should depend on.
func localInstant(d time.Time, c Clock, loc *time.Location) (time.Time, error) {
	t := time.Date(d.Year(), d.Month(), d.Day(), c.Hour, c.Minute, 0, 0, loc)
	if t.Hour() != c.Hour || t.Minute() != c.Minute {
		return t, fmt.Errorf("%s does not exist in %s on that date (DST change)", c, loc)
	}
	if other := t.Add(time.Hour); other.Hour() == c.Hour && other.Minute() == c.Minute && other.Day() == t.Day() {
		return t, fmt.Errorf("%s occurs twice in %s on that date (DST change)", c, loc)
	}
	if other := t.Add(-time.Hour); other.Hour() == c.Hour && other.Minute() == c.Minute && other.Day() == t.Day() {
		return t, fmt.Errorf("%s occurs twice in %s on that date (DST change)", c, loc)
	}
	return t, nil
}

// ParseCron parses the minute/hour/dow of a recurrence this package renders.
func ParseCron(expr string) (Clock, []time.Weekday, error) {
	f := strings.Fields(expr)
	if len(f) != 5 || f[2] != "*" || f[3] != "*" {
		return Clock{}, nil, fmt.Errorf("unsupported recurrence %q", expr)
	}
	m, err1 := strconv.Atoi(f[0])
	h, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return Clock{}, nil, fmt.Errorf("unsupported recurrence %q", expr)
	}
	var days []time.Weekday
	for _, p := range strings.Split(f[4], ",") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 6 {
			return Clock{}, nil, fmt.Errorf("unsupported day of week %q in %q", p, expr)
		}
		days = append(days, time.Weekday(n))
	}
	return Clock{h, m}, days, nil
}

// OneOffLeadTime is how far ahead of now a one-time action must start to
// be registered: Auto Scaling rejects a start time in the past, and the
// action must still be in the future when the update reaches it.
const OneOffLeadTime = 5 * time.Minute

// OneOff is a one-time scheduled action (workshop events).
type OneOff struct {
	Name      string
	StartTime time.Time // UTC
}

// EventActions schedules a workshop: scale up so capacity is in service
// ReadyBefore the event starts, scale down after it ends plus grace.
func EventActions(start, end time.Time, warmup, grace time.Duration) (up, down OneOff) {
	return OneOff{Name: EventScaleUp, StartTime: start.Add(-ReadyBefore - warmup).UTC()},
		OneOff{Name: EventScaleDown, StartTime: end.Add(grace).UTC()}
}

// Names of the event's one-time actions.
const (
	EventScaleUp   = "event-scale-up"
	EventScaleDown = "event-scale-down"
)

// ParseWeekdays parses "mon,tue" style lists.
func ParseWeekdays(names []string) ([]time.Weekday, error) {
	idx := map[string]time.Weekday{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
	var out []time.Weekday
	seen := map[time.Weekday]bool{}
	for _, n := range names {
		d, ok := idx[strings.ToLower(n)]
		if !ok {
			return nil, fmt.Errorf("%q is not a weekday (sun, mon, tue, wed, thu, fri, sat)", n)
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

func cron(c Clock, days []time.Weekday) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = strconv.Itoa(int(d))
	}
	return fmt.Sprintf("%d %d * * %s", c.Minute, c.Hour, strings.Join(parts, ","))
}

func shiftDays(days []time.Weekday, by int) []time.Weekday {
	out := make([]time.Weekday, len(days))
	for i, d := range days {
		out[i] = time.Weekday((int(d) + by + 7) % 7)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func hasDay(days []time.Weekday, d time.Weekday) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}
