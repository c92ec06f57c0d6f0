// Command stgen (run by gen.sh) writes scale-test result files in coder's JSON
// shape (v2.30.0, tools/coderd's; v2.35.1's is the same) by encoding the
// real harness.Results, as cli/exp_scaletest.go's scaleTestOutput.write does
// (json.NewEncoder(w).Encode(res)).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"time"

	"github.com/coder/coder/v2/coderd/httpapi"
	"github.com/coder/coder/v2/scaletest/harness"
)

var start = time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)

func run(test, id string, d time.Duration, err error, logs string, metrics map[string]any) harness.RunResult {
	return harness.RunResult{FullID: test + "/" + id, TestName: test, ID: id, Logs: logs, Error: err,
		StartedAt: start, Duration: httpapi.Duration(d), DurationMS: d.Milliseconds(), Metrics: metrics}
}

func results(runs []harness.RunResult, elapsed time.Duration) harness.Results {
	r := harness.Results{TotalRuns: len(runs), Runs: map[string]harness.RunResult{}, Elapsed: httpapi.Duration(elapsed), ElapsedMS: elapsed.Milliseconds()}
	for _, x := range runs {
		r.Runs[x.FullID] = x
		if x.Error == nil {
			r.TotalPass++
		} else {
			r.TotalFail++
		}
	}
	return r
}

func write(dir, name string, r harness.Results) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := json.NewEncoder(f).Encode(r); err != nil {
		panic(err)
	}
}

func main() {
	dir := os.Args[1]
	rng := rand.New(rand.NewSource(21))
	// A pod run that meets every target: 400 workspaces, one failed, one retried.
	var pod []harness.RunResult
	for i := 0; i < 400; i++ {
		d := 55*time.Second + time.Duration(rng.Intn(50000))*time.Millisecond
		var err error
		logs := "Creating workspace...\nBuild succeeded!\nAgents connected!\n"
		if i == 7 {
			logs = "Creating workspace...\nRetrying build 1/1...\nBuild succeeded!\nAgents connected!\n"
		}
		if i == 123 {
			d, err = 15*time.Minute, errors.New("create workspace: wait for build: context deadline exceeded")
			logs = "Creating workspace...\nBuild is currently queued..."
		}
		pod = append(pod, run("workspacebuild", fmt.Sprint(i), d, err, logs, nil))
	}
	write(dir, "create-workspaces-pod-swdev-scaletest.json", results(pod, 38*time.Minute+12*time.Second))
	// An EC2 run that misses: slow and 3 failures in 100.
	var ec2 []harness.RunResult
	for i := 0; i < 100; i++ {
		d := 200*time.Second + time.Duration(rng.Intn(180000))*time.Millisecond
		var err error
		if i%40 == 3 {
			err = errors.New("create workspace: build failed: InsufficientInstanceCapacity")
		}
		ec2 = append(ec2, run("workspacebuild", fmt.Sprint(i), d, err, "Creating workspace...\n", nil))
	}
	write(dir, "create-workspaces-ec2-datasci-scaletest.json", results(ec2, 52*time.Minute))
	// workspace-traffic over 50 workspaces, 30 minutes, 1024 B per 100 ms.
	var tr []harness.RunResult
	for i := 0; i < 50; i++ {
		w := int64(18_432_000 - rng.Intn(2048))
		tr = append(tr, run("workspace-traffic", fmt.Sprint(i), 30*time.Minute, nil, "", map[string]any{"bytes_read": w - 1024, "bytes_written": w}))
	}
	write(dir, "workspace-traffic.json", results(tr, 30*time.Minute+15*time.Second))
	// dashboard: 10 users for 30 minutes.
	var db []harness.RunResult
	for i := 0; i < 10; i++ {
		db = append(db, run("dashboard", fmt.Sprintf("dashboard-scaletest-abcdefgh-%d", i), 30*time.Minute, nil, "", nil))
	}
	write(dir, "dashboard.json", results(db, 30*time.Minute+20*time.Second))
}
