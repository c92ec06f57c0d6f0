package scaletest

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/bucket"
	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/internal/policydoc"
)

// bucket holds the results: SSE-KMS, versioned, private, TLS only,
// expired after RetentionDays.
func (s *Scaletest) bucket(ctx *pulumi.Context, name string, a *Args) (*bucket.Bucket, error) {
	return bucket.New(ctx, a.bucketName(name), bucket.Args{KmsKeyArn: a.BucketKeyArn, ExpireDays: a.RetentionDays}, s)
}

// BucketName is the results bucket's name prefix; "" names it after the
// component.
func (a *Args) bucketName(name string) string {
	if a.BucketName != "" {
		return a.BucketName
	}
	return name
}

// identity is the run's IRSA role and service account: it reads the admin
// token through External Secrets, and writes under <stack>/ of the bucket.
func (s *Scaletest) identity(ctx *pulumi.Context, name string, a *Args, b *bucket.Bucket) (*corev1.ServiceAccount, error) {
	role, err := irsa.NewRole(ctx, name, irsa.RoleArgs{
		OIDC: a.OIDC, ServiceAccount: policydoc.ServiceAccount{Namespace: a.Namespace, Name: ServiceAccount},
		Description: "Coder scale test: reads the automation account's token, writes the results bucket",
		Policy:      a.policy(b.Arn),
	}, s)
	if err != nil {
		return nil, err
	}
	return corev1.NewServiceAccount(ctx, name, &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(ServiceAccount), Namespace: pulumi.String(a.Namespace),
			Annotations: pulumi.StringMap{irsa.AnnotationKey: role.Arn}},
	}, a.k8s(s)...)
}

// policy is the run's role policy.
func (a *Args) policy(bucketArn pulumi.StringOutput) policydoc.Document {
	via := func(svc string) pulumi.Map {
		return pulumi.Map{"StringEquals": pulumi.Map{"kms:ViaService": pulumi.Sprintf("%s.%s.amazonaws.com", svc, a.Region)}}
	}
	return policydoc.Document{
		{Sid: "ReadAdminToken", Actions: []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
			Resources: pulumi.StringArray{a.AdminToken.Arn}},
		{Sid: "DecryptAdminToken", Actions: []string{"kms:Decrypt"}, Resources: pulumi.StringArray{a.SecretsKeyArn}, Condition: via("secretsmanager")},
		{Sid: "WriteResults", Actions: []string{"s3:PutObject"}, Resources: pulumi.StringArray{pulumi.Sprintf("%s/%s/*", bucketArn, a.Stack)}},
		// SSE-KMS: S3 asks for a data key on a put, and decrypts it to
		// complete a multipart upload (aws s3 cp splits files over 8 MB).
		{Sid: "EncryptResults", Actions: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resources: pulumi.StringArray{a.BucketKeyArn}, Condition: via("s3")},
	}
}

// token syncs the admin token into the Kubernetes secret the run reads,
// through a SecretStore that assumes the run's own role.
func (s *Scaletest) token(ctx *pulumi.Context, name string, a *Args, sa *corev1.ServiceAccount) (pulumi.Resource, error) {
	store := "aws-" + ServiceAccount
	st, err := apiextensions.NewCustomResource(ctx, name+"-store", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("external-secrets.io/v1"),
		Kind:       pulumi.String("SecretStore"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(store), Namespace: pulumi.String(a.Namespace)},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{"provider": pulumi.Map{"aws": pulumi.Map{
			"service": pulumi.String("SecretsManager"),
			"region":  pulumi.String(a.Region),
			"auth":    pulumi.Map{"jwt": pulumi.Map{"serviceAccountRef": pulumi.Map{"name": pulumi.String(ServiceAccount)}}},
		}}}},
	}, a.k8s(s, sa)...)
	if err != nil {
		return nil, err
	}
	return apiextensions.NewCustomResource(ctx, name+"-token", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("external-secrets.io/v1"),
		Kind:       pulumi.String("ExternalSecret"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(tokenSecret), Namespace: pulumi.String(a.Namespace)},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"refreshInterval": pulumi.String("1h"),
			"secretStoreRef":  pulumi.Map{"name": pulumi.String(store), "kind": pulumi.String("SecretStore")},
			"target":          pulumi.Map{"name": pulumi.String(tokenSecret), "creationPolicy": pulumi.String("Owner")},
			"data": pulumi.Array{pulumi.Map{"secretKey": pulumi.String("token"),
				"remoteRef": pulumi.Map{"key": pulumi.String(a.AdminToken.Name)}}},
		}},
	}, a.k8s(s, st)...)
}

// k8s parents a Kubernetes resource, sets the provider and the
// dependencies.
func (a *Args) k8s(parent pulumi.Resource, deps ...pulumi.Resource) []pulumi.ResourceOption {
	return []pulumi.ResourceOption{pulumi.Parent(parent), pulumi.Provider(a.KubeProvider), pulumi.DependsOn(append(deps, a.DependsOn...))}
}
