package rules

import (
	"strings"
	"testing"
)

func TestRDSEncrypted(t *testing.T) {
	t.Parallel()
	checkResource(t, rdsEncrypted, []resourceCase{
		{"cmk", res(t, tRDSCluster, `{"storageEncrypted":true,"kmsKeyId":"arn:aws:kms:us-east-1:1:key/k"}`), nil},
		{"key not known yet", res(t, tRDSInstance, `{"storageEncrypted":true,"kmsKeyId":"<unknown>"}`), nil},
		{"unencrypted", res(t, tRDSCluster, `{"storageEncrypted":false}`),
			[]string{"the database has storageEncrypted off.", "the database has no kmsKeyId, so AWS encrypts it with an AWS-owned or AWS-managed key."}},
		{"aws managed key", res(t, tRDSCluster, `{"storageEncrypted":true,"kmsKeyId":"alias/aws/rds"}`),
			[]string{"the database uses the AWS-managed key alias/aws/rds, which cannot be scoped or audited like a customer key."}},
		{"unknown flag", res(t, tRDSCluster, `{"storageEncrypted":"<unknown>","kmsKeyId":"<unknown>"}`), nil},
	})
}

func TestEBSEncrypted(t *testing.T) {
	t.Parallel()
	checkResource(t, ebsEncrypted, []resourceCase{
		{"launch template", res(t, tLaunchTmpl, `{"blockDeviceMappings":[{"deviceName":"/dev/xvda","ebs":{"encrypted":"true","kmsKeyId":"<unknown>"}}]}`), nil},
		{"launch template unencrypted", res(t, tLaunchTmpl, `{"blockDeviceMappings":[{"deviceName":"/dev/xvda","ebs":{"encrypted":"false"}}]}`),
			[]string{"block device 0 has ebs.encrypted off.", "block device 0 has no ebs.kmsKeyId, so AWS encrypts it with an AWS-owned or AWS-managed key."}},
		{"launch template without devices", res(t, tLaunchTmpl, `{}`),
			[]string{"the launch template declares no block device, so the root volume follows the AMI and the account default, not a customer key."}},
		{"volume", res(t, tVolume, `{"encrypted":true,"kmsKeyId":"arn:aws:kms:x"}`), nil},
		{"node group with template", res(t, tNodeGroup, `{"launchTemplate":{"id":"<unknown>","version":"1"}}`), nil},
		{"node group without template", res(t, tNodeGroup, `{"diskSize":100}`),
			[]string{"the node group has no launch template, so its root volumes are not encrypted with a customer key."}},
		{"pulumi-eks default node group off", res(t, tEKSComponent, `{"skipDefaultNodeGroup":true}`), nil},
		{"pulumi-eks default node group", res(t, tEKSComponent, `{"nodeRootVolumeEncrypted":false}`),
			[]string{"the default node group has nodeRootVolumeEncrypted off."}},
		{"storage class", res(t, tStorageClass, `{"provisioner":"ebs.csi.aws.com","parameters":{"encrypted":"true","kmsKeyId":"arn:aws:kms:x"}}`), nil},
		{"storage class plain", res(t, tStorageClass, `{"provisioner":"ebs.csi.aws.com","parameters":{"type":"gp3"}}`),
			[]string{"the StorageClass has parameters.encrypted off.", "the StorageClass has no parameters.kmsKeyId, so AWS encrypts it with an AWS-owned or AWS-managed key."}},
		{"other provisioner", res(t, tStorageClass, `{"provisioner":"efs.csi.aws.com"}`), nil},
		{"unknown devices", res(t, tLaunchTmpl, `{"blockDeviceMappings":"<unknown>"}`), nil},
	})
}

func TestS3SSEKMS(t *testing.T) {
	t.Parallel()
	bucket := named(res(t, tBucketV2, `{"bucket":"logs"}`), "logs")
	sse := func(rule string) *Resource {
		c := named(res(t, tBucketSSE, `{"bucket":"<unknown>","rules":[{"applyServerSideEncryptionByDefault":`+rule+`}]}`), "logs-sse")
		return deps(c, "bucket", bucket)
	}
	checkStack(t, s3SSEKMS, []stackCase{
		{"kms", []*Resource{bucket, sse(`{"sseAlgorithm":"aws:kms","kmsMasterKeyId":"<unknown>"}`)}, nil},
		{"v1 inline", []*Resource{named(res(t, tBucket, `{"serverSideEncryptionConfiguration":{"rule":{"applyServerSideEncryptionByDefault":{"sseAlgorithm":"aws:kms","kmsMasterKeyId":"arn:k"}}}}`), "v1")}, nil},
		{"none", []*Resource{bucket}, []Finding{{bucket.URN, "the bucket has no server-side encryption configuration with a customer key."}}},
		{"aes", []*Resource{bucket, sse(`{"sseAlgorithm":"AES256"}`)}, []Finding{{sse("{}").URN, `sseAlgorithm is "AES256", not aws:kms.`}}},
		{"kms without key", []*Resource{bucket, sse(`{"sseAlgorithm":"aws:kms"}`)},
			[]Finding{{sse("{}").URN, "the encryption rule has no applyServerSideEncryptionByDefault.kmsMasterKeyId, so AWS encrypts it with an AWS-owned or AWS-managed key."}}},
		{"unknown algorithm", []*Resource{bucket, sse(`{"sseAlgorithm":"<unknown>"}`)}, nil},
	})
}

func TestEKSSecretsEncryption(t *testing.T) {
	t.Parallel()
	checkResource(t, eksSecretsEncryption, []resourceCase{
		{"pulumi-eks", res(t, tEKSComponent, `{"encryptionConfigKeyArn":"<unknown>"}`), nil},
		{"pulumi-eks without key", res(t, tEKSComponent, `{}`),
			[]string{"the cluster has no encryptionConfigKeyArn, so AWS encrypts it with an AWS-owned or AWS-managed key."}},
		{"aws cluster", res(t, tEKSCluster, `{"encryptionConfig":{"resources":["secrets"],"provider":{"keyArn":"arn:k"}}}`), nil},
		{"aws cluster other resources", res(t, tEKSCluster, `{"encryptionConfig":{"resources":[],"provider":{"keyArn":"arn:k"}}}`),
			[]string{"encryptionConfig does not cover secrets."}},
		{"unknown", res(t, tEKSCluster, `{"encryptionConfig":"<unknown>"}`), nil},
	})
}

func TestKeyedEncryption(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p      *Policy
		typ    string
		input  string
		what   string
		manage string
	}{
		{logGroupEncrypted, tLogGroup, "kmsKeyId", "the log group", "alias/aws/logs"},
		{snsTopicEncrypted, tTopic, "kmsMasterKeyId", "the topic", "alias/aws/sns"},
		{secretEncrypted, tSecret, "kmsKeyId", "the secret", "alias/aws/secretsmanager"},
		{backupVaultEncrypted, tVault, "kmsKeyArn", "the vault", "arn:aws:kms:us-east-1:1:alias/aws/backup"},
	} {
		checkResource(t, c.p, []resourceCase{
			{"cmk", res(t, c.typ, `{"`+c.input+`":"arn:aws:kms:us-east-1:1:key/k"}`), nil},
			{"unknown", res(t, c.typ, `{"`+c.input+`":"<unknown>"}`), nil},
			{"missing", res(t, c.typ, `{}`), []string{c.what + " has no " + c.input + ", so AWS encrypts it with an AWS-owned or AWS-managed key."}},
			{"aws managed", res(t, c.typ, `{"`+c.input+`":"`+c.manage+`"}`),
				[]string{c.what + " uses the AWS-managed key " + c.manage + ", which cannot be scoped or audited like a customer key."}},
		})
	}
}

// A pull through cache credential is the one secret on the AWS-managed
// key, because ECR reads it with no other: secret-encrypted lets it be,
// pull-through-credential-key reports it, and refuses a customer key on
// it, which ECR could not read. Any other secret on the AWS-managed key
// still fails secret-encrypted.
func TestPullThroughCredentialKey(t *testing.T) {
	t.Parallel()
	const cred = `"name":"ecr-pullthroughcache/prod/github"`
	checkResource(t, secretEncrypted, []resourceCase{
		{"credential, no key", res(t, tSecret, `{`+cred+`}`), nil},
		{"other secret, no key", res(t, tSecret, `{"name":"coder/prod/us-east-1/admin-token"}`),
			[]string{"the secret has no kmsKeyId, so AWS encrypts it with an AWS-owned or AWS-managed key."}},
	})
	checkResource(t, pullThroughCredentialKey, []resourceCase{
		{"credential, no key", res(t, tSecret, `{`+cred+`}`),
			[]string{"the secret is on the AWS-managed aws/secretsmanager key, not the region's secrets key: ECR's pull through cache reads its credential with no other (Amazon ECR User Guide)."}},
		{"credential on a customer key", res(t, tSecret, `{`+cred+`,"kmsKeyId":"arn:aws:kms:us-east-1:1:key/k"}`),
			[]string{"the secret is on arn:aws:kms:us-east-1:1:key/k, which ECR's pull through cache cannot read its credential with: the rule's pulls would fail; leave kmsKeyId unset."}},
		{"credential, key unknown", res(t, tSecret, `{`+cred+`,"kmsKeyId":"<unknown>"}`), nil},
		{"other secret", res(t, tSecret, `{"name":"coder/prod/us-east-1/admin-token"}`), nil},
	})
	if pullThroughCredentialKey.Enforcement != Advisory {
		t.Error("a documented weaker setting is reported, not blocked")
	}
}

func TestKMSKeyRotation(t *testing.T) {
	t.Parallel()
	checkResource(t, kmsKeyRotation, []resourceCase{
		{"rotating", res(t, tKMSKey, `{"enableKeyRotation":true}`), nil},
		{"off", res(t, tKMSKey, `{"enableKeyRotation":false}`), []string{"the key has enableKeyRotation off."}},
		{"default off", res(t, tKMSKey, `{}`), []string{"the key has enableKeyRotation off."}},
		{"asymmetric", res(t, tKMSKey, `{"customerMasterKeySpec":"RSA_2048"}`), nil},
		{"unknown", res(t, tKMSKey, `{"enableKeyRotation":"<unknown>"}`), nil},
	})
}

// The defect this guards against: the trail key's DescribeKey sat in the
// statement conditioned on the CloudTrail encryption context.
func TestKMSContextConditions(t *testing.T) {
	t.Parallel()
	key := func(stmt string) *Resource {
		return res(t, tKMSKey, `{"policy":"{\"Version\":\"2012-10-17\",\"Statement\":[`+strings.ReplaceAll(stmt, `"`, `\"`)+`]}"}`)
	}
	checkResource(t, kmsContextConditions, []resourceCase{
		{"describe in its own statement", key(`{"Sid":"Describe","Effect":"Allow","Action":["kms:DescribeKey"],"Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:1:trail/*"}}}`), nil},
		{"crypto under context", key(`{"Sid":"Encrypt","Effect":"Allow","Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*","Condition":{"StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:1:trail/*"}}}`), nil},
		{"describe under context", key(`{"Sid":"CloudTrailEncryptsLogs","Effect":"Allow","Action":["kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*","Condition":{"StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:1:trail/*"}}}`),
			[]string{"statement CloudTrailEncryptsLogs grants kms:DescribeKey under an encryption-context condition, which its requests never match."}},
		{"context keys", key(`{"Effect":"Allow","Action":"kms:ListGrants","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":["a"]}}}`),
			[]string{"statement #0 grants kms:ListGrants under an encryption-context condition, which its requests never match."}},
		{"context required by a null test", key(`{"Effect":"Allow","Action":"kms:DescribeKey","Resource":"*","Condition":{"Null":{"kms:EncryptionContext:aws:cloudtrail:arn":"false"}}}`),
			[]string{"statement #0 grants kms:DescribeKey under an encryption-context condition, which its requests never match."}},
		{"context absent by a null test", key(`{"Effect":"Allow","Action":"kms:DescribeKey","Resource":"*","Condition":{"Null":{"kms:EncryptionContext:aws:cloudtrail:arn":"true"}}}`), nil},
		{"unknown policy", res(t, tKMSKey, `{"policy":"<unknown>"}`), nil},
	})
}
