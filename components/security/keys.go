// Package security holds the customer-managed KMS keys every data store of
// a region is encrypted with.
package security

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/tokens"
)

// Purpose is what a key encrypts. One key per purpose keeps the blast radius
// of a key policy mistake, or of disabling a key, to one data class.
type Purpose string

// The purposes of a region's keys.
const (
	KeyLogs     Purpose = "logs"     // CloudWatch Logs: flow logs, EKS, Fluent Bit, audit
	KeyEKS      Purpose = "eks"      // Kubernetes secrets envelope encryption
	KeyEBS      Purpose = "ebs"      // node root volumes and workspace PVCs
	KeyDatabase Purpose = "database" // Aurora storage and Performance Insights
	KeySecrets  Purpose = "secrets"  // Secrets Manager
	KeyBackup   Purpose = "backup"   // AWS Backup vaults
	KeyS3       Purpose = "s3"       // access-log and CloudTrail buckets
	KeySNS      Purpose = "sns"      // alarm topics
	KeyMetrics  Purpose = "metrics"  // Amazon Managed Service for Prometheus
	KeyECR      Purpose = "ecr"      // ECR repositories: cached and replicated images

	// KeyState and KeyStackSecrets are the bootstrap project's keys
	// (bootstrap/): Pulumi's state objects, and the secrets provider every
	// stack's config secrets are encrypted with.
	KeyState        Purpose = "state"
	KeyStackSecrets Purpose = "stack-secrets"
)

// KeysArgs configures the keys of one region.
type KeysArgs struct {
	Region    string
	AccountID pulumi.StringInput
	// Purposes lists the keys to create in this region.
	Purposes []Purpose
	// AliasPrefix is "alias/<prefix>/<purpose>".
	AliasPrefix string
	// CostAlerts lets AWS Budgets and Cost Anomaly Detection use the sns
	// key, to publish to the encrypted topic the stack's cost alerts go to.
	CostAlerts bool
	// SecurityFindings lets EventBridge use the sns key, to deliver GuardDuty
	// findings to the encrypted alarm topic (components/guard).
	SecurityFindings bool
}

// Keys is the set of customer-managed keys of one region.
type Keys struct {
	pulumi.ResourceState

	// Arns maps a purpose to its key ARN.
	Arns pulumi.StringMapOutput `pulumi:"arns"`

	keys map[Purpose]*kms.Key
}

// NewKeys creates one rotating customer-managed key per purpose.
func NewKeys(ctx *pulumi.Context, name string, args *KeysArgs, opts ...pulumi.ResourceOption) (*Keys, error) {
	k := &Keys{keys: map[Purpose]*kms.Key{}}
	purposes := make([]string, len(args.Purposes))
	for i, p := range args.Purposes {
		purposes[i] = string(p)
	}
	sort.Strings(purposes)
	if err := ctx.RegisterComponentResourceV2(tokens.Keys, name,
		pulumi.Map{"region": pulumi.String(args.Region), "purposes": pulumi.ToStringArray(purposes)}, k, opts...); err != nil {
		return nil, err
	}
	arns := pulumi.StringMap{}
	for _, ps := range purposes {
		p := Purpose(ps)
		key, err := kms.NewKey(ctx, fmt.Sprintf("%s-%s", name, p), &kms.KeyArgs{
			Description:          pulumi.Sprintf("Coder platform %s key (%s)", p, args.Region),
			EnableKeyRotation:    pulumi.Bool(true),
			RotationPeriodInDays: pulumi.Int(365),
			DeletionWindowInDays: pulumi.Int(30),
			Policy:               keyPolicy(p, args.Region, args.AccountID, args.CostAlerts, args.SecurityFindings),
			Tags:                 pulumi.StringMap{"Name": pulumi.Sprintf("%s/%s", args.AliasPrefix, p), "coder:key-purpose": pulumi.String(ps)},
		}, pulumi.Parent(k), pulumi.Protect(true))
		if err != nil {
			return nil, fmt.Errorf("security %s: key %s: %w", name, p, err)
		}
		if _, err := kms.NewAlias(ctx, fmt.Sprintf("%s-%s", name, p), &kms.AliasArgs{
			Name:        pulumi.Sprintf("alias/%s/%s", args.AliasPrefix, p),
			TargetKeyId: key.KeyId,
		}, pulumi.Parent(key)); err != nil {
			return nil, fmt.Errorf("security %s: alias %s: %w", name, p, err)
		}
		k.keys[p] = key
		arns[ps] = key.Arn
	}
	k.Arns = arns.ToStringMapOutput()
	if err := ctx.RegisterResourceOutputs(k, pulumi.Map{"arns": k.Arns}); err != nil {
		return nil, err
	}
	return k, nil
}

// Arn returns the ARN of the key for p; it panics when the region has no such
// key, which is a wiring bug in stacks/, never a config problem.
func (k *Keys) Arn(p Purpose) pulumi.StringOutput {
	key, ok := k.keys[p]
	if !ok {
		panic(fmt.Sprintf("security: no %s key in this region", p))
	}
	return key.Arn
}

// keyPolicy is the key policy of a purpose: account-level IAM delegation plus
// exactly the service access that purpose needs.
func keyPolicy(p Purpose, region string, account pulumi.StringInput, costAlerts, findings bool) pulumi.StringOutput {
	root := pulumi.Sprintf("arn:aws:iam::%s:root", account)
	doc := policydoc.Document{{
		Sid:       "AccountAdministersKeyThroughIAM",
		Principal: pulumi.Map{"AWS": root},
		Actions:   []string{"kms:*"},
	}}
	use := []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}
	viaService := func(svc string, extra ...string) policydoc.Statement {
		return policydoc.Statement{
			Sid:       "UseThrough" + svc,
			Principal: pulumi.Map{"AWS": pulumi.String("*")},
			Actions:   append(append([]string{}, use...), extra...),
			Condition: pulumi.Map{"StringEquals": pulumi.Map{
				"kms:CallerAccount": account,
				"kms:ViaService":    pulumi.Sprintf("%s.%s.amazonaws.com", svc, region),
			}},
		}
	}
	switch p {
	case KeyLogs:
		// Without DescribeKey: its requests carry no encryption context, so
		// under this condition it would never match (the policy pack's
		// kms-context-conditions); CloudWatch Logs needs only the rest.
		doc = append(doc, policydoc.Statement{
			Sid:       "CloudWatchLogsEncrypt",
			Principal: policydoc.Service(fmt.Sprintf("logs.%s.amazonaws.com", region)),
			Actions:   []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"},
			Condition: pulumi.Map{"ArnLike": pulumi.Map{
				"kms:EncryptionContext:aws:logs:arn": pulumi.Sprintf("arn:aws:logs:%s:%s:*", region, account),
			}},
		})
	case KeyEBS:
		// Auto Scaling launches node volumes through EC2 with its service-linked role.
		doc = append(doc, viaService("ec2", "kms:CreateGrant"))
	case KeyDatabase:
		doc = append(doc, viaService("rds", "kms:CreateGrant"))
	case KeySecrets:
		doc = append(doc, viaService("secretsmanager", "kms:CreateGrant"))
	case KeyBackup:
		// EC2 too: an EBS recovery point is an EBS snapshot, and its copy
		// into this region's vault is an EC2 snapshot copy encrypted with
		// the vault's key. RDS too: the failover stack restores an Aurora
		// recovery point of this vault straight through RDS.
		doc = append(doc, viaService("backup", "kms:CreateGrant"), viaService("ec2", "kms:CreateGrant"), viaService("rds", "kms:CreateGrant"))
	case KeyEKS:
		doc = append(doc, viaService("eks", "kms:CreateGrant"))
	case KeyMetrics:
		doc = append(doc, viaService("aps", "kms:CreateGrant"))
	case KeyECR:
		// ECR keeps a grant per KMS-encrypted repository and retires it
		// when the repository goes ("Encryption at rest", Amazon ECR User
		// Guide).
		doc = append(doc, viaService("ecr", "kms:CreateGrant", "kms:RetireGrant"))
	case KeyS3:
		// The trails of this account whose home region is this key's.
		trails := pulumi.Sprintf("arn:aws:cloudtrail:%s:%s:trail/*", region, account)
		doc = append(doc,
			policydoc.Statement{
				Sid:       "LogDeliveryWritesAccessLogs",
				Principal: policydoc.Service("delivery.logs.amazonaws.com"),
				Actions:   use,
				Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": account}},
			},
			// CloudTrail, per "Configure AWS KMS key policies for CloudTrail":
			// encrypt with the trail's encryption context; describe the key
			// (DescribeKey carries no encryption context, so it needs its own
			// statement); and decrypt, which creating or updating a trail
			// needs when the bucket uses an S3 Bucket Key, as ours do.
			policydoc.Statement{
				Sid:       "CloudTrailEncryptsLogs",
				Principal: policydoc.Service("cloudtrail.amazonaws.com"),
				Actions:   []string{"kms:GenerateDataKey*"},
				Condition: pulumi.Map{
					"StringLike": pulumi.Map{
						"kms:EncryptionContext:aws:cloudtrail:arn": pulumi.Sprintf("arn:aws:cloudtrail:*:%s:trail/*", account),
					},
					"ArnLike": pulumi.Map{"aws:SourceArn": trails},
				},
			},
			policydoc.Statement{
				Sid:       "CloudTrailDescribesKey",
				Principal: policydoc.Service("cloudtrail.amazonaws.com"),
				Actions:   []string{"kms:DescribeKey"},
				Condition: pulumi.Map{"ArnLike": pulumi.Map{"aws:SourceArn": trails}},
			},
			policydoc.Statement{
				Sid:       "CloudTrailDecryptsForBucketKey",
				Principal: policydoc.Service("cloudtrail.amazonaws.com"),
				Actions:   []string{"kms:Decrypt"},
				Condition: pulumi.Map{"ArnLike": pulumi.Map{"aws:SourceArn": trails}},
			})
	case KeySNS:
		doc = append(doc, policydoc.Statement{
			Sid:       "AlarmsPublish",
			Principal: policydoc.Service("cloudwatch.amazonaws.com", "aps.amazonaws.com"),
			Actions:   []string{"kms:Decrypt", "kms:GenerateDataKey*"},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": account}},
		})
		if costAlerts {
			// A service that publishes to an encrypted topic needs the key
			// ("Configuring AWS KMS permissions", Amazon SNS Developer Guide).
			doc = append(doc, policydoc.Statement{
				Sid:       "CostAlertsPublish",
				Principal: policydoc.Service("budgets.amazonaws.com", "costalerts.amazonaws.com"),
				Actions:   []string{"kms:Decrypt", "kms:GenerateDataKey*"},
				Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": account}},
			})
		}
		if findings {
			// An EventBridge rule whose target is an encrypted topic needs
			// the key ("Amazon SNS permissions", EventBridge User Guide):
			// the rules of this account.
			doc = append(doc, policydoc.Statement{
				Sid:       "EventBridgePublish",
				Principal: policydoc.Service("events.amazonaws.com"),
				Actions:   []string{"kms:Decrypt", "kms:GenerateDataKey*"},
				Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": account}},
			})
		}
	}
	return doc.JSON()
}
