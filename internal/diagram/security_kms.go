package diagram

import (
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// What a reference to a key means, by the referencing type and input. An
// alias names its key and an IAM policy grants its use (drawn from the
// roles); every other reference hands the key to something that encrypts
// with it.
var notEncryption = map[string]bool{
	"aws:kms/alias:Alias|targetKeyId":      true,
	"aws:iam/rolePolicy:RolePolicy|policy": true,
	"aws:iam/policy:Policy|policy":         true,
}

// encryptedKinds names what a key encrypts, by type and input; an absent
// pair is named by its type.
var encryptedKinds = map[string]string{
	"aws:rds/cluster:Cluster|kmsKeyId":                                                                 "Aurora storage",
	"aws:rds/cluster:Cluster|masterUserSecretKmsKeyId":                                                 "Aurora master password",
	"aws:rds/clusterInstance:ClusterInstance|performanceInsightsKmsKeyId":                              "Performance Insights",
	"aws:cloudwatch/logGroup:LogGroup|kmsKeyId":                                                        "log groups",
	"aws:secretsmanager/secret:Secret|kmsKeyId":                                                        "secrets",
	"aws:ec2/launchTemplate:LaunchTemplate|blockDeviceMappings":                                        "node volumes (launch templates)",
	"kubernetes:storage.k8s.io/v1:StorageClass|parameters":                                             "volumes of StorageClasses",
	"kubernetes:core/v1:ConfigMap|data":                                                                "EC2 workspace volumes (template variables)",
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2|rules": "S3 buckets",
	"aws:cloudtrail/trail:Trail|kmsKeyId":                                                              "CloudTrail log files",
	"aws:sns/topic:Topic|kmsMasterKeyId":                                                               "SNS topic",
	"aws:amp/workspace:Workspace|kmsKeyArn":                                                            "Prometheus workspace",
	"aws:backup/vault:Vault|kmsKeyArn":                                                                 "backup vault",
	"eks:index:Cluster|encryptionConfigKeyArn":                                                         "Kubernetes secrets (envelope)",
}

// addKeys adds the region's keys and, beside them, what each encrypts,
// grouped by kind. It returns the node of each key.
func addKeys(ix *index, g *Graph, reg preview.RegionInfo, rid string) map[*preview.Resource]string {
	keys := ix.under(reg.Res, "aws:kms/key:Key")
	nodes := map[*preview.Resource]string{}
	if len(keys) == 0 {
		return nodes
	}
	kms := g.Add(Node{ID: rid + "/kms", Label: "KMS keys", Parent: rid, Class: ClassGroup})
	data := g.Add(Node{ID: rid + "/encrypted", Label: "encrypted at rest", Parent: rid, Class: ClassGroup})
	for _, k := range keys {
		nodes[k] = g.Add(Node{ID: kms + "/" + k.Name, Parent: kms, Class: ClassKey, Label: keyLabel(ix, k)})
		kinds := map[string][]string{}
		var order []string
		for _, r := range ix.referrers[k.URN] {
			pair := r.From.Type + "|" + r.Prop
			if notEncryption[pair] {
				continue
			}
			kind := encryptedKinds[pair]
			if kind == "" {
				kind = r.From.Type[strings.LastIndex(r.From.Type, ":")+1:]
			}
			if _, ok := kinds[kind]; !ok {
				order = append(order, kind)
			}
			kinds[kind] = append(kinds[kind], short(r.From.Name, ix.stackPrefix(), reg.Name))
		}
		for _, kind := range order {
			label := counted(kind, len(kinds[kind]))
			if names := uniqSorted(kinds[kind]); len(names) > 0 {
				label += "\n" + nameList(names, 3)
			}
			id := g.Add(Node{ID: data + "/" + k.Name + "/" + kind, Parent: data, Class: ClassData, Label: label})
			g.Connect(Edge{From: nodes[k], To: id, Label: "encrypts", Class: EdgeEncrypts})
		}
	}
	return nodes
}

// keyLabel is "key database\nalias/coder/prod/us-east-1/database\nrotates every 365 days".
func keyLabel(ix *index, k *preview.Resource) string {
	lines := []string{"key " + tag(k, "coder:key-purpose")}
	for _, r := range ix.referrers[k.URN] {
		if r.From.Type == "aws:kms/alias:Alias" {
			lines = append(lines, r.From.Str("name"))
		}
	}
	if inBool(k, "enableKeyRotation", false) {
		if d, ok := k.Num("rotationPeriodInDays"); ok {
			lines = append(lines, "rotates every "+num(d)+" days")
		} else {
			lines = append(lines, "rotates yearly")
		}
	}
	return strings.Join(lines, "\n")
}
