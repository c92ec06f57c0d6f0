package deploy_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/coderapi"
	"github.com/platformeng/coder-platform/internal/deploy"
	"github.com/platformeng/coder-platform/stacks/config"
)

// fakeCoderd answers /api/v2/buildinfo and /healthz like coderd and a
// workspace proxy do.
type fakeCoderd struct {
	*httptest.Server
	mu      sync.Mutex
	version string
	healthy bool
}

func newCoderd(t *testing.T, version string) *fakeCoderd {
	f := &fakeCoderd{version: version, healthy: true}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		switch r.URL.Path {
		case "/api/v2/buildinfo":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"external_url":"https://github.com/coder/coder","version":%q,"dashboard_url":"%s"}`, f.version, f.URL)
		case "/healthz":
			if !f.healthy {
				http.Error(w, "database unreachable", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(w, "OK")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeCoderd) set(version string) { f.mu.Lock(); f.version = version; f.mu.Unlock() }

// fakeEngine rolls out: each Up moves the regions it does not exclude.
type fakeEngine struct {
	ups     [][]string
	rollout func(exclude []string)
	failUp  int
}

func (e *fakeEngine) Preview(context.Context) (map[string]int, error) {
	return map[string]int{"update": 3, "same": 900}, nil
}

func (e *fakeEngine) Up(_ context.Context, exclude []string) error {
	e.ups = append(e.ups, exclude)
	if e.failUp == len(e.ups) {
		return fmt.Errorf("resource coder-workshop-us-east-2 failed")
	}
	e.rollout(exclude)
	return nil
}

func workshop(t *testing.T, control, west, emea string) *config.Stack {
	return &config.Stack{Project: "coder-platform", Name: "workshop",
		Coder: config.Coder{Version: "v2.35.1", AccessURL: control},
		Regions: []config.Region{
			{Name: "us-east-2", Role: workloads.ControlPlane},
			{Name: "us-west-2", Role: workloads.Proxy, AccessURL: west},
			{Name: "eu-west-2", Role: workloads.Proxy, AccessURL: emea},
		}}
}

func TestPlan(t *testing.T) {
	cfg := workshop(t, "https://ai.example.com", "https://w.example.com", "https://e.example.com")
	staged := deploy.Plan(cfg, "v2.34.2+abc")
	require.Len(t, staged, 2)
	assert.Equal(t, []string{
		"urn:pulumi:workshop::coder-platform::coder:stacks:Region::us-west-2",
		"urn:pulumi:workshop::coder-platform::coder:stacks:Region::eu-west-2",
	}, staged[0].Exclude)
	assert.Equal(t, map[string]string{"us-east-2": "https://ai.example.com"}, staged[0].Check)
	assert.Empty(t, staged[0].Notes, "no backup copy in a proxy region")
	cfg.Database.Backup.CopyRegion = "us-west-2"
	assert.Equal(t, []string{"changes to the database's backup copy in us-west-2 (a proxy region) wait for stage 2"}, deploy.Plan(cfg, "v2.34.2")[0].Notes)
	assert.Empty(t, staged[1].Exclude)
	assert.Len(t, staged[1].Check, 3)

	assert.Len(t, deploy.Plan(cfg, "v2.35.1+abc"), 1, "no version change: one update")
	first := deploy.Plan(cfg, "")
	require.Len(t, first, 1, "not deployed yet: one update")
	assert.Empty(t, first[0].Check, "no coderd to wait for before its secrets are filled")
	cfg.Regions = cfg.Regions[:1]
	assert.Len(t, deploy.Plan(cfg, "v2.34.2"), 1, "no proxies: one update")

	assert.True(t, coderapi.SameVersion("v2.35.1+1a2b3c", "v2.35.1"))
	assert.True(t, coderapi.SameVersion("2.35.1", "v2.35.1"))
	assert.False(t, coderapi.SameVersion("v2.35.10", "v2.35.1"))
	assert.False(t, coderapi.SameVersion("", "v2.35.1"))
}

func TestRunUpgradesControlPlaneFirst(t *testing.T) {
	control, west, emea := newCoderd(t, "v2.34.2+aaa"), newCoderd(t, "v2.34.2+aaa"), newCoderd(t, "v2.34.2+aaa")
	cfg := workshop(t, control.URL, west.URL, emea.URL)
	eng := &fakeEngine{}
	eng.rollout = func(exclude []string) {
		control.set("v2.35.1+bbb")
		// The proxies stay on the old version while they are excluded.
		if len(exclude) == 0 {
			// A proxy restarts after the update returns: it reports late.
			go func() { time.Sleep(30 * time.Millisecond); west.set("v2.35.1+bbb"); emea.set("v2.35.1+bbb") }()
		}
	}
	var out bytes.Buffer
	r := deploy.Runner{Engine: eng, Out: &out, Wait: 5 * time.Second, Poll: 10 * time.Millisecond}
	require.NoError(t, r.Run(context.Background(), deploy.Plan(cfg, "v2.34.2+aaa")), out.String())
	require.Len(t, eng.ups, 2)
	assert.Len(t, eng.ups[0], 2, "the first update excludes both proxy regions")
	assert.Empty(t, eng.ups[1])
	assert.Contains(t, out.String(), "Stage 1/2: control plane to v2.35.1")
	assert.Contains(t, out.String(), "Done: every region runs v2.35.1 and is healthy.")
}

func TestRunStopsWhenTheControlPlaneDoesNotUpgrade(t *testing.T) {
	control, west, emea := newCoderd(t, "v2.34.2"), newCoderd(t, "v2.34.2"), newCoderd(t, "v2.34.2")
	cfg := workshop(t, control.URL, west.URL, emea.URL)
	eng := &fakeEngine{rollout: func([]string) {}} // the new pods never become ready
	var out bytes.Buffer
	r := deploy.Runner{Engine: eng, Out: &out, Wait: 50 * time.Millisecond, Poll: 10 * time.Millisecond}
	err := r.Run(context.Background(), deploy.Plan(cfg, "v2.34.2"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stage 1 (control plane to v2.35.1 (proxy regions excluded))")
	assert.Contains(t, err.Error(), "reports v2.34.2, not v2.35.1")
	assert.Len(t, eng.ups, 1, "the proxies are never touched")
}

func TestRunStopsOnAnUnhealthyProxy(t *testing.T) {
	control, west, emea := newCoderd(t, "v2.34.2"), newCoderd(t, "v2.34.2"), newCoderd(t, "v2.34.2")
	emea.healthy = false
	cfg := workshop(t, control.URL, west.URL, emea.URL)
	eng := &fakeEngine{rollout: func([]string) { control.set("v2.35.1"); west.set("v2.35.1"); emea.set("v2.35.1") }}
	var out bytes.Buffer
	r := deploy.Runner{Engine: eng, Out: &out, Wait: 50 * time.Millisecond, Poll: 10 * time.Millisecond}
	err := r.Run(context.Background(), deploy.Plan(cfg, "v2.34.2"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stage 2 (proxy regions to v2.35.1): eu-west-2")
	assert.Contains(t, err.Error(), "HTTP 503")
}

func TestRunStopsOnAFailedUpdate(t *testing.T) {
	control := newCoderd(t, "v2.34.2")
	cfg := workshop(t, control.URL, control.URL, control.URL)
	eng := &fakeEngine{failUp: 1, rollout: func([]string) {}}
	r := deploy.Runner{Engine: eng, Out: &bytes.Buffer{}, Wait: time.Second, Poll: 10 * time.Millisecond}
	err := r.Run(context.Background(), deploy.Plan(cfg, "v2.34.2"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stage 1 (control plane to v2.35.1 (proxy regions excluded)): update: resource coder-workshop-us-east-2 failed")
	assert.Len(t, eng.ups, 1)
}

// The running version comes from the state: the control plane's coder
// release; none before coderd's first release.
func TestDeployedVersionFromState(t *testing.T) {
	const region = "urn:pulumi:workshop::coder-platform::coder:stacks:Region::"
	state := `{"resources":[
	  {"urn":"` + region + `us-east-2","type":"coder:stacks:Region"},
	  {"urn":"` + region + `us-west-2","type":"coder:stacks:Region"},
	  {"urn":"c1","type":"coder:coder:Coder","parent":"` + region + `us-east-2"},
	  {"urn":"r1","type":"kubernetes:helm.sh/v3:Release","parent":"c1","inputs":{"chart":"coder","version":"2.34.2"}},
	  {"urn":"r2","type":"kubernetes:helm.sh/v3:Release","parent":"` + region + `us-west-2","inputs":{"chart":"coder","version":"2.35.1"}},
	  {"urn":"r3","type":"kubernetes:helm.sh/v3:Release","parent":"c1","inputs":{"chart":"keda","version":"2.17.0"}}]}`
	v, err := deploy.DeployedVersion([]byte(state), "us-east-2")
	require.NoError(t, err)
	assert.Equal(t, "v2.34.2", v)
	versions, err := deploy.ReleaseVersions([]byte(state))
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"us-east-2": {"v2.34.2"}, "us-west-2": {"v2.35.1"}}, versions, "other charts are not Coder's")
	v, err = deploy.DeployedVersion([]byte(`{"resources":[]}`), "us-east-2")
	require.NoError(t, err)
	assert.Empty(t, v, "not deployed yet")
}
