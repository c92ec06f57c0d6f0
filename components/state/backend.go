// Package state creates what the main project's stacks are stored in: the
// Pulumi state bucket (versioned, SSE-KMS, TLS- and account-only, trailed,
// replicated to a second region under its own key), the KMS key of the
// `awskms://` secrets provider, and the policy a deployer needs for both.
//
// Pulumi's S3 backend locks a stack with lock objects in the same bucket
// (.pulumi/locks/...), not with a DynamoDB table, so there is no lock table.
package state

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/audit"
	"github.com/platformeng/coder-platform/components/internal/bucket"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/security"
	"github.com/platformeng/coder-platform/components/tokens"
)

// BackendArgs configures the state backend of one account.
type BackendArgs struct {
	// Region is the home of the bucket, its trail and the secrets key; the
	// component's provider must be of this region.
	Region    string
	AccountID pulumi.StringInput
	// ReplicaRegion and ReplicaProvider hold the replica bucket and its key.
	ReplicaRegion   string
	ReplicaProvider pulumi.ProviderResource
	// AliasPrefix names the keys: alias/<prefix>/<purpose>.
	AliasPrefix string
	// NoncurrentVersionDays keeps replaced state versions restorable.
	NoncurrentVersionDays int
	// AccessLogRetentionDays keeps the trail of state reads and writes.
	AccessLogRetentionDays int
	// DeployerRoleArns get the state-access policy attached.
	DeployerRoleArns []string
	Tags             pulumi.StringMap
}

// Backend is the created state backend.
type Backend struct {
	pulumi.ResourceState

	BucketName        pulumi.StringOutput `pulumi:"bucketName"`
	ReplicaBucketName pulumi.StringOutput `pulumi:"replicaBucketName"`
	// LoginURL is the argument of `pulumi login`.
	LoginURL pulumi.StringOutput `pulumi:"loginUrl"`
	// SecretsProvider is the argument of `pulumi stack init --secrets-provider`.
	SecretsProvider   pulumi.StringOutput `pulumi:"secretsProvider"`
	DeployerPolicyArn pulumi.StringOutput `pulumi:"deployerPolicyArn"`

	// For the GitHub identities (NewGitHub).
	BucketArn, StateKeyArn, SecretsKeyArn pulumi.StringOutput
}

// NewBackend creates the state backend under one component.
func NewBackend(ctx *pulumi.Context, name string, args *BackendArgs, opts ...pulumi.ResourceOption) (*Backend, error) {
	b := &Backend{}
	if err := ctx.RegisterComponentResourceV2(tokens.StateBackend, name, pulumi.Map{
		"region": pulumi.String(args.Region), "replicaRegion": pulumi.String(args.ReplicaRegion),
	}, b, opts...); err != nil {
		return nil, err
	}
	wrap := func(err error) error { return fmt.Errorf("state backend %s: %w", name, err) }
	keys, err := security.NewKeys(ctx, name, &security.KeysArgs{
		Region: args.Region, AccountID: args.AccountID, AliasPrefix: args.AliasPrefix,
		Purposes: []security.Purpose{security.KeyState, security.KeyStackSecrets, security.KeyS3},
	}, pulumi.Parent(b))
	if err != nil {
		return nil, wrap(err)
	}
	replica, err := newReplica(ctx, name+"-replica", args, b)
	if err != nil {
		return nil, wrap(err)
	}
	primary, err := bucket.New(ctx, name, stateBucketArgs(args, keys.Arn(security.KeyState)), b)
	if err != nil {
		return nil, wrap(err)
	}
	if err := replicate(ctx, name, args, primary, keys.Arn(security.KeyState), replica, b); err != nil {
		return nil, wrap(err)
	}
	if _, err := audit.NewTrail(ctx, name+"-access", audit.TrailArgs{
		Region: args.Region, AccountID: args.AccountID, KeyArn: keys.Arn(security.KeyS3),
		RetentionDays: args.AccessLogRetentionDays, Selectors: objectEvents(primary.Arn), Tags: args.Tags,
	}, b); err != nil {
		return nil, wrap(err)
	}
	policy, err := deployerPolicy(ctx, name, args, primary.Arn, keys.Arn(security.KeyState), keys.Arn(security.KeyStackSecrets), b)
	if err != nil {
		return nil, wrap(err)
	}
	b.BucketName = primary.Bucket
	b.ReplicaBucketName = replica.bucket.Bucket
	b.LoginURL = pulumi.Sprintf("s3://%s?region=%s", primary.Bucket, args.Region)
	b.SecretsProvider = pulumi.Sprintf("awskms://alias/%s/%s?region=%s", args.AliasPrefix, security.KeyStackSecrets, args.Region)
	b.DeployerPolicyArn = policy.Arn
	b.BucketArn, b.StateKeyArn, b.SecretsKeyArn = primary.Arn, keys.Arn(security.KeyState), keys.Arn(security.KeyStackSecrets)
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{
		"bucketName": b.BucketName, "replicaBucketName": b.ReplicaBucketName, "loginUrl": b.LoginURL,
		"secretsProvider": b.SecretsProvider, "deployerPolicyArn": b.DeployerPolicyArn,
	})
}

// stateBucketArgs keeps current state forever (the lifecycle expires only
// replaced versions) and admits only TLS requests of this account.
func stateBucketArgs(args *BackendArgs, keyArn pulumi.StringInput) bucket.Args {
	return bucket.Args{
		KmsKeyArn: keyArn, NoncurrentDays: args.NoncurrentVersionDays,
		Statements: func(arn pulumi.StringOutput) policydoc.Document {
			return policydoc.Document{{
				Sid:       "DenyOtherAccounts",
				Deny:      true,
				Principal: pulumi.Map{"AWS": pulumi.String("*")},
				Actions:   []string{"s3:*"},
				Resources: pulumi.StringArray{arn, pulumi.Sprintf("%s/*", arn)},
				Condition: pulumi.Map{"StringNotEquals": pulumi.Map{"aws:PrincipalAccount": args.AccountID}},
			}}
		},
	}
}

// replicaSite is the replica region's component: its key and bucket.
type replicaSite struct {
	pulumi.ResourceState
	bucket *bucket.Bucket
	keyArn pulumi.StringOutput
}

func newReplica(ctx *pulumi.Context, name string, args *BackendArgs, parent pulumi.Resource) (*replicaSite, error) {
	r := &replicaSite{}
	if err := ctx.RegisterComponentResource(tokens.StateReplica, name, r,
		pulumi.Parent(parent), pulumi.Providers(args.ReplicaProvider)); err != nil {
		return nil, err
	}
	keys, err := security.NewKeys(ctx, name, &security.KeysArgs{
		Region: args.ReplicaRegion, AccountID: args.AccountID, AliasPrefix: args.AliasPrefix,
		Purposes: []security.Purpose{security.KeyState},
	}, pulumi.Parent(r))
	if err != nil {
		return nil, err
	}
	r.keyArn = keys.Arn(security.KeyState)
	if r.bucket, err = bucket.New(ctx, name, stateBucketArgs(args, r.keyArn), r); err != nil {
		return nil, err
	}
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{"bucketName": r.bucket.Bucket})
}

// replicate copies every object version, delete markers included, to the
// replica under the replica's key, with the least privilege S3 needs
// ("Replicating encrypted objects", Amazon S3 User Guide).
func replicate(ctx *pulumi.Context, name string, args *BackendArgs, src *bucket.Bucket, srcKey pulumi.StringOutput, dst *replicaSite, parent pulumi.Resource) error {
	role, err := iam.NewRole(ctx, name+"-replication", &iam.RoleArgs{
		Description:      pulumi.String("S3 replicates the Pulumi state bucket to its replica region"),
		AssumeRolePolicy: policydoc.AssumedBy("s3.amazonaws.com", args.AccountID),
		Tags:             args.Tags,
	}, pulumi.Parent(parent))
	if err != nil {
		return err
	}
	via := func(region string) pulumi.Map {
		return pulumi.Map{"StringEquals": pulumi.Map{"kms:ViaService": pulumi.String("s3." + region + ".amazonaws.com")}}
	}
	doc := policydoc.Document{
		{Sid: "ReadSourceConfiguration", Actions: []string{"s3:GetReplicationConfiguration", "s3:ListBucket"},
			Resources: pulumi.StringArray{src.Arn}},
		{Sid: "ReadSourceVersions", Actions: []string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", src.Arn)}},
		{Sid: "WriteReplica", Actions: []string{"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", dst.bucket.Arn)}},
		{Sid: "DecryptSource", Actions: []string{"kms:Decrypt"}, Resources: pulumi.StringArray{srcKey}, Condition: via(args.Region)},
		// Decrypt too: with an S3 Bucket Key on the replica, S3 decrypts
		// with the replica's key as the role ("Amazon S3 Bucket Keys and
		// replication", S3 User Guide).
		{Sid: "EncryptReplica", Actions: []string{"kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"}, Resources: pulumi.StringArray{dst.keyArn},
			Condition: via(args.ReplicaRegion)},
	}
	rp, err := iam.NewRolePolicy(ctx, name+"-replication", &iam.RolePolicyArgs{Role: role.Name, Policy: doc.JSON()}, pulumi.Parent(role))
	if err != nil {
		return err
	}
	_, err = s3.NewBucketReplicationConfig(ctx, name, &s3.BucketReplicationConfigArgs{
		Bucket: src.ID(),
		Role:   role.Arn,
		Rules: s3.BucketReplicationConfigRuleArray{s3.BucketReplicationConfigRuleArgs{
			Id:                      pulumi.String("state-to-" + args.ReplicaRegion),
			Status:                  pulumi.String("Enabled"),
			Filter:                  &s3.BucketReplicationConfigRuleFilterArgs{Prefix: pulumi.String("")},
			DeleteMarkerReplication: &s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs{Status: pulumi.String("Enabled")},
			SourceSelectionCriteria: &s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs{
				SseKmsEncryptedObjects: &s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs{Status: pulumi.String("Enabled")},
			},
			Destination: s3.BucketReplicationConfigRuleDestinationArgs{
				Bucket:                  dst.bucket.Arn,
				EncryptionConfiguration: &s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs{ReplicaKmsKeyId: dst.keyArn},
			},
		}},
	}, pulumi.Parent(src), pulumi.DependsOn([]pulumi.Resource{src.Versioning, dst.bucket.Versioning, rp}))
	return err
}

// objectEvents selects the data events (reads and writes) of the state
// bucket's objects: who read or changed which stack's state, and when.
func objectEvents(bucketArn pulumi.StringOutput) cloudtrail.TrailAdvancedEventSelectorArray {
	return cloudtrail.TrailAdvancedEventSelectorArray{cloudtrail.TrailAdvancedEventSelectorArgs{
		Name: pulumi.String("state-object-access"),
		FieldSelectors: cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray{
			cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("eventCategory"), Equals: pulumi.ToStringArray([]string{"Data"})},
			cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("resources.type"), Equals: pulumi.ToStringArray([]string{"AWS::S3::Object"})},
			cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("resources.ARN"),
				StartsWiths: pulumi.StringArray{pulumi.Sprintf("%s/", bucketArn)}},
		},
	}}
}

// deployerPolicy grants exactly what `pulumi login s3://...` and the awskms
// secrets provider use: list, read, write and delete state objects (locks,
// history and backups, which the DIY backend copies), and the two keys (the
// secrets provider calls only Encrypt and Decrypt).
func deployerPolicy(ctx *pulumi.Context, name string, args *BackendArgs, bucketArn, stateKey, secretsKey pulumi.StringOutput, parent pulumi.Resource) (*iam.Policy, error) {
	doc := policydoc.Document{
		{Sid: "ListState", Actions: []string{"s3:ListBucket", "s3:GetBucketLocation"}, Resources: pulumi.StringArray{bucketArn}},
		// AbortMultipartUpload: the uploader sends large state files in
		// parts and aborts a failed upload.
		{Sid: "ReadWriteState", Actions: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"},
			Resources: pulumi.StringArray{pulumi.Sprintf("%s/*", bucketArn)}},
		{Sid: "StateKey", Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resources: pulumi.StringArray{stateKey}},
		{Sid: "SecretsProviderKey", Actions: []string{"kms:Encrypt", "kms:Decrypt"}, Resources: pulumi.StringArray{secretsKey}},
	}
	policy, err := iam.NewPolicy(ctx, name+"-deployer", &iam.PolicyArgs{
		Description: pulumi.String("Pulumi state and secrets-provider access of the Coder platform's deployers"),
		Policy:      doc.JSON(),
		Tags:        args.Tags,
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, err
	}
	for _, arn := range args.DeployerRoleArns {
		role := RoleName(arn)
		if _, err := iam.NewRolePolicyAttachment(ctx, name+"-deployer-"+role, &iam.RolePolicyAttachmentArgs{
			Role: pulumi.String(role), PolicyArn: policy.Arn,
		}, pulumi.Parent(policy)); err != nil {
			return nil, err
		}
	}
	return policy, nil
}

// RoleName is the name of an IAM role ARN (the part after the last slash of
// its path), which IAM attachments take.
func RoleName(arn string) string {
	return arn[strings.LastIndex(arn, "/")+1:]
}
