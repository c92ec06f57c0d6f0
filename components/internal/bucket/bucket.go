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
	TransitionDays int
	ExpireDays     int
	// Statements are the writers' grants, added to the TLS-only deny.
	// The bucket ARN is passed so statements can scope to it.
	Statements func(bucketArn pulumi.StringOutput) policydoc.Document
}

// Bucket is the created bucket.
type Bucket struct {
	*s3.BucketV2
	// Ready is the last resource to exist before writers may use the bucket.
	Ready pulumi.Resource
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
	if _, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  b.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, child); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: b.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("tier-then-expire"),
			Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Transitions: s3.BucketLifecycleConfigurationV2RuleTransitionArray{s3.BucketLifecycleConfigurationV2RuleTransitionArgs{
				Days: pulumi.Int(args.TransitionDays), StorageClass: pulumi.String("STANDARD_IA"),
			}},
			Expiration:                     &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(args.ExpireDays)},
			NoncurrentVersionExpiration:    &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(30)},
			AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{DaysAfterInitiation: pulumi.Int(7)},
		}},
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
	return &Bucket{BucketV2: b, Ready: pol}, nil
}
