package preview

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// AWS limits the length and characters of physical names. The provider
// checks some at preview and AWS the rest at create time; the offline
// preview checks them all, on the name the engine would send: the explicit
// name input, or Pulumi's auto-name (the logical name, "-" and 7 random
// characters: AutoNameSuffix). Config validation checks the same limits
// for any stack and region name it accepts (stacks/config/names.go).

// AutoNameSuffix is how much Pulumi's auto-naming adds to a logical name.
const AutoNameSuffix = 8

// nameRule is the limit of one resource type's physical name.
type nameRule struct {
	// prop is the input that carries the name; prefix the one that carries
	// a name prefix, if the type has one.
	prop, prefix string
	max          int
	prefixMax    int
	pattern      *regexp.Regexp
	autoname     bool
	source       string
}

var (
	alnumHyphen      = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$`)
	rdsIdentifier    = regexp.MustCompile(`^[a-z](?:-?[a-z0-9])*$`)
	bucketChars      = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)
	iamRoleChars     = regexp.MustCompile(`^[\w+=,.@-]+$`)
	eksClusterChars  = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]*$`)
	lambdaChars      = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	backupVaultChars = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	kmsAliasChars    = regexp.MustCompile(`^alias/[A-Za-z0-9/_-]+$`)
)

var nameRules = map[string]nameRule{
	"aws:lb/loadBalancer:LoadBalancer": {prop: "name", prefix: "namePrefix", max: 32, prefixMax: 6, pattern: alnumHyphen, autoname: true,
		source: "Elastic Load Balancing CreateLoadBalancer: at most 32 alphanumeric characters or hyphens, not starting or ending with a hyphen"},
	"aws:lb/targetGroup:TargetGroup": {prop: "name", prefix: "namePrefix", max: 32, prefixMax: 6, pattern: alnumHyphen, autoname: true,
		source: "Elastic Load Balancing CreateTargetGroup: at most 32 alphanumeric characters or hyphens"},
	"aws:iam/role:Role": {prop: "name", prefix: "namePrefix", max: 64, prefixMax: 38, pattern: iamRoleChars, autoname: true,
		source: "IAM CreateRole: RoleName at most 64 characters"},
	"aws:rds/cluster:Cluster": {prop: "clusterIdentifier", max: 63, pattern: rdsIdentifier, autoname: true,
		source: "RDS CreateDBCluster: 1–63 lowercase letters, digits or hyphens; first a letter; no double or trailing hyphen"},
	"aws:rds/clusterInstance:ClusterInstance": {prop: "identifier", max: 63, pattern: rdsIdentifier, autoname: true,
		source: "RDS CreateDBInstance: 1–63 lowercase letters, digits or hyphens; first a letter; no double or trailing hyphen"},
	"aws:s3/bucketV2:BucketV2": {prop: "bucket", prefix: "bucketPrefix", max: 63, prefixMax: 37, pattern: bucketChars, autoname: true,
		source: "S3: bucket names 3–63 lowercase characters; bucket_prefix at most 37"},
	tEKSCluster: {prop: "name", max: 100, pattern: eksClusterChars, autoname: true,
		source: "EKS CreateCluster: 1–100 characters, ^[0-9A-Za-z][A-Za-z0-9-_]*$"},
	"aws:lambda/function:Function": {prop: "name", max: 64, pattern: lambdaChars, autoname: true,
		source: "Lambda CreateFunction: at most 64 letters, digits, hyphens or underscores"},
	"aws:backup/vault:Vault": {prop: "name", max: 50, pattern: backupVaultChars, autoname: true,
		source: "AWS Backup CreateBackupVault: 2–50 letters, digits, hyphens or underscores"},
	"aws:backup/plan:Plan": {prop: "name", max: 50, autoname: true,
		source: "AWS Backup CreateBackupPlan: BackupPlanName at most 50 characters"},
	"aws:cloudwatch/eventRule:EventRule": {prop: "name", prefix: "namePrefix", max: 64, autoname: true,
		source: "EventBridge PutRule: at most 64 characters"},
	"aws:kms/alias:Alias": {prop: "name", max: 256, pattern: kmsAliasChars,
		source: "KMS CreateAlias: alias/ followed by letters, digits, /, _ or -"},
}

// checkName judges res's physical name against its type's AWS limit.
func checkName(res *Resource) error {
	rule, ok := nameRules[res.Type]
	if !ok {
		return nil
	}
	name, explicit := nameInput(res.Inputs, rule.prop)
	if !explicit && rule.prefix != "" {
		if p, ok := nameInput(res.Inputs, rule.prefix); ok {
			if rule.prefixMax > 0 && len(p) > rule.prefixMax {
				return fmt.Errorf("%s %s: name prefix %q is %d characters; %s (prefix at most %d)", res.Type, res.Name, p, len(p), rule.source, rule.prefixMax)
			}
			if rule.pattern != nil && !rule.pattern.MatchString(p+"a") {
				return fmt.Errorf("%s %s: name prefix %q: %s", res.Type, res.Name, p, rule.source)
			}
			return nil
		}
	}
	if !explicit {
		if !rule.autoname {
			return nil
		}
		name = res.Name + "-" + "abcdefg" // Pulumi's suffix: "-" and 7 characters
	}
	if len(name) > rule.max {
		how := "the name"
		if !explicit {
			how = fmt.Sprintf("the auto-name of %q (with Pulumi's %d-character suffix)", res.Name, AutoNameSuffix)
		}
		return fmt.Errorf("%s %s: %s is %d characters; %s", res.Type, res.Name, how, len(name), rule.source)
	}
	if rule.pattern != nil && !rule.pattern.MatchString(name) {
		return fmt.Errorf("%s %s: name %q: %s", res.Type, res.Name, name, rule.source)
	}
	return nil
}

// nameInput returns a known string input.
func nameInput(in resource.PropertyMap, k string) (string, bool) {
	v, ok := in[resource.PropertyKey(k)]
	if !ok || !v.IsString() || v.StringValue() == "" {
		return "", false
	}
	return v.StringValue(), true
}
