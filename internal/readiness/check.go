package readiness

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/platformeng/coder-platform/internal/coderapi"
	"github.com/platformeng/coder-platform/internal/preflight"
	"github.com/platformeng/coder-platform/stacks"
	"github.com/platformeng/coder-platform/stacks/config"
)

// CertificateDays is the least validity an access URL's certificate may
// have left at the time of the check.
const CertificateDays = 30

// Status is one item's verdict; only FAIL makes the platform not ready.
type Status string

const (
	Pass Status = "PASS"
	Warn Status = "WARN"
	Fail Status = "FAIL"
)

// Item is one line of the checklist.
type Item struct {
	Name   string
	Status Status
	Detail string
}

// Report is the checklist.
type Report struct {
	At    time.Time
	Items []Item
}

// Ready reports whether no item failed.
func (r Report) Ready() bool {
	for _, it := range r.Items {
		if it.Status == Fail {
			return false
		}
	}
	return true
}

// WriteText prints the checklist and the verdict.
func (r Report) WriteText(w io.Writer) {
	failed := 0
	for _, it := range r.Items {
		fmt.Fprintf(w, "[%s] %s: %s\n", it.Status, it.Name, it.Detail)
		if it.Status == Fail {
			failed++
		}
	}
	if failed == 0 {
		fmt.Fprintf(w, "\nREADY as of %s (%d checks).\n", r.At.Format(time.RFC3339), len(r.Items))
		return
	}
	fmt.Fprintf(w, "\nNOT READY as of %s: %d of %d checks failed.\n", r.At.Format(time.RFC3339), failed, len(r.Items))
}

// Inputs are what the check reads.
type Inputs struct {
	// Config is the stack's config, loaded at the check's time (At).
	Config  *config.Plan
	At      time.Time
	Coderd  Coderd
	AWS     AWS
	Account *preflight.Account
	// TLS configures the certificate check's connections (RootCAs in tests).
	TLS *tls.Config
}

// Check runs every item; an item that cannot be read fails, naming why.
func Check(ctx context.Context, in Inputs) Report {
	r := Report{At: in.At}
	add := func(name string, s Status, detail string, args ...any) {
		r.Items = append(r.Items, Item{Name: name, Status: s, Detail: fmt.Sprintf(detail, args...)})
	}
	cfg := in.Config
	checkCoderd(ctx, in, add)
	checkProxies(ctx, in, add)
	orgs, err := in.Coderd.Organizations(ctx)
	if err != nil {
		add("organizations", Fail, "%v", err)
	} else {
		checkProvisioners(ctx, in, orgs, add)
		checkTemplates(ctx, in, orgs, add)
	}
	checkSchedules(ctx, in, add)
	if rep, err := preflight.Check(ctx, in.Account, stacks.QuotaNeeds(cfg)); err != nil {
		add("service quotas", Fail, "%v", err)
	} else if short := rep.Shortfalls(); len(short) > 0 {
		var codes []string
		for _, s := range short {
			codes = append(codes, fmt.Sprintf("%s %s (need %d + %d used, quota %g)", s.Region, s.Quota.Code, s.Amount, s.Used, s.Value))
		}
		add("service quotas", Fail, "short: %s; run `platform preflight --stack %s` for the requests to file", strings.Join(codes, "; "), cfg.Name)
	} else {
		add("service quotas", Pass, "%d quotas have room for the stack", len(rep.Rows))
	}
	checkCertificates(in, add)
	checkImages(ctx, in, add)
	return r
}

type adder func(name string, s Status, detail string, args ...any)

func checkCoderd(ctx context.Context, in Inputs, add adder) {
	if err := in.Coderd.Healthz(ctx); err != nil {
		add("coderd /healthz", Fail, "%v", err)
	} else {
		add("coderd /healthz", Pass, "OK")
	}
	if h, err := in.Coderd.Health(ctx); err != nil {
		add("coderd health report", Fail, "%v", err)
	} else {
		// The verdict is the worst section nobody dismissed: coderd's own
		// top-level severity counts dismissed ones too.
		worst, dismissed := "ok", 0
		var bad []string
		for _, name := range slices.Sorted(maps.Keys(h.Sections)) {
			s := h.Sections[name]
			switch {
			case s.Severity == "ok":
			case s.Dismissed:
				dismissed++
			default:
				bad = append(bad, name+" "+s.Severity)
				if s.Severity == "error" || worst == "ok" {
					worst = s.Severity
				}
			}
		}
		if len(h.Sections) == 0 {
			worst = h.Severity // an unknown layout: trust the report
		}
		note := ""
		if dismissed > 0 {
			note = fmt.Sprintf(" (%d dismissed section(s) ignored)", dismissed)
		}
		switch worst {
		case "ok":
			add("coderd health report", Pass, "severity ok%s", note)
		case "warning":
			add("coderd health report", Warn, "severity warning: %s%s", strings.Join(bad, ", "), note)
		default:
			add("coderd health report", Fail, "severity %s: %s%s", worst, strings.Join(bad, ", "), note)
		}
	}
	want := in.Config.Coder.Version
	if b, err := in.Coderd.BuildInfo(ctx); err != nil {
		add("coderd version", Fail, "%v", err)
	} else if !coderapi.SameVersion(b.Version, want) {
		add("coderd version", Fail, "coderd runs %s, the stack declares %s", b.Version, want)
	} else {
		add("coderd version", Pass, "%s", b.Version)
	}
}

// checkProxies: every proxy region's proxy (named after its region, as the
// runbook creates it) registered, healthy and on the stack's version.
func checkProxies(ctx context.Context, in Inputs, add adder) {
	var regions []string
	for _, rc := range in.Config.Regions {
		if rc.Role.RunsProxy() {
			regions = append(regions, rc.Name)
		}
	}
	if len(regions) == 0 {
		return
	}
	proxies, err := in.Coderd.Proxies(ctx)
	if err != nil {
		add("workspace proxies", Fail, "%v", err)
		return
	}
	byName := map[string]Proxy{}
	for _, p := range proxies {
		if !p.Deleted {
			byName[p.Name] = p
		}
	}
	for _, region := range regions {
		name := "proxy " + region
		p, ok := byName[region]
		switch {
		case !ok:
			add(name, Fail, "not registered with coderd (coder wsproxy create --name %s; docs/runbooks.md, Workspace proxy tokens)", region)
		case p.Status.Status != "ok" || !p.Healthy:
			add(name, Fail, "status %s %s", p.Status.Status, strings.Join(p.Status.Report.Errors, "; "))
		case !coderapi.SameVersion(p.Version, in.Config.Coder.Version):
			add(name, Fail, "runs %s, the stack declares %s", p.Version, in.Config.Coder.Version)
		default:
			add(name, Pass, "registered, healthy, %s", p.Version)
		}
	}
}

func orgID(orgs []Organization, name string) (string, bool) {
	for _, o := range orgs {
		if o.Name == name || (name == "default" && o.IsDefault) {
			return o.ID, true
		}
	}
	return "", false
}

// checkProvisioners: in every region, each pool's daemons connected with
// the pool's key tags, at least as many as the pool's floor. Offline
// daemons are reported: coderd routes no job to them, and keeps the record
// of a replaced pod for days.
func checkProvisioners(ctx context.Context, in Inputs, orgs []Organization, add adder) {
	cfg := in.Config
	for _, o := range cfg.Coder.Provisioners.Organizations {
		id, ok := orgID(orgs, o.Name)
		if !ok {
			add("provisioners "+o.Name, Fail, "organization %s does not exist in coderd", o.Name)
			continue
		}
		daemons, err := in.Coderd.Daemons(ctx, id)
		if err != nil {
			add("provisioners "+o.Name, Fail, "%v", err)
			continue
		}
		for _, rc := range cfg.Regions {
			want := stacks.ProvisionerTags(o, rc.Name)
			floor := 0
			for _, pool := range cfg.Capacity().Region(rc.Name).Provisioners.Pools {
				if pool.Name == o.Name {
					floor = pool.Replicas
					if pool.Autoscaled {
						floor = pool.Min
					}
				}
			}
			online, offline := 0, 0
			for _, d := range daemons {
				if !hasTags(d.Tags, want) {
					continue
				}
				if d.Status == "offline" {
					offline++
				} else {
					online++
				}
			}
			name := fmt.Sprintf("provisioners %s in %s", o.Name, rc.Name)
			switch {
			case online < floor:
				add(name, Fail, "%d connected with tags %v, %d expected (%d offline)", online, want, floor, offline)
			case offline > 0:
				add(name, Warn, "%d connected, %d stale (offline) daemon record(s): coderd routes no job to them", online, offline)
			default:
				add(name, Pass, "%d connected with tags %v (at least %d)", online, want, floor)
			}
		}
	}
}

func hasTags(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// checkTemplates: each delivered template's active version is the one the
// stack composed (its version name carries the content hash).
func checkTemplates(ctx context.Context, in Inputs, orgs []Organization, add adder) {
	t := in.Config.Templates
	if !t.Delivering() {
		return
	}
	id, ok := orgID(orgs, t.Organization)
	if !ok {
		add("templates", Fail, "organization %s does not exist in coderd", t.Organization)
		return
	}
	live, err := in.Coderd.Templates(ctx, id)
	if err != nil {
		add("templates", Fail, "%v", err)
		return
	}
	byName := map[string]Template{}
	for _, l := range live {
		byName[l.Name] = l
	}
	for _, c := range in.Config.Composed() {
		name := "template " + c.Name
		l, ok := byName[c.Name]
		if !ok {
			add(name, Fail, "not in organization %s: the delivery Job has not run or failed", t.Organization)
			continue
		}
		v, err := in.Coderd.TemplateVersion(ctx, l.ActiveVersionID)
		switch {
		case err != nil:
			add(name, Fail, "%v", err)
		case v.Name != c.VersionName():
			add(name, Fail, "active version %s, the stack delivers %s", v.Name, c.VersionName())
		default:
			add(name, Pass, "active version %s", v.Name)
		}
	}
}

// checkSchedules: the event's scaling actions still ahead of the check's
// time exist on each node group with the planned sizes, so capacity for the
// declared users is in service when the event starts.
func checkSchedules(ctx context.Context, in Inputs, add adder) {
	cfg := in.Config
	ev := cfg.Event()
	if ev == nil {
		return
	}
	if len(ev.Upcoming) == 0 {
		add("event scaling", Warn, "the event (%s to %s) has begun or passed: no scaling action is ahead", ev.Start.Format(time.RFC3339), ev.End.Format(time.RFC3339))
		return
	}
	for _, rc := range cfg.Regions {
		for _, g := range stacks.NodeGroupSpecs(cfg, rc.Name) {
			if len(g.Schedule) == 0 {
				continue
			}
			name := fmt.Sprintf("event scaling %s in %s", g.Name, rc.Name)
			live, err := in.AWS.ScheduledActions(ctx, rc.Name, stacks.ClusterName(cfg, rc.Name), g.Name)
			if err != nil {
				add(name, Fail, "%v", err)
				continue
			}
			var problems, found []string
			for _, want := range g.Schedule {
				start, _ := time.Parse(time.RFC3339, want.StartTime)
				var got *Action
				for i := range live {
					if live[i].Name == want.Name {
						got = &live[i]
					}
				}
				switch {
				case got == nil:
					problems = append(problems, want.Name+" missing (run pulumi up)")
				case !got.StartTime.Equal(start):
					problems = append(problems, fmt.Sprintf("%s starts %s, not %s", want.Name, got.StartTime.Format(time.RFC3339), want.StartTime))
				case got.MinSize < want.MinSize:
					problems = append(problems, fmt.Sprintf("%s raises the floor to %d, the plan needs %d", want.Name, got.MinSize, want.MinSize))
				default:
					found = append(found, fmt.Sprintf("%s at %s (min %d)", want.Name, want.StartTime, want.MinSize))
				}
			}
			if len(problems) > 0 {
				add(name, Fail, "%s", strings.Join(problems, "; "))
			} else {
				add(name, Pass, "%s; sized for %d users", strings.Join(found, ", "), cfg.Workload.Users)
			}
		}
	}
}

// checkCertificates: the certificate each access URL serves is valid for
// CertificateDays more days at the check's time.
func checkCertificates(in Inputs, add adder) {
	urls := map[string]string{"coderd": in.Config.Coder.AccessURL}
	for _, rc := range in.Config.Regions {
		if rc.Role.RunsProxy() {
			urls["proxy "+rc.Name] = rc.AccessURL
		}
	}
	for _, who := range slices.Sorted(maps.Keys(urls)) {
		name := "certificate of " + who
		u, err := url.Parse(urls[who])
		if err != nil {
			add(name, Fail, "%v", err)
			continue
		}
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "443")
		}
		conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
		if in.TLS != nil {
			conf = in.TLS.Clone()
			conf.ServerName = u.Hostname()
		}
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", host, conf)
		if err != nil {
			add(name, Fail, "%s: %v", urls[who], err)
			continue
		}
		cert := conn.ConnectionState().PeerCertificates[0]
		_ = conn.Close()
		left := cert.NotAfter.Sub(in.At)
		days := int(left.Hours() / 24)
		if left < CertificateDays*24*time.Hour {
			add(name, Fail, "%s expires %s, %d days after the check's time (at least %d needed)", urls[who], cert.NotAfter.Format(time.RFC3339), days, CertificateDays)
		} else {
			add(name, Pass, "%s valid until %s (%d days)", urls[who], cert.NotAfter.Format("2006-01-02"), days)
		}
	}
}

// checkImages: every image the pod templates offer is in the repository.
// The repository lives in one region; the others pull across regions.
func checkImages(ctx context.Context, in Inputs, add adder) {
	t := in.Config.Templates
	tagSet := map[string]bool{}
	for _, c := range in.Config.Composed() {
		if c.Base == nil || c.Base.Platform != "kubernetes" {
			continue
		}
		for _, img := range c.Base.Images {
			tagSet[img.ID] = true
		}
		if gui, _ := c.Settings["gui_enabled"].(bool); gui {
			tagSet["kasmvnc"] = true
		}
	}
	if len(tagSet) == 0 || t.ImageRepository == "" {
		return
	}
	tags := slices.Sorted(maps.Keys(tagSet))
	missing, err := in.AWS.MissingImages(ctx, t.ImageRepository, tags)
	var regions []string
	for _, rc := range in.Config.Regions {
		regions = append(regions, rc.Name)
	}
	switch {
	case err != nil:
		add("workspace images", Fail, "%v", err)
	case len(missing) > 0:
		add("workspace images", Fail, "%s lacks %s (pulled by %s)", t.ImageRepository, strings.Join(missing, ", "), strings.Join(regions, ", "))
	default:
		add("workspace images", Pass, "%s holds %s for %s", t.ImageRepository, strings.Join(tags, ", "), strings.Join(regions, ", "))
	}
}
