package config

import (
	"regexp"
	"strings"
	"time"
)

// BuildRetries retries workspace starts that failed for an infrastructure
// reason (EC2 capacity, spot interruption, throttling, a provisioner lost
// mid-build), never a user's or template's error: a CronJob on the control
// plane (components/delivery retry.sh), since Coder retries no failed
// build itself (coder/coder#14031).
type BuildRetries struct {
	// Enabled runs the retries (default true).
	Enabled *bool `json:"enabled"`
	// MaxAttempts is the most retries one failure gets before it is left to
	// its owner.
	MaxAttempts int `json:"maxAttempts"`
	// BaseDelay is the wait before the first retry (a Go duration); each
	// later one waits twice the one before, up to MaxDelay.
	BaseDelay string `json:"baseDelay"`
	// MaxDelay caps the wait between retries.
	MaxDelay string `json:"maxDelay"`
	// MaxPerRun bounds the retries one run starts, so that a storm of
	// failures is not replayed at once into the same shortage.
	MaxPerRun int `json:"maxPerRun"`
	// Schedule is when the retries run (five-field cron, UTC); a retry
	// starts at the first run after its wait, so it bounds the precision.
	Schedule string `json:"schedule"`
}

// On reports whether the stack retries failed builds.
func (r BuildRetries) On() bool { return r.Enabled == nil || *r.Enabled }

// Delays are BaseDelay and MaxDelay parsed (validated by Load).
func (r BuildRetries) Delays() (base, max time.Duration) {
	base, _ = time.ParseDuration(r.BaseDelay)
	max, _ = time.ParseDuration(r.MaxDelay)
	return base, max
}

// BuildRetryWindow is how old a failure may be and still be retried: an
// older one's owner has moved on, and a start then would spend money
// unasked. The latest failure of a chain is what counts, so maxRetryDelay
// below it keeps every wait inside it.
const (
	BuildRetryWindow = 24 * time.Hour
	maxRetryDelay    = 6 * time.Hour
)

// Bounds: a minute is the CronJob's precision; ten retries at the cap are
// already most of the window.
const (
	maxRetryAttempts = 10
	maxRetriesPerRun = 500
)

// cronField is one field of a five-field cron schedule: numbers, *, ranges,
// lists and steps (Kubernetes CronJob syntax).
var cronField = regexp.MustCompile(`^[0-9*,/-]+$`)

func defaultBuildRetries(s *Stack) {
	r := &s.Coder.BuildRetries
	if r.Enabled == nil {
		r.Enabled = ptr(true)
	}
	if r.MaxAttempts == 0 {
		r.MaxAttempts = 3
	}
	if r.BaseDelay == "" {
		r.BaseDelay = "2m"
	}
	if r.MaxDelay == "" {
		r.MaxDelay = "15m"
	}
	if r.MaxPerRun == 0 {
		r.MaxPerRun = 20
	}
	if r.Schedule == "" {
		r.Schedule = "*/2 * * * *"
	}
}

func validateBuildRetries(s *Stack, p *problems) {
	r := s.Coder.BuildRetries
	const k = "coder.buildRetries."
	if r.MaxAttempts < 1 || r.MaxAttempts > maxRetryAttempts {
		p.add(k+"maxAttempts", r.MaxAttempts, "must be from 1 to %d retries of one failure", maxRetryAttempts)
	}
	base := retryDelay(p, k+"baseDelay", r.BaseDelay, time.Hour)
	if max := retryDelay(p, k+"maxDelay", r.MaxDelay, maxRetryDelay); base > 0 && max > 0 && max < base {
		p.add(k+"maxDelay", r.MaxDelay, "must not be shorter than coder.buildRetries.baseDelay (%s)", r.BaseDelay)
	}
	if r.MaxPerRun < 1 || r.MaxPerRun > maxRetriesPerRun {
		p.add(k+"maxPerRun", r.MaxPerRun, "must be from 1 to %d starts a run", maxRetriesPerRun)
	}
	fields := strings.Fields(r.Schedule)
	ok := len(fields) == 5
	for _, f := range fields {
		ok = ok && cronField.MatchString(f)
	}
	if !ok {
		p.add(k+"schedule", r.Schedule, "must be a five-field cron schedule in UTC, such as */2 * * * *")
	}
}

// retryDelay parses a wait from a minute (the CronJob's precision) to hi.
func retryDelay(p *problems, key, raw string, hi time.Duration) time.Duration {
	d, err := time.ParseDuration(raw)
	if err != nil || d < time.Minute || d > hi {
		p.add(key, raw, "must be a duration from 1m to %s, such as 2m or 15m", strings.TrimSuffix(hi.String(), "0m0s"))
		return 0
	}
	return d
}
