package stacks

import (
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/coder"
	"github.com/platformeng/coder-platform/components/delivery"
	"github.com/platformeng/coder-platform/components/scaletest"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/stacks/config"
	"github.com/platformeng/coder-platform/templates/compose"
)

// ScaletestGroup is the access group the scale-test template is declared
// for: it has no members outside a run, so no one uses the template then.
// A run builds every workspace as the automation account (an owner, who
// needs no grant: create-workspaces --use-host-login), which joins the
// group while the run lasts for its quota allowance, as do the dashboard
// command's users (components/scaletest/run.sh, docs/scaletest.md).
const ScaletestGroup = "scaletest"

// addScaletestTemplate delivers the scale-test template with the others
// when the scale test is on: the tested composition again, under its own
// name, display name and (empty) access group, which the Day-2
// configuration creates and holds at a quota allowance of the run's
// workspaces. Coder's quota is per owner: every workspace of a run is the
// automation account's, and Everyone's allowance is a person's few
// (configuredGroups); allowances add up across a member's groups
// (coder/coder v2.35.1 coderd/database/queries/quotas.sql
// GetQuotaAllowanceForUser), and only members of the group have it.
func addScaletestTemplate(cfg *config.Plan, args *coder.CoderArgs) {
	st := cfg.Scaletest
	t := args.Templates
	if !st.Enabled || t == nil {
		return
	}
	i := slices.IndexFunc(t.Composed, func(ct *compose.Template) bool { return ct.Name == st.Template })
	if i < 0 {
		return // validation names the template
	}
	cp := *t.Composed[i]
	comp := *cp.Composition
	cp.Name, cp.Composition = st.TemplateName(), &comp
	comp.DisplayName = "Scale test: " + comp.DisplayName
	comp.Description = "Workspaces of `coder exp scaletest` runs only (docs/scaletest.md). " + comp.Description
	t.Composed = append(slices.Clone(t.Composed), &cp)
	t.Groups = maps.Clone(t.Groups)
	if t.Groups == nil {
		t.Groups = map[string][]string{}
	}
	t.Groups[cp.Name] = []string{ScaletestGroup}
	args.Configuration.Groups = append(slices.Clone(args.Configuration.Groups),
		delivery.Group{Organization: t.Organization, Name: ScaletestGroup, QuotaAllowance: scaletestAllowance(cfg)})
}

// scaletestAllowance is the scale-test group's quota allowance: every
// workspace of a run at the tested template's daily cost (at least one
// credit, so that a template that starts costing one is still covered).
func scaletestAllowance(cfg *config.Plan) int {
	st := cfg.Scaletest
	cost := 1
	for _, ct := range cfg.Composed() {
		if ct.Name == st.Template {
			cost = max(cost, ct.Facts.DailyCost)
		}
	}
	return st.Workspaces * cost
}

// scaletestImages are the images a scale-test run pulls besides coder's
// (Images lists them with the stack's, to pin and resolve).
func scaletestImages(cfg *config.Plan) []Image {
	st := cfg.Scaletest
	if !st.Enabled {
		return nil
	}
	out := []Image{{Ref: scaletest.UploadImage, Use: "the scale test's result upload", ControlPlaneOnly: true}}
	if st.Image != "" {
		out = append(out, Image{Ref: st.Image, Use: "the scale test's commands (coder with Chromium)", ControlPlaneOnly: true})
	}
	return out
}

// deployScaletest registers the scale test in the control-plane region
// once the automation account's token holds a value.
func deployScaletest(s *scope) error {
	cfg, r := s.cfg, s.r
	st := cfg.Scaletest
	if !st.Enabled || !r.Config.Role.RunsCoderd() || r.Coder == nil {
		return nil
	}
	admin := coder.SecretName(cfg.Name, r.Config.Name, coder.PurposeAdminToken)
	if slices.Contains(r.Coder.Pending, admin) {
		s.d.add(Warning, r.Config.Name+" scaletest", "not created yet, waiting for a value in %s (docs/runbooks.md, first deployment)", admin)
		return nil
	}
	var tokenArn pulumi.StringOutput
	for _, c := range r.Coder.Credentials() {
		if c.Purpose == coder.PurposeAdminToken {
			tokenArn = c.Arn
		}
	}
	args := scaletestArgs(s, admin, tokenArn)
	// The region's references of the images: its registry, by digest.
	_, refs, err := regionImages(s)
	if err != nil {
		return err
	}
	for _, img := range []*string{&args.Image, &args.UploadImage} {
		if ref := refs[*img]; ref != "" {
			*img = ref
		}
	}
	_, err = scaletest.New(s.ctx, s.name+"-scaletest", args, s.after(r.Coder)...)
	return err
}

func scaletestArgs(s *scope, admin string, tokenArn pulumi.StringOutput) *scaletest.Args {
	cfg, r := s.cfg, s.r
	st := cfg.Scaletest
	d := st.Durations()
	run := scaletest.Run{
		Workspaces: st.Workspaces, Concurrency: st.Concurrency, Retry: st.Retry,
		Timeout: d.Timeout, JobTimeout: d.JobTimeout, Cleanup: st.CleanupOn(), CleanupTimeout: d.Cleanup, Budget: st.Budget(),
	}
	if st.Runs(config.ScaletestWorkspaceTraffic) {
		w := st.WorkspaceTraffic
		run.Traffic = &scaletest.Traffic{Duration: d.Traffic, TickInterval: d.TickInterval, BytesPerTick: w.BytesPerTick, SSH: w.SSH}
	}
	if st.Runs(config.ScaletestDashboard) {
		run.Dashboard = &scaletest.Dashboard{Users: st.Dashboard.Users, Duration: d.Dashboard, Interval: d.Interval, Jitter: d.Jitter}
	}
	image := st.Image
	if image == "" {
		image = coder.Image + ":" + cfg.Coder.Version
	}
	var features []string
	if l := cfg.Coder.License; l != nil {
		features = l.Features
	}
	return &scaletest.Args{
		Stack: cfg.Name, Region: r.Config.Name, CoderURL: cfg.Coder.AccessURL, Image: image, UploadImage: scaletest.UploadImage,
		Organization: cfg.Templates.Organization, Template: st.TemplateName(), Group: ScaletestGroup, GroupAllowance: scaletestAllowance(cfg), Run: run,
		Schedule: st.Schedule, RetentionDays: st.ResultsRetentionDays, BucketName: s.name + "-results",
		LicensedFeatures: features,
		AdminToken:       scaletest.Secret{Name: admin, Arn: tokenArn},
		SecretsKeyArn:    r.Keys.Arn(security.KeySecrets), BucketKeyArn: r.Keys.Arn(security.KeyS3),
		KubeProvider: r.Cluster.KubeProvider, OIDC: r.Cluster.OIDC, Namespace: workloads.NamespaceCoder,
		Tier: workloads.TierControl, DependsOn: []pulumi.Resource{r.Coder},
	}
}
