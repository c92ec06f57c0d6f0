package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Engine is the stack as Automation API drives it.
type Engine interface {
	// Preview returns the engine's change summary (operation → count).
	Preview(ctx context.Context) (map[string]int, error)
	// Up updates the stack, leaving out exclude and what depends on it.
	Up(ctx context.Context, exclude []string) error
}

// Coderd reads a coderd's or workspace proxy's version and health.
type Coderd struct {
	Client *http.Client
}

// Version is the build version at url (GET /api/v2/buildinfo, which coderd
// and workspace proxies serve without a session).
func (c Coderd) Version(ctx context.Context, url string) (string, error) {
	var info struct {
		Version string `json:"version"`
	}
	body, err := c.get(ctx, strings.TrimRight(url, "/")+"/api/v2/buildinfo")
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return "", fmt.Errorf("%s/api/v2/buildinfo: %w", url, err)
	}
	return info.Version, nil
}

// Healthy checks GET /healthz, which answers "OK" when the server is up.
func (c Coderd) Healthy(ctx context.Context, url string) error {
	body, err := c.get(ctx, strings.TrimRight(url, "/")+"/healthz")
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(body)) != "OK" {
		return fmt.Errorf("%s/healthz answered %q", url, body)
	}
	return nil
}

func (c Coderd) get(ctx context.Context, url string) ([]byte, error) {
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	return body, nil
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
	fmt.Fprintf(r.Out, "Done: every region runs %s and is healthy.\n", stages[len(stages)-1].Version)
	return nil
}

// await polls every region of the stage until each reports the version and
// is healthy, or the wait runs out.
func (r Runner) await(ctx context.Context, st Stage) error {
	regions := make([]string, 0, len(st.Check))
	for name := range st.Check {
		regions = append(regions, name)
	}
	sort.Strings(regions)
	deadline := time.Now().Add(r.Wait)
	for _, name := range regions {
		url := st.Check[name]
		for {
			v, err := r.Coderd.Version(ctx, url)
			if err == nil && SameVersion(v, st.Version) {
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
		regions := make([]string, 0, len(st.Check))
		for name := range st.Check {
			regions = append(regions, name)
		}
		sort.Strings(regions)
		for _, name := range regions {
			fmt.Fprintf(w, "  then wait for %s (%s) to report %s and /healthz OK\n", name, st.Check[name], st.Version)
		}
	}
}

func summary(changes map[string]int) string {
	ops := make([]string, 0, len(changes))
	for op, n := range changes {
		ops = append(ops, fmt.Sprintf("%s %d", op, n))
	}
	sort.Strings(ops)
	if len(ops) == 0 {
		return "no changes"
	}
	return strings.Join(ops, ", ")
}
