// Package stacks assembles the platform's components for every region of a
// stack from its typed config. main.go runs Program under the Pulumi engine;
// the offline preview runs the very same Program under the mock monitor.
package stacks

import (
	"context"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/dns"
	"github.com/platformeng/coder-platform/components/registry"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Options are hooks for callers other than the Pulumi engine.
type Options struct {
	// Config, when set, is used instead of loading the stack config again
	// (the offline preview validates it before running the program).
	Config *config.Plan
	// Report receives every diagnostic in addition to the engine log.
	Report func(Diagnostic)
	// Now, when set, is the time config is loaded at instead of the wall
	// clock's (config.LoadAt), for tests.
	Now time.Time
	// Offline runs the program under the mock monitor: nothing leaves the
	// process, so there is no quota pre-flight (its needs are printed).
	Offline bool
	// AWS, when set, is the AWS SDK config the quota pre-flight of `pulumi
	// up` reads the account with, instead of the default credential chain.
	AWS *awssdk.Config
}

// Program is the Pulumi program of this project.
func Program(opts Options) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		cfg := opts.Config
		if cfg == nil {
			var err error
			now := opts.Now
			if now.IsZero() {
				now = time.Now()
			}
			cfg, err = config.LoadAt(ctx.Project(), ctx.Stack(), ContextSource(ctx), now)
			if err != nil {
				_ = ctx.Log.Error(err.Error(), nil)
				return err
			}
		}
		if !ctx.DryRun() && !opts.Offline {
			// Only an update needs the quotas; a preview prints the needs.
			if err := gateQuotas(ctx, cfg, opts); err != nil {
				return err
			}
		}
		_, err := Deploy(ctx, cfg, opts)
		return err
	}
}

// Platform is everything a stack deployed, per region.
type Platform struct {
	// ControlPlane is the region of coderd and the database; proxies
	// register with it and reach its load balancer.
	ControlPlane *Region
	// Regions are every region, the control plane first.
	Regions []*Region
	Zone    *dns.Zone
	// images are the stack's images and digests, resolved in the control
	// plane (stacks/registry.go); nil with images.ecr off.
	images *stackImages
	// providers maps every region the stack touches (its own regions and the
	// backup-copy region) to that region's AWS provider.
	providers map[string]*aws.Provider
	// warmer fills the regions' pull-through caches during an update; nil
	// in a preview, which only records what an update fills.
	warmer registry.Warmer
}

// Deploy registers every component of the stack.
func Deploy(ctx *pulumi.Context, cfg *config.Plan, opts Options) (*Platform, error) {
	if !cfg.Built() {
		return nil, fmt.Errorf("stack plan was not built by config.Load: it has no capacity plan or composed templates")
	}
	d := &diagnostics{ctx: ctx, report: opts.Report}
	p := &Platform{providers: map[string]*aws.Provider{}}
	if !ctx.DryRun() && !opts.Offline {
		awsCfg, err := sdkConfig(context.Background(), opts)
		if err != nil {
			return nil, fmt.Errorf("the AWS config to fill the registries' caches with: %w", err)
		}
		p.warmer = registry.NewWarmer(awsCfg)
	}
	reportPassedEvent(cfg, d)
	reportCapacity(cfg, "stack", d)
	reportIdentity(cfg, d)
	// The control plane first: proxies register with it.
	order := []*config.Region{cfg.ControlPlane()}
	for i := range cfg.Regions {
		if rc := &cfg.Regions[i]; rc != order[0] {
			order = append(order, rc)
		}
	}
	for _, rc := range order {
		r, err := newRegion(ctx, cfg, rc)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", rc.Name, err)
		}
		p.Regions = append(p.Regions, r)
		p.providers[r.Config.Name] = r.Provider
		if rc.Role.RunsCoderd() {
			p.ControlPlane = r
		}
	}
	if copyRegion := cfg.Database.Backup.CopyRegion; p.providers[copyRegion] == nil {
		prov, err := newAWSProvider(ctx, cfg, copyRegion, nil)
		if err != nil {
			return nil, err
		}
		p.providers[copyRegion] = prov
	}
	zone, err := newZone(ctx, cfg, p.ControlPlane.Provider)
	if err != nil {
		return nil, err
	}
	p.Zone = zone
	for _, r := range p.Regions {
		if err := deployRegion(ctx, cfg, p, r, d); err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Config.Name, err)
		}
	}
	if err := deployDashboards(ctx, cfg, p); err != nil {
		return nil, fmt.Errorf("dashboards: %w", err)
	}
	if err := deployCostControl(ctx, cfg, p, d); err != nil {
		return nil, fmt.Errorf("cost controls: %w", err)
	}
	exportOutputs(ctx, cfg, p)
	return p, nil
}
