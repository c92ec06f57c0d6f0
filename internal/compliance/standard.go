package compliance

import (
	"fmt"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/policy/controls"
	"github.com/platformeng/coder-platform/stacks/config"
)

// Standard is the standard both stacks claim: the controls of
// policy/controls, which the security component enables in Security Hub.
const Standard = "AWS Foundational Security Best Practices v1.0.0"

// fsbpGenerators are the GeneratorId prefixes of FSBP control findings:
// consolidated control findings ("security-control/S3.5"), and the
// per-standard ones of accounts that predate them.
var fsbpGenerators = []string{"security-control/", "aws-foundational-security-best-practices/v/1.0.0/"}

// Claimed is what a stack claims: with FSBP among its Security Hub
// standards (security.securityHub.standards), every control of the table;
// a control AWS moved out of FSBP stays claimed, and is marked so.
func Claimed(plan *config.Plan) (string, []controls.Control, error) {
	if plan == nil || !slices.Contains(plan.Security.SecurityHub.Standards, config.StandardFSBP) {
		var got []string
		if plan != nil {
			got = plan.Security.SecurityHub.Standards
		}
		return "", nil, fmt.Errorf("the stack does not claim %s (security.securityHub.standards is %v), the only standard policy/controls maps", Standard, got)
	}
	return Standard, controls.All(), nil
}

// group is the service a control belongs to, the prefix of its ID ("S3"
// for "S3.5"), as Security Hub groups controls.
func group(id string) string {
	g, _, _ := strings.Cut(id, ".")
	return g
}
