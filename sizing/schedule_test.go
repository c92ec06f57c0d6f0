package sizing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

func nyc(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	return loc
}

func TestDailyActionsProdDefaults(t *testing.T) {
	t.Parallel()
	s := DailySchedule{Location: nyc(t), BusinessDayStart: Clock{7, 0}, ScaleUpAt: Clock{6, 45},
		ScaleDownAt: Clock{18, 15}, Weekdays: weekdays, NodeWarmup: 10 * time.Minute}
	up, down := DailyActions(s)
	assert.Equal(t, "35 6 * * 1,2,3,4,5", up.Recurrence)
	assert.Equal(t, "15 18 * * 1,2,3,4,5", down.Recurrence)
	assert.Equal(t, "America/New_York", up.TimeZone)
	require.NoError(t, CheckDaily(s, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 730))
}

func TestDailyActionsWrapMidnightShiftsDays(t *testing.T) {
	t.Parallel()
	s := DailySchedule{Location: time.UTC, BusinessDayStart: Clock{0, 30}, ScaleUpAt: Clock{0, 15},
		ScaleDownAt: Clock{18, 0}, Weekdays: weekdays, NodeWarmup: 30 * time.Minute}
	up, _ := DailyActions(s)
	// 00:15 − 30 min = 23:45 on the previous day: Sun–Thu.
	assert.Equal(t, "45 23 * * 0,1,2,3,4", up.Recurrence)
	require.NoError(t, CheckDaily(s, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 60))
}

func TestCheckDailyRejectsLateScaleUp(t *testing.T) {
	t.Parallel()
	s := DailySchedule{Location: nyc(t), BusinessDayStart: Clock{7, 0}, ScaleUpAt: Clock{6, 50},
		ScaleDownAt: Clock{18, 15}, Weekdays: weekdays, NodeWarmup: 10 * time.Minute}
	err := CheckDaily(s, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 30)
	assert.EqualError(t, err, "scale-up capacity is in service at 06:50, less than 15m0s before the business day starts at 07:00")
}

func TestCheckDailyRejectsDSTGap(t *testing.T) {
	t.Parallel()
	// 02:30 does not exist in New York on 2026-03-08.
	s := DailySchedule{Location: nyc(t), BusinessDayStart: Clock{3, 30}, ScaleUpAt: Clock{2, 40},
		ScaleDownAt: Clock{18, 0}, Weekdays: []time.Weekday{time.Sunday}, NodeWarmup: 10 * time.Minute}
	err := CheckDaily(s, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 14)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not exist in America/New_York")
}

// Property: for any zone, times and warm-up that pass CheckDaily, the cron
// recurrence that is actually registered, evaluated on every date in the
// zone, completes at least 15 minutes before the business day it serves.
func TestScaleUpCompletesBeforeTargetProperty(t *testing.T) {
	t.Parallel()
	zones := []string{"America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe",
		"America/Sao_Paulo", "Pacific/Chatham", "UTC", "America/Los_Angeles", "Europe/Berlin"}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rapid.Check(t, func(rt *rapid.T) {
		loc, err := time.LoadLocation(rapid.SampledFrom(zones).Draw(rt, "zone"))
		if err != nil {
			rt.Fatal(err)
		}
		startMin := rapid.IntRange(15, 23*60).Draw(rt, "start")
		upMin := rapid.IntRange(0, startMin-15).Draw(rt, "up")
		downMin := rapid.IntRange(startMin+1, 23*60+59).Draw(rt, "down")
		warm := time.Duration(rapid.IntRange(0, 180).Draw(rt, "warmup")) * time.Minute
		s := DailySchedule{Location: loc, BusinessDayStart: Clock{startMin / 60, startMin % 60},
			ScaleUpAt: Clock{upMin / 60, upMin % 60}, ScaleDownAt: Clock{downMin / 60, downMin % 60},
			Weekdays: weekdays, NodeWarmup: warm}
		if CheckDaily(s, from, 400) != nil {
			return // the config validation rejects it
		}
		up, _ := DailyActions(s)
		clock, days, err := ParseCron(up.Recurrence)
		if err != nil {
			rt.Fatal(err)
		}
		for i := 0; i < 400; i++ {
			d := from.In(loc).AddDate(0, 0, i)
			if !hasDay(days, d.Weekday()) {
				continue
			}
			fire := time.Date(d.Year(), d.Month(), d.Day(), clock.Hour, clock.Minute, 0, 0, loc)
			target := d
			if clock.Hour*60+clock.Minute > upMin {
				target = d.AddDate(0, 0, 1)
			}
			if !hasDay(weekdays, target.Weekday()) {
				rt.Fatalf("scale-up on %s serves %s, which is not a business day", d.Weekday(), target.Weekday())
			}
			start := time.Date(target.Year(), target.Month(), target.Day(), s.BusinessDayStart.Hour, s.BusinessDayStart.Minute, 0, 0, loc)
			if fire.Add(warm).After(start.Add(-ReadyBefore)) {
				rt.Fatalf("%s: fired %s + %s is later than %s − 15m", d.Format("2006-01-02"), fire, warm, start)
			}
		}
	})
}

func TestEventActions(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, nyc(t))
	end := start.Add(3 * time.Hour)
	up, down := EventActions(start, end, 10*time.Minute, 30*time.Minute)
	assert.Equal(t, time.Date(2026, 12, 3, 13, 35, 0, 0, time.UTC), up.StartTime)
	assert.Equal(t, time.Date(2026, 12, 3, 17, 30, 0, 0, time.UTC), down.StartTime)
}

func TestParseClockAndWeekdays(t *testing.T) {
	t.Parallel()
	_, err := ParseClock("7:00")
	assert.EqualError(t, err, `"7:00" is not HH:MM`)
	_, err = ParseClock("24:00")
	assert.EqualError(t, err, `"24:00" is not a valid 24-hour time`)
	d, err := ParseWeekdays([]string{"fri", "mon", "mon"})
	require.NoError(t, err)
	assert.Equal(t, []time.Weekday{time.Monday, time.Friday}, d)
	_, err = ParseWeekdays([]string{"funday"})
	assert.EqualError(t, err, `"funday" is not a weekday (sun, mon, tue, wed, thu, fri, sat)`)
}
