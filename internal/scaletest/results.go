// Package scaletest reads the result files of a `coder exp scaletest` run
// (components/scaletest) and a Prometheus export of coderd's API latency,
// and judges them against the platform's acceptance criteria
// (platform scaletest report, docs/scaletest.md).
package scaletest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Results is one command's JSON output (--output json:PATH): coder/coder
// v2.35.1 scaletest/harness/results.go:18-26, type Results, encoded by
// cli/exp_scaletest.go:286 (scaleTestOutput.write) with encoding/json.
// The shape is v2.30.0's too. results_test.go checks every tag against
// that source.
type Results struct {
	TotalRuns int `json:"total_runs"`
	TotalPass int `json:"total_pass"`
	TotalFail int `json:"total_fail"`
	// Elapsed is an httpapi.Duration, a Go duration string ("1h2m3s").
	Elapsed   string               `json:"elapsed"`
	ElapsedMS int64                `json:"elapsed_ms"`
	Runs      map[string]RunResult `json:"runs"`
}

// RunResult is one run (harness RunResult, results.go:29-39). Error is
// fmt's "%+v" of the run's error, which is "<nil>" for a run that passed
// (RunResult.MarshalJSON, results.go:42-51).
type RunResult struct {
	FullID     string         `json:"full_id"`
	TestName   string         `json:"test_name"`
	ID         string         `json:"id"`
	Logs       string         `json:"logs"`
	Error      string         `json:"error"`
	StartedAt  time.Time      `json:"started_at"`
	Duration   string         `json:"duration"`
	DurationMS int64          `json:"duration_ms"`
	Metrics    map[string]any `json:"metrics,omitempty"`
}

// noError is how the harness writes a nil error.
const noError = "<nil>"

// Passed reports whether the run passed.
func (r RunResult) Passed() bool { return r.Error == noError || r.Error == "" }

// Retried reports whether the workspace build was tried again: the line
// workspacebuild.Runner logs before a retry (coder/coder v2.35.1
// scaletest/workspacebuild/run.go:71, "Retrying build %d/%d...").
func (r RunResult) Retried() bool { return strings.Contains(r.Logs, "Retrying build ") }

// Command is the scale-test command a result file came from.
type Command string

// The commands, by the test name their runs carry (th.AddRun in v2.35.1
// cli/exp_scaletest.go): create-workspaces names its runs
// "workspacebuild/<i>" (line 914), workspace-traffic
// "workspace-traffic/<i>" (1529), dashboard "dashboard/dashboard-<user>"
// (1776, 1826).
const (
	CreateWorkspaces Command = "create-workspaces"
	WorkspaceTraffic Command = "workspace-traffic"
	Dashboard        Command = "dashboard"
)

var testNames = map[string]Command{"workspacebuild": CreateWorkspaces, "workspace-traffic": WorkspaceTraffic, "dashboard": Dashboard}

// Metric names a workspace-traffic run reports (v2.35.1
// scaletest/workspacetraffic/run.go:251-252, BytesReadMetric and
// BytesWrittenMetric).
const (
	BytesRead    = "bytes_read"
	BytesWritten = "bytes_written"
)

// File is one result file given to the report.
type File struct {
	Path string
	// Command and Results, for a harness result file.
	Command Command
	Results *Results
	// Template is the template a create-workspaces file built.
	Template string
	// Histogram, for a Prometheus export of coderd's API latency buckets.
	Histogram Histogram
}

// Name is the file's base name.
func (f File) Name() string { return filepath.Base(f.Path) }

// CreateFilePrefix starts the name the scale-test Job gives a
// create-workspaces file; the template's name follows
// (components/scaletest.CreateResultsPrefix).
const CreateFilePrefix = "create-workspaces-"

// ReadArg reads one RESULTS argument: FILE, or TEMPLATE=FILE to name the
// template of a create-workspaces file whose name does not.
func ReadArg(arg string) (File, error) {
	template, path, named := strings.Cut(arg, "=")
	if !named {
		path, template = arg, ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, err
	}
	f, err := Decode(path, b)
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", path, err)
	}
	if f.Command == CreateWorkspaces {
		if template == "" {
			base := strings.TrimSuffix(filepath.Base(path), ".json")
			if t, ok := strings.CutPrefix(base, CreateFilePrefix); ok {
				template = t
			}
		}
		if template == "" {
			return File{}, fmt.Errorf("%s: a create-workspaces result does not name its template; name the file %s<template>.json as the scale-test Job does, or give TEMPLATE=%s", path, CreateFilePrefix, path)
		}
		f.Template = template
	}
	return f, nil
}

// Decode tells a harness result file from a Prometheus export and decodes
// it; anything else is an error.
func Decode(path string, b []byte) (File, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return File{}, fmt.Errorf("not JSON: %w", err)
	}
	if _, ok := probe["runs"]; ok {
		return decodeResults(path, b)
	}
	if _, ok := probe["data"]; ok {
		h, err := decodeHistogram(b)
		return File{Path: path, Histogram: h}, err
	}
	return File{}, fmt.Errorf("neither a `coder exp scaletest --output json:` result (total_runs, runs) nor a Prometheus query result (status, data)")
}

func decodeResults(path string, b []byte) (File, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var r Results
	if err := dec.Decode(&r); err != nil {
		return File{}, fmt.Errorf("a scale-test result of an unexpected shape: %w", err)
	}
	if r.TotalRuns == 0 || len(r.Runs) == 0 {
		return File{}, fmt.Errorf("a scale-test result with no runs: nothing was measured")
	}
	if r.TotalPass+r.TotalFail != r.TotalRuns || len(r.Runs) != r.TotalRuns {
		return File{}, fmt.Errorf("inconsistent totals: %d runs listed, total_runs %d, total_pass %d, total_fail %d", len(r.Runs), r.TotalRuns, r.TotalPass, r.TotalFail)
	}
	var cmd Command
	for _, id := range r.sortedIDs() {
		run := r.Runs[id]
		c, ok := testNames[run.TestName]
		if !ok {
			return File{}, fmt.Errorf("run %s is of test %q, not of create-workspaces, workspace-traffic or dashboard", id, run.TestName)
		}
		if cmd != "" && c != cmd {
			return File{}, fmt.Errorf("runs of both %s and %s: one file per command", cmd, c)
		}
		cmd = c
	}
	return File{Path: path, Command: cmd, Results: &r}, nil
}

func (r *Results) sortedIDs() []string {
	ids := make([]string, 0, len(r.Runs))
	for id := range r.Runs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
