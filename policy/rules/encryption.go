package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/components/registry/imageref"
)

// Encryption at rest with customer-managed KMS keys.

// cmk judges a key reference: set to a customer key (known or not yet
// known), not missing and not an AWS-managed alias.
func cmk(r *Resource, what string, path ...string) []string {
	v, s := str(r.Props, path...)
	switch {
	case s == unknown:
		return nil
	case s == absent || v == "":
		return []string{fmt.Sprintf("%s has no %s, so AWS encrypts it with an AWS-owned or AWS-managed key.", what, strings.Join(path, "."))}
	case strings.HasPrefix(v, "alias/aws/") || strings.Contains(v, ":alias/aws/"):
		return []string{fmt.Sprintf("%s uses the AWS-managed key %s, which cannot be scoped or audited like a customer key.", what, v)}
	}
	return nil
}

// flagOn requires a boolean input to be true.
func flagOn(r *Resource, what string, path ...string) []string {
	v, s := boolean(r.Props, path...)
	if s == unknown || (s == known && v) {
		return nil
	}
	return []string{fmt.Sprintf("%s has %s off.", what, strings.Join(path, "."))}
}

var rdsEncrypted = &Policy{
	Name:        "rds-encrypted",
	Description: "Aurora and RDS storage is encrypted with a customer-managed KMS key.",
	Severity:    Critical,
	Enforcement: Mandatory,
	Remediation: "set storageEncrypted = true and kmsKeyId to the region's database key.",
	Types:       []string{tRDSCluster, tRDSInstance},
	Check: func(r *Resource, _ Config) []string {
		return append(flagOn(r, "the database", "storageEncrypted"), cmk(r, "the database", "kmsKeyId")...)
	},
}

var ebsEncrypted = &Policy{
	Name:        "ebs-encrypted",
	Description: "EBS volumes, launch templates, node groups and EBS StorageClasses encrypt with a customer-managed KMS key.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "declare every block device with encrypted = true and kmsKeyId set to the region's EBS key; give node groups such a launch template; give EBS StorageClasses encrypted: \"true\" and kmsKeyId.",
	Types:       []string{tLaunchTmpl, tVolume, tNodeGroup, tEKSMNG, tStorageClass, tEKSComponent},
	Check: func(r *Resource, _ Config) []string {
		switch r.Type {
		case tVolume:
			return append(flagOn(r, "the volume", "encrypted"), cmk(r, "the volume", "kmsKeyId")...)
		case tLaunchTmpl:
			bdms, s := list(r.Props, "blockDeviceMappings")
			if s == unknown {
				return nil
			}
			if len(bdms) == 0 {
				return []string{"the launch template declares no block device, so the root volume follows the AMI and the account default, not a customer key."}
			}
			var out []string
			for i, b := range bdms {
				m, ms := elem(b)
				if ms != known {
					continue
				}
				if _, hasEBS := m["ebs"]; !hasEBS {
					continue
				}
				dev := &Resource{Props: m}
				what := fmt.Sprintf("block device %d", i)
				out = append(out, flagOn(dev, what, "ebs", "encrypted")...)
				out = append(out, cmk(dev, what, "ebs", "kmsKeyId")...)
			}
			return out
		case tNodeGroup, tEKSMNG:
			if lt, s := setNonEmpty(r.Props, "launchTemplate", "id"); lt || s == unknown {
				return nil
			}
			if lt, s := setNonEmpty(r.Props, "launchTemplate", "name"); lt || s == unknown {
				return nil
			}
			return []string{"the node group has no launch template, so its root volumes are not encrypted with a customer key."}
		case tEKSComponent:
			if skip, s := boolean(r.Props, "skipDefaultNodeGroup"); skip || s == unknown {
				return nil
			}
			return flagOn(r, "the default node group", "nodeRootVolumeEncrypted")
		case tStorageClass:
			prov, _ := str(r.Props, "provisioner")
			if prov != "ebs.csi.aws.com" && prov != "kubernetes.io/aws-ebs" {
				return nil
			}
			return append(flagOn(r, "the StorageClass", "parameters", "encrypted"), cmk(r, "the StorageClass", "parameters", "kmsKeyId")...)
		}
		return nil
	},
}

var s3SSEKMS = &Policy{
	Name:        "s3-sse-kms",
	Description: "Every S3 bucket encrypts objects with SSE-KMS under a customer-managed key.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: `add a server-side encryption configuration with sseAlgorithm "aws:kms" and kmsMasterKeyId set to the region's S3 key.`,
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		idx := byType(rs)
		var out []Finding
		for _, b := range buckets(idx) {
			var rules []*Resource
			// The v1 Bucket's inline configuration.
			if inline, s := object(b.Props, "serverSideEncryptionConfiguration", "rule"); s == unknown {
				continue
			} else if s == known {
				rules = append(rules, &Resource{URN: b.URN, Props: inline})
			}
			for _, c := range attachedTo(idx, tBucketSSE, b) {
				items, s := list(c.Props, "rules")
				if s == unknown {
					rules = append(rules, nil)
				}
				for _, x := range items {
					m, _ := elem(x)
					rules = append(rules, &Resource{URN: c.URN, Props: m})
				}
			}
			if len(rules) == 0 {
				out = append(out, Finding{b.URN, "the bucket has no server-side encryption configuration with a customer key."})
				continue
			}
			for _, rule := range rules {
				if rule == nil {
					continue // not known yet
				}
				alg, s := str(rule.Props, "applyServerSideEncryptionByDefault", "sseAlgorithm")
				if s == unknown {
					continue
				}
				if alg != "aws:kms" && alg != "aws:kms:dsse" {
					out = append(out, Finding{rule.URN, fmt.Sprintf("sseAlgorithm is %q, not aws:kms.", alg)})
					continue
				}
				for _, m := range cmk(rule, "the encryption rule", "applyServerSideEncryptionByDefault", "kmsMasterKeyId") {
					out = append(out, Finding{rule.URN, m})
				}
			}
		}
		return out
	},
}

var eksSecretsEncryption = &Policy{
	Name:        "eks-secrets-encryption",
	Description: "EKS encrypts Kubernetes secrets with a customer-managed KMS key.",
	Severity:    Critical,
	Enforcement: Mandatory,
	Remediation: `set encryptionConfigKeyArn (pulumi-eks) or encryptionConfig {resources: ["secrets"], provider.keyArn} to the region's EKS key.`,
	Types:       []string{tEKSCluster, tEKSComponent},
	Check: func(r *Resource, _ Config) []string {
		if r.Type == tEKSComponent {
			return cmk(r, "the cluster", "encryptionConfigKeyArn")
		}
		res, s := strs(r.Props, "encryptionConfig", "resources")
		if s == unknown {
			return nil
		}
		if !slices.Contains(res, "secrets") {
			return []string{"encryptionConfig does not cover secrets."}
		}
		return cmk(r, "the cluster", "encryptionConfig", "provider", "keyArn")
	},
}

// keyed is a resource type whose only encryption setting is a key input.
func keyed(name, desc string, sev Severity, typ, what, input, fix string) *Policy {
	return &Policy{
		Name: name, Description: desc, Severity: sev, Enforcement: Mandatory, Remediation: fix, Types: []string{typ},
		Check: func(r *Resource, _ Config) []string { return cmk(r, what, input) },
	}
}

var (
	logGroupEncrypted = keyed("log-group-encrypted", "CloudWatch log groups are encrypted with a customer-managed KMS key.", Medium,
		tLogGroup, "the log group", "kmsKeyId", "set kmsKeyId to the region's logs key (its policy must allow logs.<region>.amazonaws.com).")
	snsTopicEncrypted = keyed("sns-topic-encrypted", "SNS topics are encrypted with a customer-managed KMS key.", Medium,
		tTopic, "the topic", "kmsMasterKeyId", "set kmsMasterKeyId to the region's SNS key.")
	backupVaultEncrypted = keyed("backup-vault-encrypted", "Backup vaults are encrypted with a customer-managed KMS key.", High,
		tVault, "the vault", "kmsKeyArn", "set kmsKeyArn to the region's backup key.")
)

// isPullThroughCredential: an ECR pull through cache rule's credential,
// which ECR reads only on the AWS-managed aws/secretsmanager key (Amazon
// ECR User Guide: "You must use the default aws/secretsmanager encryption
// key").
func isPullThroughCredential(r *Resource) bool {
	name, s := str(r.Props, "name")
	return s == known && strings.HasPrefix(name, imageref.CredentialPrefix)
}

var secretEncrypted = &Policy{
	Name:        "secret-encrypted",
	Description: "Secrets Manager secrets are encrypted with a customer-managed KMS key (ECR pull through cache credentials excepted: pull-through-credential-key).",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "set kmsKeyId to the region's secrets key.",
	Types:       []string{tSecret},
	Check: func(r *Resource, _ Config) []string {
		if isPullThroughCredential(r) {
			return nil
		}
		return cmk(r, "the secret", "kmsKeyId")
	},
}

// pullThroughCredentialKey reports the documented exception to
// secret-encrypted, and refuses a customer key on such a secret, which
// would leave the rule unable to read its credential.
var pullThroughCredentialKey = &Policy{
	Name:        "pull-through-credential-key",
	Description: "ECR pull through cache credentials are on the AWS-managed aws/secretsmanager key, the only one ECR reads them with: an exception to secret-encrypted, reported.",
	Severity:    Low,
	Enforcement: Advisory,
	Remediation: "leave kmsKeyId unset on ecr-pullthroughcache/ secrets; keep what they hold to a read-only registry token.",
	Types:       []string{tSecret},
	Check: func(r *Resource, _ Config) []string {
		if !isPullThroughCredential(r) {
			return nil
		}
		v, s := str(r.Props, "kmsKeyId")
		switch {
		case s == unknown:
			return nil
		case s == absent || v == "" || strings.Contains(v, "alias/aws/secretsmanager"):
			return []string{"the secret is on the AWS-managed aws/secretsmanager key, not the region's secrets key: ECR's pull through cache reads its credential with no other (Amazon ECR User Guide)."}
		}
		return []string{fmt.Sprintf("the secret is on %s, which ECR's pull through cache cannot read its credential with: the rule's pulls would fail; leave kmsKeyId unset.", v)}
	},
}

var kmsKeyRotation = &Policy{
	Name:        "kms-key-rotation",
	Description: "Customer-managed symmetric KMS keys rotate yearly.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "set enableKeyRotation = true.",
	Types:       []string{tKMSKey},
	Check: func(r *Resource, _ Config) []string {
		for _, k := range []string{"keySpec", "customerMasterKeySpec"} {
			if spec, s := str(r.Props, k); s == unknown || (s == known && spec != "SYMMETRIC_DEFAULT") {
				return nil // asymmetric and HMAC keys cannot rotate
			}
		}
		return flagOn(r, "the key", "enableKeyRotation")
	},
}

// contextFreeKMSActions are KMS operations whose requests carry no
// encryption context, so a kms:EncryptionContext condition never matches
// them (AWS KMS Developer Guide, "kms:EncryptionContext:context-key": it
// applies to cryptographic operations and CreateGrant only).
var contextFreeKMSActions = []string{"kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
	"kms:GetPublicKey", "kms:ListGrants", "kms:ListResourceTags", "kms:Sign", "kms:Verify"}

var kmsContextConditions = &Policy{
	Name:        "kms-context-conditions",
	Description: "A key policy statement that requires an encryption context grants only operations that carry one.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "move DescribeKey (and other operations without an encryption context) to a statement of its own, " +
		"conditioned on aws:SourceArn or aws:SourceAccount instead (as AWS's CloudTrail key policy does), or drop it where the service does not call it.",
	Types: []string{tKMSKey},
	Check: func(r *Resource, _ Config) []string {
		doc, s := policyDoc(r.Props, "policy")
		if s != known {
			return nil
		}
		var out []string
		for i, st := range doc {
			if st.Effect != "Allow" || !requiresContext(st) {
				continue
			}
			for _, a := range st.Action {
				if slices.ContainsFunc(contextFreeKMSActions, func(f string) bool { return strings.EqualFold(a, f) }) {
					out = append(out, fmt.Sprintf("statement %s grants %s under an encryption-context condition, which its requests never match.", sidOr(st.Sid, i), a))
				}
			}
		}
		return out
	},
}

// requiresContext reports whether a statement conditions on the request's
// encryption context.
func requiresContext(st statement) bool {
	for op, body := range st.Condition {
		for k, v := range body {
			if !strings.HasPrefix(strings.ToLower(k), "kms:encryptioncontext") {
				continue
			}
			// Null "false" requires the key; Null "true" requires its absence.
			if op != "Null" || fmt.Sprint(v) == "false" {
				return true
			}
		}
	}
	return false
}

func sidOr(sid string, i int) string {
	if sid != "" {
		return sid
	}
	return fmt.Sprintf("#%d", i)
}
