package delivery_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/internal/fakehttps"
)

// fakeCoderd answers the routes retry.sh calls as coderd v2.30.0 does
// (coderd/coderd.go routes; bodies in the codersdk shapes below, indented
// as httpapi.Write writes them) and keeps their state, so that a start
// creates the next build and a later run sees it.
type fakeCoderd struct {
	mu         sync.Mutex
	workspaces []*fakeWorkspace
	posts      []string // workspace names, one per start build created
	refused    []string // POSTs answered 409
	// beforeStart, when set, runs once at the first start request, before
	// it is applied: an overlapping run.
	beforeStart func()
	// startStatus, when set, is the answer to every start request.
	startStatus int
}

const (
	automationID = "5e0c1b2a-7d3f-4c8e-9b6a-2f4d1c3e5a70"
	aliceID      = "11111111-2222-4333-8444-555555555555"
	prebuildsID  = "c42fdf75-3097-471c-8c33-fb52454d81c0" // database.PrebuildsSystemUserID
)

// The codersdk fields retry.sh reads, with their json names in v2.35.1
// (TestFakeCoderdShapes checks them against that source).
type fakeWorkspace struct {
	ID        string     `json:"id"`
	OwnerID   string     `json:"owner_id"`
	OwnerName string     `json:"owner_name"`
	Name      string     `json:"name"`
	DormantAt *time.Time `json:"dormant_at"`
	Template  string     `json:"template_name"`
	builds    []*fakeBuild
}

type fakeBuild struct {
	ID                string  `json:"id"`
	WorkspaceID       string  `json:"workspace_id"`
	TemplateVersionID string  `json:"template_version_id"`
	BuildNumber       int     `json:"build_number"`
	Transition        string  `json:"transition"`
	InitiatorID       string  `json:"initiator_id"`
	Reason            string  `json:"reason"`
	Job               fakeJob `json:"job"`
	logs              []fakeLog
}

type fakeJob struct {
	ID          string     `json:"id"`
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Error       string     `json:"error,omitempty"`
	ErrorCode   string     `json:"error_code,omitempty"`
	Status      string     `json:"status"`
}

type fakeLog struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Source    string    `json:"log_source"`
	Level     string    `json:"log_level"`
	Stage     string    `json:"stage"`
	Output    string    `json:"output"`
}

func (w *fakeWorkspace) latest() *fakeBuild { return w.builds[len(w.builds)-1] }

// render is the workspace as GET /workspaces renders it: its fields and
// the latest build.
func (w *fakeWorkspace) render() map[string]any {
	return map[string]any{"id": w.ID, "owner_id": w.OwnerID, "owner_name": w.OwnerName, "name": w.Name,
		"dormant_at": w.DormantAt, "latest_build": w.latest(), "template_name": w.Template, "outdated": false}
}

// failedStart is a start build that failed at completed with job error
// jobErr and the error-level log lines logs.
func failedStart(initiator string, completed time.Time, jobErr string, logs ...string) *fakeBuild {
	b := &fakeBuild{Transition: "start", InitiatorID: initiator, Reason: "initiator", TemplateVersionID: "tv-1",
		Job: fakeJob{CreatedAt: completed.Add(-2 * time.Minute), CompletedAt: &completed, Error: jobErr, Status: "failed"}}
	b.logs = append(b.logs, fakeLog{Level: "info", Stage: "Starting workspace", Output: "Terraform 1.13.4"})
	for _, l := range logs {
		b.logs = append(b.logs, fakeLog{Level: "error", Stage: "Starting workspace", Output: l})
	}
	return b
}

// add puts a workspace with its builds in order (build numbers from 1).
func (f *fakeCoderd) add(owner, ownerID, name string, builds ...*fakeBuild) *fakeWorkspace {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := &fakeWorkspace{ID: fmt.Sprintf("ws-%d", len(f.workspaces)+1), OwnerID: ownerID, OwnerName: owner, Name: name, Template: "ec2-swdev"}
	for _, b := range builds {
		f.append(w, b)
	}
	f.workspaces = append(f.workspaces, w)
	return w
}

func (f *fakeCoderd) append(w *fakeWorkspace, b *fakeBuild) {
	b.BuildNumber = len(w.builds) + 1
	b.WorkspaceID = w.ID
	b.ID = fmt.Sprintf("%s-b%d", w.ID, b.BuildNumber)
	b.Job.ID = b.ID + "-job"
	for i := range b.logs {
		b.logs[i].ID = int64(i + 1)
		b.logs[i].Source = "provisioner"
		b.logs[i].CreatedAt = b.Job.CreatedAt
	}
	w.builds = append(w.builds, b)
}

// fail ends the workspace's latest (retried) build as failed at t.
func (f *fakeCoderd) fail(w *fakeWorkspace, t time.Time, jobErr string, logs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := w.latest()
	nb := failedStart(b.InitiatorID, t, jobErr, logs...)
	b.Job, b.logs = nb.Job, nb.logs
	b.Job.ID = b.ID + "-job"
}

func (f *fakeCoderd) started() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.posts...)
}

func (f *fakeCoderd) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reply := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "\t")
		_ = enc.Encode(v)
	}
	if r.Header.Get("Coder-Session-Token") != token {
		reply(401, map[string]string{"message": "You must be logged in to perform this action."})
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/api/v2")
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "workspaces" && parts[2] == "builds" {
		f.start(parts[1], r, reply)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	switch {
	case r.Method == "GET" && p == "/users/me":
		reply(200, map[string]any{"id": automationID, "username": "platform-automation", "status": "active", "login_type": "none"})
	case r.Method == "GET" && p == "/workspaces":
		// searchquery.Workspaces: status:failed is the latest build's job
		// status, whatever its transition.
		if q.Get("q") != "status:failed" {
			reply(400, map[string]string{"message": "unexpected query " + q.Get("q")})
			return
		}
		var out []map[string]any
		for _, ws := range f.workspaces {
			if ws.latest().Job.Status == "failed" {
				out = append(out, ws.render())
			}
		}
		count := len(out)
		offset, _ := strconv.Atoi(q.Get("offset"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		out = out[min(offset, len(out)):]
		if limit > 0 && len(out) > limit {
			out = out[:limit]
		}
		reply(200, map[string]any{"workspaces": out, "count": count})
	case r.Method == "GET" && len(parts) == 2 && parts[0] == "workspaces":
		if ws := f.workspace(parts[1]); ws != nil {
			reply(200, ws.render())
			return
		}
		reply(404, map[string]string{"message": "Resource not found or you do not have access to this resource"})
	case r.Method == "GET" && len(parts) == 3 && parts[0] == "workspaces" && parts[2] == "builds":
		// GetWorkspaceBuildsByWorkspaceID: build_number desc, limit.
		ws := f.workspace(parts[1])
		limit, _ := strconv.Atoi(q.Get("limit"))
		var out []*fakeBuild
		for i := len(ws.builds) - 1; i >= 0 && (limit == 0 || len(out) < limit); i-- {
			out = append(out, ws.builds[i])
		}
		reply(200, out)
	case r.Method == "GET" && len(parts) == 3 && parts[0] == "workspacebuilds" && parts[2] == "logs":
		for _, ws := range f.workspaces {
			for _, b := range ws.builds {
				if b.ID == parts[1] {
					logs := b.logs
					if logs == nil {
						logs = []fakeLog{}
					}
					reply(200, logs)
					return
				}
			}
		}
		reply(404, map[string]string{"message": "Resource not found or you do not have access to this resource"})
	default:
		reply(404, map[string]string{"message": "Route not found."})
	}
}

// start is POST /workspaces/{id}/builds: refused with 409 while the latest
// build's job is active (wsbuilder checkRunningBuild), else the next build,
// on the previous build's template version (getTemplateVersionID), queued.
func (f *fakeCoderd) start(id string, r *http.Request, reply func(int, any)) {
	var req map[string]any
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	hook := f.beforeStart
	f.beforeStart = nil
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch f.startStatus {
	case 0:
	case 400: // wsbuilder.go, a parameter the version no longer accepts
		reply(400, map[string]string{"message": `Unable to validate parameter "region"`})
		return
	default: // wsbuilder.go authorize, without workspace.start
		reply(f.startStatus, map[string]string{"message": "You do not have permission to start this workspace."})
		return
	}
	ws := f.workspace(id)
	if req["transition"] != "start" || len(req) != 1 {
		reply(400, map[string]string{"message": fmt.Sprintf("unexpected request %v", req)})
		return
	}
	if s := ws.latest().Job.Status; s == "pending" || s == "running" || s == "canceling" {
		f.refused = append(f.refused, ws.Name)
		reply(409, map[string]string{"message": "A workspace build is already active."})
		return
	}
	prev := ws.latest()
	b := &fakeBuild{Transition: "start", InitiatorID: automationID, Reason: "initiator", TemplateVersionID: prev.TemplateVersionID,
		Job: fakeJob{CreatedAt: time.Now().UTC(), Status: "pending"}}
	f.append(ws, b)
	f.posts = append(f.posts, ws.Name)
	reply(201, b)
}

func (f *fakeCoderd) workspace(id string) *fakeWorkspace {
	for _, ws := range f.workspaces {
		if ws.ID == id {
			return ws
		}
	}
	return nil
}

// retryRun runs retry.sh at now against a fake coderd, as the CronJob does.
type retryRun struct {
	env []string
}

func startFake(t *testing.T, f *fakeCoderd) retryRun {
	url, ca := fakehttps.Serve(t, f)
	env := []string{"CURL_CA_BUNDLE=" + ca, "CODER_URL=" + url, "CODER_SESSION_TOKEN=" + token,
		"TOKEN_SECRET=coder/prod/us-east-1/admin-token", "LICENSED_FEATURES="}
	for _, kv := range delivery.RetryEnv(&delivery.BuildRetriesArgs{MaxAttempts: 3, BaseDelay: time.Minute,
		MaxDelay: 150 * time.Second, MaxPerRun: 20, Window: 24 * time.Hour}) {
		env = append(env, kv[0]+"="+kv[1])
	}
	return retryRun{env: env}
}

func (r retryRun) run(t *testing.T, now time.Time, extra ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", "-c", delivery.RetryScript())
	cmd.Env = append(append(append(os.Environ(), r.env...), "NOW="+fmt.Sprint(now.Unix())), extra...)
	out, err := cmd.CombinedOutput()
	assert.NotContains(t, string(out), token, "the token never reaches the Job's log")
	return string(out), err
}
