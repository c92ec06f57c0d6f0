package compliance

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/platformeng/coder-platform/internal/preview"
)

// Live is what the account says about a control.
type Live struct {
	// ConfigCompliance is the Config rule's compliance by region:
	// COMPLIANT, NON_COMPLIANT (with the count of resources),
	// INSUFFICIENT_DATA, or NOT_DEPLOYED where the region has no such rule.
	ConfigCompliance map[string]string `json:"configCompliance"`
	// Findings are Security Hub's active, open, failed findings.
	Findings []Finding `json:"findings"`
}

// Finding is one Security Hub control finding.
type Finding struct {
	Region   string `json:"region"`
	ID       string `json:"id"`
	Resource string `json:"resource"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
}

// NotDeployed is the compliance of a rule a region does not have.
const NotDeployed = "NOT_DEPLOYED"

// Sources is what the live read asks, from the stack's config: a source
// the stack switches off is not asked (AWS would refuse, or answer for
// someone else's rules).
type Sources struct {
	// Rules are the Config rules the preview deploys (DeployedRules).
	Rules RuleNames
	// Home is the control-plane region, where account-wide rules live.
	Home                string
	Config, SecurityHub bool
}

// SourcesOf reads the sources from a preview.
func SourcesOf(res *preview.Result) Sources {
	src := Sources{Rules: DeployedRules(res.Resources), Config: true, SecurityHub: true}
	if p := res.Config; p != nil {
		if cp := p.ControlPlane(); cp != nil {
			src.Home = cp.Name
		}
		src.Config, src.SecurityHub = p.Security.Config.On(), p.Security.SecurityHub.On()
	}
	return src
}

// ReadLive reads, region by region, the compliance of the controls' Config
// rules and the open Security Hub findings of the controls, and attaches
// them to the report. cfg's BaseEndpoint, credentials and retryer are used
// as given; only the region changes.
func (r *Report) ReadLive(ctx context.Context, cfg aws.Config, src Sources) error {
	for i := range r.Controls {
		r.Controls[i].Live = &Live{ConfigCompliance: map[string]string{}, Findings: []Finding{}}
	}
	byID := map[string]*ControlResult{}
	var ids []string
	for i := range r.Controls {
		byID[r.Controls[i].ID] = &r.Controls[i]
		ids = append(ids, r.Controls[i].ID)
	}
	for _, region := range r.Regions {
		rc := cfg.Copy()
		rc.Region = region
		if src.Config {
			got, err := configCompliance(ctx, rc, r.ruleNames(src.Rules, region, src.Home))
			if err != nil {
				return err
			}
			for id, c := range got {
				byID[id].Live.ConfigCompliance[region] = c
			}
		}
		if !src.SecurityHub {
			continue
		}
		fs, err := findings(ctx, rc, ids)
		if err != nil {
			return err
		}
		for _, f := range fs {
			if c := byID[f.control]; c != nil {
				c.Live.Findings = append(c.Live.Findings, f.Finding)
			}
		}
	}
	return nil
}

// configCell is the live Config compliance as one table cell.
func (l *Live) configCell() string {
	regions := make([]string, 0, len(l.ConfigCompliance))
	for region := range l.ConfigCompliance {
		regions = append(regions, region)
	}
	sort.Strings(regions)
	var parts []string
	for _, region := range regions {
		parts = append(parts, fmt.Sprintf("%s: %s", region, l.ConfigCompliance[region]))
	}
	return strings.Join(parts, "<br>")
}
