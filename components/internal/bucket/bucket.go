// Package bucket creates the S3 buckets the platform writes logs to, with
// every control on: SSE-KMS with a customer-managed key, versioning, a full
// public-access block, owner-enforced objects, a lifecycle and a bucket
// policy that denies anything but TLS.
package bucket

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
)

// Args configures one log bucket.
type Args struct {
	KmsKeyArn pulumi.StringInput
	// TransitionDays moves objects to Standard-IA; ExpireDays deletes them.
	// Zero means never: the current objects of a state bucket are the data.
	TransitionDays int
	ExpireDays     int
	// NoncurrentDays deletes replaced and deleted versions after so many
	// days (default DefaultNoncurrentDays).
	NoncurrentDays int
	// Statements are the writers' grants, added to the TLS-only deny.
	// The bucket ARN is passed so statements can scope to it.
	Statements func(bucketArn pulumi.StringOutput) policydoc.Document
}

// DefaultNoncurrentDays is how long a replaced version of a log object is
// kept when Args.NoncurrentDays is not set.
const DefaultNoncurrentDays = 30

// Bucket is the created bucket.
type Bucket struct {
	*s3.BucketV2
	// Ready is the last resource to exist before writers may use the bucket.
	Ready pulumi.Resource
	// Versioning must exist before a replication configuration.
	Versioning pulumi.Resource
}

// New creates the bucket and its controls as children of parent.
func New(ctx *pulumi.Context, name string, args Args, parent pulumi.Resource) (*Bucket, error) {
	b, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		BucketPrefix: pulumi.String(name + "-"),
		Tags:         pulumi.StringMap{"Name": pulumi.String(name)},
	}, pulumi.Parent(parent), pulumi.Protect(true))
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	child := pulumi.Parent(b)
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: b.ID(), Rule: s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, child); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket: b.ID(), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, child); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: b.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("aws:kms"), KmsMasterKeyId: args.KmsKeyArn,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, child); err != nil {
		return nil, err
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  b.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: b.ID(), Rules: s3.BucketLifecycleConfigurationV2RuleArray{lifecycleRule(args)},
	}, child); err != nil {
		return nil, err
	}
	doc := policydoc.Document{{
		Sid:       "DenyInsecureTransport",
		Deny:      true,
		Principal: pulumi.Map{"AWS": pulumi.String("*")},
		Actions:   []string{"s3:*"},
		Resources: pulumi.StringArray{b.Arn, pulumi.Sprintf("%s/*", b.Arn)},
		Condition: pulumi.Map{"Bool": pulumi.Map{"aws:SecureTransport": pulumi.String("false")}},
	}}
	if args.Statements != nil {
		doc = append(doc, args.Statements(b.Arn)...)
	}
	pol, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{Bucket: b.ID(), Policy: doc.JSON()}, child)
	if err != nil {
		return nil, err
	}
	return &Bucket{BucketV2: b, Ready: pol, Versioning: versioning}, nil
}

// lifecycleRule tiers and expires current objects where Args asks for it,
// and always expires old versions and abandoned uploads.
func lifecycleRule(args Args) s3.BucketLifecycleConfigurationV2RuleArgs {
	noncurrent := args.NoncurrentDays
	if noncurrent == 0 {
		noncurrent = DefaultNoncurrentDays
	}
	rule := s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:                             pulumi.String("tier-then-expire"),
		Status:                         pulumi.String("Enabled"),
		Filter:                         &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		NoncurrentVersionExpiration:    &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(noncurrent)},
		AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{DaysAfterInitiation: pulumi.Int(7)},
	}
	if args.TransitionDays > 0 {
		rule.Transitions = s3.BucketLifecycleConfigurationV2RuleTransitionArray{s3.BucketLifecycleConfigurationV2RuleTransitionArgs{
			Days: pulumi.Int(args.TransitionDays), StorageClass: pulumi.String("STANDARD_IA"),
		}}
	}
	if args.ExpireDays > 0 {
		rule.Expiration = &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(args.ExpireDays)}
	} else {
		// Current objects stay; the delete markers left once their old
		// versions expire go (every Pulumi lock object leaves one).
		rule.Expiration = &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)}
	}
	return rule
}
