package readiness_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/internal/coderapi"
	"github.com/platformeng/coder-platform/internal/fakeaws"
	"github.com/platformeng/coder-platform/internal/preflight"
	"github.com/platformeng/coder-platform/internal/readiness"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

// checkAt is a week before the committed workshop (2026-12-10).
var checkAt = time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)

// world is a live workshop platform as coderd and AWS would show it.
type world struct {
	mu        sync.Mutex
	cfg       *config.Plan
	coderd    *httptest.Server
	proxies   map[string]*httptest.Server
	aws       *fakeaws.Server
	version   string
	severity  string
	dismissed bool
	proxyList []map[string]any
	daemons   map[string][]map[string]any // org id → daemons
	active    map[string]string           // template → active version name
	token     string
}

func readyWorld(t *testing.T) *world {
	sf, err := config.ReadStackFile("../../Pulumi.workshop.yaml", "coder-platform")
	require.NoError(t, err)
	cfg, err := config.LoadAt("coder-platform", "workshop", sf.Source(), checkAt)
	require.NoError(t, err)
	w := &world{cfg: cfg, version: "v2.35.1+6f3a2b1", severity: "ok", proxies: map[string]*httptest.Server{},
		daemons: map[string][]map[string]any{}, active: map[string]string{}, token: "owner-token"}
	w.coderd = httptest.NewTLSServer(http.HandlerFunc(w.serve))
	t.Cleanup(w.coderd.Close)
	cfg.Coder.AccessURL = w.coderd.URL
	w.proxyList = []map[string]any{{"name": "primary", "healthy": true, "version": w.version, "status": map[string]any{"status": "ok"}}}
	for i := range cfg.Regions {
		rc := &cfg.Regions[i]
		if rc.Role == workloads.Proxy {
			p := httptest.NewTLSServer(http.NotFoundHandler())
			t.Cleanup(p.Close)
			w.proxies[rc.Name] = p
			rc.AccessURL = p.URL
			w.proxyList = append(w.proxyList, map[string]any{"name": rc.Name, "healthy": true, "version": w.version,
				"status": map[string]any{"status": "ok", "report": map[string]any{"errors": []string{}}}})
		}
		for _, o := range cfg.Coder.Provisioners.Organizations {
			for n := 0; n < 12; n++ {
				w.daemons["org-"+o.Name] = append(w.daemons["org-"+o.Name], map[string]any{
					"name": fmt.Sprintf("%s-%s-%d", rc.Name, o.Name, n), "status": "idle", "version": w.version,
					"tags": stacks.ProvisionerTags(o, rc.Name), "last_seen_at": checkAt.Format(time.RFC3339)})
			}
		}
	}
	for _, c := range cfg.Composed() {
		w.active[c.Name] = c.VersionName()
	}
	w.aws = fakeaws.New(t)
	w.aws.Plenty = 100000
	for _, rc := range cfg.Regions {
		r := w.aws.Region(rc.Name)
		for _, g := range stacks.NodeGroupSpecs(cfg, rc.Name) {
			asg := "eks-" + g.Name + "-asg"
			r.NodeGroups[stacks.ClusterName(cfg, rc.Name)+"/"+g.Name] = asg
			for _, a := range g.Schedule {
				start, err := time.Parse(time.RFC3339, a.StartTime)
				require.NoError(t, err)
				r.ScheduledActions[asg] = append(r.ScheduledActions[asg], fakeaws.ScheduledAction{Name: a.Name, StartTime: start, MinSize: a.MinSize, Desired: a.Desired})
			}
		}
	}
	for _, tag := range []string{"al2023", "ubuntu-2204", "ubuntu-2404", "kasmvnc"} {
		w.aws.Images["coder/workspace:"+tag] = true
	}
	return w
}

func (w *world) serve(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if r.URL.Path == "/healthz" {
		fmt.Fprint(rw, "OK")
		return
	}
	if r.URL.Path != "/api/v2/buildinfo" && r.Header.Get("Coder-Session-Token") != w.token {
		rw.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(rw, `{"message":"You must be logged in to use this resource."}`)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	var out any
	switch p := r.URL.Path; {
	case p == "/api/v2/buildinfo":
		out = map[string]any{"version": w.version, "external_url": "https://github.com/coder/coder"}
	case p == "/api/v2/debug/health":
		out = map[string]any{"healthy": w.severity == "ok", "severity": w.severity,
			"database": map[string]any{"severity": w.severity, "healthy": w.severity == "ok", "dismissed": w.dismissed}, "access_url": map[string]any{"severity": "ok"}}
	case p == "/api/v2/workspaceproxies":
		out = map[string]any{"regions": w.proxyList}
	case p == "/api/v2/organizations":
		out = []map[string]any{{"id": "org-default", "name": "coder", "is_default": true}, {"id": "org-demo", "name": "demo"}}
	case strings.HasSuffix(p, "/provisionerdaemons"):
		if r.URL.Query().Get("offline") != "true" {
			http.Error(rw, "the check must ask for offline daemons too", http.StatusBadRequest)
			return
		}
		out = w.daemons[strings.Split(p, "/")[4]]
	case strings.HasSuffix(p, "/templates"):
		var list []map[string]any
		for name := range w.active {
			list = append(list, map[string]any{"name": name, "active_version_id": "v-" + name})
		}
		out = list
	case strings.HasPrefix(p, "/api/v2/templateversions/v-"):
		out = map[string]any{"name": w.active[strings.TrimPrefix(p, "/api/v2/templateversions/v-")]}
	default:
		http.NotFound(rw, r)
		return
	}
	_ = json.NewEncoder(rw).Encode(out)
}

func (w *world) check(t *testing.T, at time.Time) readiness.Report {
	pool := x509.NewCertPool()
	pool.AddCert(w.coderd.Certificate())
	for _, p := range w.proxies {
		pool.AddCert(p.Certificate())
	}
	cfg := w.aws.Config()
	return readiness.Check(context.Background(), readiness.Inputs{
		Config: w.cfg, At: at,
		Coderd:  readiness.Coderd{Client: coderapi.Client{URL: w.coderd.URL, Token: "owner-token", HTTP: w.coderd.Client()}},
		AWS:     readiness.AWS{Config: cfg},
		Account: preflight.NewAccount(cfg, stacks.QuotaOwner(w.cfg)),
		TLS:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	})
}

func statuses(r readiness.Report) map[string]readiness.Status {
	out := map[string]readiness.Status{}
	for _, it := range r.Items {
		out[it.Name] = it.Status
	}
	return out
}

func TestReadyPlatformPasses(t *testing.T) {
	w := readyWorld(t)
	rep := w.check(t, checkAt)
	var out bytes.Buffer
	rep.WriteText(&out)
	require.True(t, rep.Ready(), out.String())
	st := statuses(rep)
	for _, name := range []string{"coderd /healthz", "coderd health report", "coderd version", "proxy us-west-2", "proxy eu-west-2",
		"provisioners default in us-east-2", "provisioners demo in eu-west-2", "template pod-swdev",
		"event scaling coder-ws-spot in us-west-2", "event scaling coder-prov in us-east-2", "service quotas",
		"certificate of coderd", "certificate of proxy eu-west-2", "workspace images"} {
		assert.Equal(t, readiness.Pass, st[name], "%s\n%s", name, out.String())
	}
	assert.Contains(t, out.String(), "READY as of 2026-12-03T14:00:00Z")
}

// Offline daemon records (pods replaced by a rollout) are reported, not
// failed: coderd hands them no job.
func TestStaleDaemonsWarn(t *testing.T) {
	w := readyWorld(t)
	w.daemons["org-demo"] = append(w.daemons["org-demo"], map[string]any{"name": "old", "status": "offline",
		"tags": stacks.ProvisionerTags(w.cfg.Coder.Provisioners.Organizations[1], "us-west-2")})
	rep := w.check(t, checkAt)
	assert.True(t, rep.Ready())
	assert.Equal(t, readiness.Warn, statuses(rep)["provisioners demo in us-west-2"])
}

// A section an admin dismissed does not fail the check, though coderd's
// top-level severity still counts it.
func TestDismissedHealthSectionIsIgnored(t *testing.T) {
	w := readyWorld(t)
	w.severity, w.dismissed = "error", true
	rep := w.check(t, checkAt)
	var out bytes.Buffer
	rep.WriteText(&out)
	assert.Equal(t, readiness.Pass, statuses(rep)["coderd health report"], out.String())
	assert.Contains(t, out.String(), "severity ok (1 dismissed section(s) ignored)")
}

func TestNotReady(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(w *world)
		at     time.Time
		item   string
		want   string
	}{
		{"coderd on another version", func(w *world) { w.version = "v2.34.2" }, checkAt, "coderd version", "coderd runs v2.34.2, the stack declares v2.35.1"},
		{"health report error", func(w *world) { w.severity = "error" }, checkAt, "coderd health report", "severity error: database error"},
		{"proxy not registered", func(w *world) { w.proxyList = w.proxyList[:2] }, checkAt, "proxy eu-west-2", "not registered with coderd"},
		{"proxy unhealthy", func(w *world) {
			w.proxyList[1]["status"] = map[string]any{"status": "unreachable", "report": map[string]any{"errors": []string{"dial tcp: i/o timeout"}}}
		}, checkAt, "proxy us-west-2", "status unreachable dial tcp: i/o timeout"},
		{"proxy on the old version", func(w *world) { w.proxyList[2]["version"] = "v2.34.2" }, checkAt, "proxy eu-west-2", "runs v2.34.2"},
		{"provisioners gone", func(w *world) { w.daemons["org-demo"] = nil }, checkAt, "provisioners demo in us-east-2", "0 connected"},
		{"old template version active", func(w *world) { w.active["pod-swdev"] = "swdev-1.0.0.base-k8s-1.0.0.aaaaaaaaaaaa" }, checkAt,
			"template pod-swdev", "active version swdev-1.0.0.base-k8s-1.0.0.aaaaaaaaaaaa, the stack delivers"},
		{"scale-up action missing", func(w *world) {
			r := w.aws.Region("eu-west-2")
			r.ScheduledActions["eks-coder-ws-spot-asg"] = r.ScheduledActions["eks-coder-ws-spot-asg"][1:]
		}, checkAt, "event scaling coder-ws-spot in eu-west-2", "missing (run pulumi up)"},
		{"image missing", func(w *world) { delete(w.aws.Images, "coder/workspace:ubuntu-2404") }, checkAt, "workspace images", "lacks ubuntu-2404"},
		{"quota short", func(w *world) { w.aws.Applied["us-west-2/ec2/L-1216C47A"] = 32 }, checkAt, "service quotas", "us-west-2 L-1216C47A"},
		{"token rejected", func(w *world) { w.token = "rotated" }, checkAt, "coderd health report", "HTTP 401"},
		{"certificate near expiry", func(w *world) {}, time.Time{}, "certificate of coderd", "days after the check's time (at least 30 needed)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := readyWorld(t)
			c.break_(w)
			at := c.at
			if at.IsZero() {
				at = w.coderd.Certificate().NotAfter.Add(-10 * 24 * time.Hour)
			}
			rep := w.check(t, at)
			var out bytes.Buffer
			rep.WriteText(&out)
			assert.False(t, rep.Ready())
			assert.Equal(t, readiness.Fail, statuses(rep)[c.item], out.String())
			assert.Contains(t, out.String(), c.want)
			assert.Contains(t, out.String(), "NOT READY")
		})
	}
}

// The event's scaling actions are judged at the check's time: during the
// event only the scale-down is ahead; after it, none is, which the check
// says without failing.
func TestEventUnderwayAndPassed(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		item string
		want readiness.Status
	}{
		{time.Date(2026, 12, 10, 16, 0, 0, 0, time.UTC), "event scaling coder-ws-spot in us-east-2", readiness.Pass},
		{time.Date(2026, 12, 11, 16, 0, 0, 0, time.UTC), "event scaling", readiness.Warn},
	} {
		w := readyWorld(t)
		sf, err := config.ReadStackFile("../../Pulumi.workshop.yaml", "coder-platform")
		require.NoError(t, err)
		cfg, err := config.LoadAt("coder-platform", "workshop", sf.Source(), c.at)
		require.NoError(t, err)
		cfg.Coder.AccessURL, cfg.Regions = w.cfg.Coder.AccessURL, w.cfg.Regions
		w.cfg = cfg
		rep := w.check(t, c.at)
		assert.Equal(t, c.want, statuses(rep)[c.item], c.at)
	}
}
