package observability

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/audit"
)

// createTrail is the stack's one CloudTrail: every region, management
// events, digest files for integrity, into a hardened bucket.
func (m *Monitoring) createTrail(ctx *pulumi.Context) error {
	a := m.args
	if !a.Trail {
		return nil
	}
	name := m.name + "-trail"
	_, err := audit.NewTrail(ctx, name, audit.TrailArgs{
		Region: a.Region, AccountID: a.AccountID, KeyArn: a.S3KeyArn,
		RetentionDays: a.TrailRetentionDays, MultiRegion: true, Tags: m.tags(name),
	}, m)
	return err
}
