package cost

const (
	inNodes     = "runs on the cluster's nodes, which are priced"
	component   = "a component: it has no cloud resource of its own; its children are priced"
	configOnly  = "configuration of a priced resource, with no charge of its own"
	localOnly   = "made by the Pulumi engine itself; nothing in the cloud"
	networkFree = "VPC networking objects are free; traffic is priced on the NAT gateways, endpoints and load balancer"
	iamFree     = "IAM is free"
)

// FreeTypes are the resource types that cost nothing of their own, with
// the reason. Every type the stacks register is either here or priced.
var FreeTypes = map[string]string{
	"pulumi:pulumi:Stack":                           localOnly,
	"pulumi:providers:aws":                          localOnly,
	"pulumi:providers:kubernetes":                   localOnly,
	"pulumi:providers:cloudflare":                   localOnly,
	"tls:index/privateKey:PrivateKey":               localOnly,
	"tls:index/selfSignedCert:SelfSignedCert":       localOnly,
	"tls:index/locallySignedCert:LocallySignedCert": localOnly,
	"tls:index/certRequest:CertRequest":             localOnly,
	"random:index/randomPassword:RandomPassword":    localOnly,

	"coder:stacks:Region":            component,
	"coder:security:Keys":            component,
	"coder:network:Vpc":              component,
	"coder:cluster:Cluster":          component,
	"coder:database:Aurora":          component,
	"coder:dns:Certificate":          component,
	"coder:dns:Records":              component,
	"coder:edge:LoadBalancer":        component,
	"coder:observability:Prometheus": component,
	"coder:observability:Monitoring": component,
	"coder:delivery:Configuration":   component,

	"aws:iam/role:Role":                                 iamFree,
	"aws:iam/rolePolicy:RolePolicy":                     iamFree,
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": iamFree,
	"aws:iam/instanceProfile:InstanceProfile":           iamFree,

	"aws:ec2/vpc:Vpc":                                           networkFree,
	"aws:ec2/subnet:Subnet":                                     networkFree,
	"aws:ec2/routeTable:RouteTable":                             networkFree,
	"aws:ec2/route:Route":                                       networkFree,
	"aws:ec2/routeTableAssociation:RouteTableAssociation":       networkFree,
	"aws:ec2/internetGateway:InternetGateway":                   networkFree,
	"aws:ec2/securityGroup:SecurityGroup":                       networkFree,
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": networkFree,
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   networkFree,
	"aws:ec2/flowLog:FlowLog":                                   "the flow log itself is free; its records are priced on its log group",

	"aws:autoscaling/schedule:Schedule":                   "scheduled actions are free; their effect is in the node groups' hours",
	"aws:lb/targetGroup:TargetGroup":                      "part of the NLB, priced on its hours and NLCUs",
	"aws:lb/listener:Listener":                            "part of the NLB, priced on its hours and NLCUs",
	"aws:acm/certificate:Certificate":                     "public ACM certificates are free",
	"aws:acm/certificateValidation:CertificateValidation": "a wait for validation, nothing in the cloud",
	"aws:route53/record:Record":                           "records are free; the zone and its queries are priced on the DNS zone",
	"cloudflare:index/record:Record":                      "DNS at Cloudflare, outside AWS",

	"aws:rds/subnetGroup:SubnetGroup":                          configOnly,
	"aws:rds/clusterParameterGroup:ClusterParameterGroup":      configOnly,
	"aws:backup/selection:Selection":                           configOnly,
	"aws:backup/vaultLockConfiguration:VaultLockConfiguration": configOnly,
	"aws:kms/alias:Alias":                                      "aliases are free; the key is priced",
	"aws:secretsmanager/secretRotation:SecretRotation":         "rotation is free; its Lambda function is priced",
	"aws:secretsmanager/secretVersion:SecretVersion":           "a value of a priced secret",
	"aws:lambda/permission:Permission":                         configOnly,
	"aws:cloudwatch/eventRule:EventRule":                       "scheduled EventBridge rules that invoke AWS targets are free",
	"aws:cloudwatch/eventTarget:EventTarget":                   configOnly,
	"aws:sns/topic:Topic":                                      "alarm notifications, a few hundred a month: inside SNS's always-free deliveries",
	"aws:sns/topicPolicy:TopicPolicy":                          configOnly,
	"aws:sns/topicSubscription:TopicSubscription":              configOnly,
	"aws:amp/alertManagerDefinition:AlertManagerDefinition":    "AMP does not price the alert manager separately; rule evaluation is priced on the rule namespace",
	"aws:cloudtrail/trail:Trail":                               "the account's first trail of management events is free; its log files are priced on their bucket",
	"aws:ec2transitgateway/transitGateway:TransitGateway":      "owned outside the stack",

	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               configOnly,
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": configOnly,
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     configOnly,
	"aws:s3/bucketPolicy:BucketPolicy":                                                           configOnly,
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     configOnly,
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       configOnly,

	"kubernetes:core/v1:Namespace":                               inNodes,
	"kubernetes:core/v1:ConfigMap":                               inNodes,
	"kubernetes:core/v1:Secret":                                  inNodes,
	"kubernetes:core/v1:ServiceAccount":                          inNodes,
	"kubernetes:core/v1:Service":                                 inNodes,
	"kubernetes:core/v1:ResourceQuota":                           inNodes,
	"kubernetes:core/v1:LimitRange":                              inNodes,
	"kubernetes:apps/v1:Deployment":                              inNodes,
	"kubernetes:batch/v1:Job":                                    inNodes,
	"kubernetes:batch/v1:CronJob":                                inNodes,
	"kubernetes:helm.sh/v3:Release":                              inNodes,
	"kubernetes:networking.k8s.io/v1:NetworkPolicy":              inNodes,
	"kubernetes:policy/v1:PodDisruptionBudget":                   inNodes,
	"kubernetes:rbac.authorization.k8s.io/v1:Role":               inNodes,
	"kubernetes:rbac.authorization.k8s.io/v1:RoleBinding":        inNodes,
	"kubernetes:rbac.authorization.k8s.io/v1:ClusterRole":        inNodes,
	"kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": inNodes,
	"kubernetes:external-secrets.io/v1:SecretStore":              inNodes,
	"kubernetes:external-secrets.io/v1:ExternalSecret":           inNodes,
	"kubernetes:keda.sh/v1alpha1:ScaledObject":                   inNodes,
	"kubernetes:keda.sh/v1alpha1:TriggerAuthentication":          inNodes,
	"kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding":        inNodes,
}
