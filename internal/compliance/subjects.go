package compliance

import (
	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/rules"
)

// stackSubjects are the resource types each stack policy judges. Resource
// policies declare theirs (rules.Policy.Types); stack policies do not, and
// a control whose only subjects are absent is not applicable, not passed.
// subjects_test.go fails when a stack policy a control cites is missing.
var stackSubjects = map[string][]string{
	"rds-cluster-tls-parameter-group":    {"aws:rds/cluster:Cluster"},
	"s3-tls-only":                        {"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"},
	"s3-sse-kms":                         {"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"},
	"s3-public-access-block":             {"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"},
	"sg-world-443-only-on-load-balancer": {"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroupRule:SecurityGroupRule"},
	"vpc-flow-logs":                      {"aws:ec2/vpc:Vpc"},
	"backup-cross-region":                {"aws:rds/cluster:Cluster", "aws:rds/instance:Instance", "aws:dynamodb/table:Table", "aws:efs/fileSystem:FileSystem"},
	"secrets-rotation":                   {"aws:secretsmanager/secret:Secret"},
	"coder-version-consistency":          {tokens.Coder},
}

// applicable reports whether any resource of the preview is one p judges.
func applicable(p *rules.Policy, rs []*preview.Resource) bool {
	subjects, isStack := stackSubjects[p.Name]
	for _, r := range rs {
		if p.Applies(r.Type) {
			return true
		}
		for _, t := range subjects {
			if r.Type == t {
				return true
			}
		}
	}
	// A stack policy without listed subjects judges the stack as a whole.
	return p.CheckStack != nil && !isStack && len(rs) > 0
}
