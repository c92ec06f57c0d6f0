package cost

import (
	"fmt"

	"github.com/platformeng/coder-platform/internal/preview"
)

func kmsKey(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("key", 1, c.table.Service(c.region(r), "kmsKeyMonth"), "1 customer-managed key (requests not counted)")}, ""
}

func secret(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("secret", 1, c.table.Service(c.region(r), "secretMonth"), "1 secret (API calls not counted)")}, ""
}

// dnsZone: a Route 53 zone the stack uses (created or looked up) and its
// standard queries; a Cloudflare zone is not an AWS cost.
func dnsZone(c *ctx, r *preview.Resource) ([]Line, string) {
	if str(r, "provider") != "route53" {
		return nil, "DNS is served by " + str(r, "provider") + ", outside AWS"
	}
	how := "looked up, existing"
	if v, ok := r.Input("createZone"); ok && v.IsBool() && v.BoolValue() {
		how = "created by the stack"
	}
	return []Line{
		line("hosted zone", 1, c.table.Service("global", "route53HostedZoneMonth"), fmt.Sprintf("1 hosted zone (%s)", how)),
		line("queries", route53Queries/1e6, c.table.Service("global", "route53QueriesPerMillion"),
			fmt.Sprintf("%.1f M standard queries (assumed; alias queries to the NLB are free)", route53Queries/1e6)),
	}, ""
}

func route53Zone(c *ctx, r *preview.Resource) ([]Line, string) {
	return []Line{line("hosted zone", 1, c.table.Service("global", "route53HostedZoneMonth"), "1 hosted zone")}, ""
}
