package deploy

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/platformeng/coder-platform/internal/coderapi"
)

// Engine is the stack as Automation API drives it.
type Engine interface {
	// Preview returns the engine's change summary (operation → count).
	Preview(ctx context.Context) (map[string]int, error)
	// Up updates the stack, leaving out exclude and what depends on it.
	Up(ctx context.Context, exclude []string) error
}

// Coderd reads each region's coderd or proxy; HTTP is its client (nil:
// the default).
type Coderd struct {
	HTTP *http.Client
}

// Version is the build version at url (GET /api/v2/buildinfo).
func (c Coderd) Version(ctx context.Context, url string) (string, error) {
	b, err := coderapi.Client{URL: url, HTTP: c.HTTP}.BuildInfo(ctx)
	return b.Version, err
}

// Healthy checks GET /healthz.
func (c Coderd) Healthy(ctx context.Context, url string) error {
	return coderapi.Client{URL: url, HTTP: c.HTTP}.Healthz(ctx)
}

// Runner runs stages.
type Runner struct {
	Engine Engine
	Coderd Coderd
	Out    io.Writer
	// Wait bounds how long a stage waits for its regions; Poll is the interval.
	Wait, Poll time.Duration
}

// Run previews, then runs each stage and its checks; it stops at the first
// failure, naming the stage.
func (r Runner) Run(ctx context.Context, stages []Stage) error {
	changes, err := r.Engine.Preview(ctx)
	if err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	fmt.Fprintf(r.Out, "Preview: %s\n", summary(changes))
	for i, st := range stages {
		fmt.Fprintf(r.Out, "Stage %d/%d: %s\n", i+1, len(stages), st.Name)
		if err := r.Engine.Up(ctx, st.Exclude); err != nil {
			return fmt.Errorf("stage %d (%s): update: %w", i+1, st.Name, err)
		}
		if err := r.await(ctx, st); err != nil {
			return fmt.Errorf("stage %d (%s): %w", i+1, st.Name, err)
		}
	}
	if last := stages[len(stages)-1]; len(last.Check) > 0 {
		fmt.Fprintf(r.Out, "Done: every region runs %s and is healthy.\n", last.Version)
	} else {
		fmt.Fprintln(r.Out, "Done: the update finished; there is no coderd to check yet.")
	}
	return nil
}

// await polls every region of the stage until each reports the version and
// is healthy, or the wait runs out.
func (r Runner) await(ctx context.Context, st Stage) error {
	regions := slices.Sorted(maps.Keys(st.Check))
	deadline := time.Now().Add(r.Wait)
	for _, name := range regions {
		url := st.Check[name]
		for {
			v, err := r.Coderd.Version(ctx, url)
			if err == nil && coderapi.SameVersion(v, st.Version) {
				err = r.Coderd.Healthy(ctx, url)
				if err == nil {
					fmt.Fprintf(r.Out, "  %s (%s): %s, healthy\n", name, url, v)
					break
				}
			} else if err == nil {
				err = fmt.Errorf("reports %s, not %s", v, st.Version)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s (%s) not ready after %s: %w", name, url, r.Wait, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(r.Poll):
			}
		}
	}
	return nil
}

// WriteStages prints the stages (--dry-run).
func WriteStages(w io.Writer, stages []Stage) {
	for i, st := range stages {
		fmt.Fprintf(w, "Stage %d/%d: %s\n", i+1, len(stages), st.Name)
		for _, u := range st.Exclude {
			fmt.Fprintf(w, "  exclude %s (and its dependents)\n", u)
		}
		for _, n := range st.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
		for _, name := range slices.Sorted(maps.Keys(st.Check)) {
			fmt.Fprintf(w, "  then wait for %s (%s) to report %s and /healthz OK\n", name, st.Check[name], st.Version)
		}
	}
}

func summary(changes map[string]int) string {
	var ops []string
	for _, op := range slices.Sorted(maps.Keys(changes)) {
		ops = append(ops, fmt.Sprintf("%s %d", op, changes[op]))
	}
	if len(ops) == 0 {
		return "no changes"
	}
	return strings.Join(ops, ", ")
}
