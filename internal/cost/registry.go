package cost

// pricers are the resource types that cost money, or may: a pricer that
// returns no line leaves that resource free, with its reason.
var pricers = map[string]pricer{
	"eks:index:Cluster":                                 eksCluster,
	typeNodeGroup:                                       nodeGroup,
	"aws:ec2/launchTemplate:LaunchTemplate":             launchTemplate,
	"aws:eks/addon:Addon":                               eksAddon,
	"kubernetes:storage.k8s.io/v1:StorageClass":         storageClass,
	"coder:templates:Template":                          template,
	"coder:coder:Coder":                                 coderDeployment,
	"aws:ec2/natGateway:NatGateway":                     natGateway,
	"aws:ec2/eip:Eip":                                   eip,
	"aws:lb/loadBalancer:LoadBalancer":                  loadBalancer,
	"aws:ec2/vpcEndpoint:VpcEndpoint":                   vpcEndpoint,
	"aws:ec2transitgateway/vpcAttachment:VpcAttachment": tgwAttachment,
	"aws:rds/cluster:Cluster":                           rdsCluster,
	"aws:rds/clusterInstance:ClusterInstance":           clusterInstance,
	"aws:backup/plan:Plan":                              backupPlan,
	"aws:backup/vault:Vault":                            backupVault,
	"aws:cloudwatch/logGroup:LogGroup":                  logGroup,
	"aws:cloudwatch/metricAlarm:MetricAlarm":            metricAlarm,
	"aws:cloudwatch/dashboard:Dashboard":                dashboard,
	"aws:cloudwatch/logMetricFilter:LogMetricFilter":    logMetricFilter,
	"aws:amp/workspace:Workspace":                       ampWorkspace,
	"aws:amp/scraper:Scraper":                           ampScraper,
	"aws:amp/ruleGroupNamespace:RuleGroupNamespace":     ampRules,
	"aws:lambda/function:Function":                      lambdaFunction,
	"aws:s3/bucketV2:BucketV2":                          bucket,
	"aws:kms/key:Key":                                   kmsKey,
	"aws:secretsmanager/secret:Secret":                  secret,
	"coder:dns:Zone":                                    dnsZone,
	"aws:route53/zone:Zone":                             route53Zone,
	"aws:guardduty/detector:Detector":                   guardDutyDetector,
	"aws:cfg/recorder:Recorder":                         configRecorder,
	"aws:cfg/rule:Rule":                                 configRule,
	"aws:securityhub/account:Account":                   securityHubAccount,
}

// Priced reports whether a resource type is priced (or may be).
func Priced(typ string) bool { _, ok := pricers[typ]; return ok }
