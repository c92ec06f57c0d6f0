package rules

import (
	"encoding/json"
	"net"
	"path"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/platformeng/coder-platform/components/tokens"
)

// Type tokens the policies judge.
const (
	tProviderAWS   = "pulumi:providers:aws"
	tListener      = "aws:lb/listener:Listener"
	tALBListener   = "aws:alb/listener:Listener"
	tCertificate   = "aws:acm/certificate:Certificate"
	tClusterParams = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
	tDBParams      = "aws:rds/parameterGroup:ParameterGroup"
	tRDSCluster    = "aws:rds/cluster:Cluster"
	tRDSInstance   = "aws:rds/instance:Instance"
	tLaunchTmpl    = "aws:ec2/launchTemplate:LaunchTemplate"
	tInstance      = "aws:ec2/instance:Instance"
	tVolume        = "aws:ebs/volume:Volume"
	tNodeGroup     = "aws:eks/nodeGroup:NodeGroup"
	tEKSMNG        = "eks:index:ManagedNodeGroup"
	tEKSCluster    = "aws:eks/cluster:Cluster"
	tEKSComponent  = "eks:index:Cluster"
	tStorageClass  = "kubernetes:storage.k8s.io/v1:StorageClass"
	tBucketV2      = "aws:s3/bucketV2:BucketV2"
	tBucket        = "aws:s3/bucket:Bucket"
	tBucketSSE     = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tBucketPolicy  = "aws:s3/bucketPolicy:BucketPolicy"
	tLogGroup      = "aws:cloudwatch/logGroup:LogGroup"
	tTopic         = "aws:sns/topic:Topic"
	tSecret        = "aws:secretsmanager/secret:Secret"
	tRotation      = "aws:secretsmanager/secretRotation:SecretRotation"
	tVault         = "aws:backup/vault:Vault"
	tBackupPlan    = "aws:backup/plan:Plan"
	tSelection     = "aws:backup/selection:Selection"
	tKMSKey        = "aws:kms/key:Key"
	tSGIngress     = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tSGRule        = "aws:ec2/securityGroupRule:SecurityGroupRule"
	tSG            = "aws:ec2/securityGroup:SecurityGroup"
	tLoadBalancer  = "aws:lb/loadBalancer:LoadBalancer"
	tVpc           = "aws:ec2/vpc:Vpc"
	tFlowLog       = "aws:ec2/flowLog:FlowLog"
	tRolePolicy    = "aws:iam/rolePolicy:RolePolicy"
	tIAMPolicy     = "aws:iam/policy:Policy"
	tUserPolicy    = "aws:iam/userPolicy:UserPolicy"
	tGroupPolicy   = "aws:iam/groupPolicy:GroupPolicy"
	tRole          = "aws:iam/role:Role"
	tRoleAttach    = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tUserAttach    = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
	tGroupAttach   = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
	tDynamoTable   = "aws:dynamodb/table:Table"
	tEFS           = "aws:efs/fileSystem:FileSystem"
	tRelease       = "kubernetes:helm.sh/v3:Release"
	tConfiguration = tokens.Configuration
	tChartV4       = "kubernetes:helm.sh/v4:Chart"
	tService       = "kubernetes:core/v1:Service"
	tConfigMap     = "kubernetes:core/v1:ConfigMap"
	tIngress       = "kubernetes:networking.k8s.io/v1:Ingress"
	tCoder         = tokens.Coder
	tTemplate      = tokens.Template
)

// helmTypes are the ways a chart is installed.
var helmTypes = []string{tRelease, tChartV4}

// chartName is the chart of a Helm release: "coder" for "coder-v2/coder"
// or an OCI reference.
func chartName(r *Resource) string {
	c, _ := str(r.Props, "chart")
	c = strings.TrimSuffix(c, "/")
	if i := strings.LastIndex(c, ":"); i > strings.LastIndex(c, "/") {
		c = c[:i] // an OCI tag
	}
	return path.Base(c)
}

// coderValues is the coder block of a Coder chart's values.
func coderValues(r *Resource) (resource.PropertyMap, state) {
	return object(r.Props, "values", "coder")
}

// coderdValues is the coder block of a release that runs coderd: the coder
// chart, known, and not a workspace proxy.
func coderdValues(r *Resource) (resource.PropertyMap, bool) {
	if chartName(r) != "coder" {
		return nil, false
	}
	v, s := coderValues(r)
	if s != known {
		return nil, false
	}
	if proxy, ps := boolean(v, "workspaceProxy"); proxy || ps == unknown {
		return nil, false
	}
	return v, true
}

// envVar is one env entry of a chart's coder.env.
type envVar struct {
	value      string
	state      state
	fromSecret bool
}

// coderEnv reads coder.env as name → value; the state is unknown when the
// list itself is unknown.
func coderEnv(r *Resource) (map[string]envVar, state) {
	items, s := list(r.Props, "values", "coder", "env")
	if s != known {
		return map[string]envVar{}, s
	}
	out := map[string]envVar{}
	for _, it := range items {
		m, ms := elem(it)
		if ms != known {
			if ms == unknown {
				return out, unknown
			}
			continue
		}
		name, ns := str(m, "name")
		if ns != known {
			continue
		}
		if _, ok := m["valueFrom"]; ok {
			out[name] = envVar{state: known, fromSecret: true}
			continue
		}
		v, vs := str(m, "value")
		out[name] = envVar{value: v, state: vs}
	}
	return out, known
}

// worldCIDR reports whether a CIDR is the whole internet.
func worldCIDR(c string) bool { return c == "0.0.0.0/0" || c == "::/0" }

// clusterLocalURL reports whether a URL names a host inside the cluster
// (a Service), where plain HTTP never leaves the cluster network.
func clusterLocalURL(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return !strings.Contains(host, ".") || strings.HasSuffix(host, ".svc") || strings.HasSuffix(host, ".svc.cluster.local")
}

// dependsOn reports whether r's input key was computed from urn.
func (r *Resource) dependsOn(key, urn string) bool {
	for _, u := range r.PropertyDependencies[key] {
		if u == urn {
			return true
		}
	}
	return false
}

// region is the region of a resource's provider, when known.
func (r *Resource) region() string {
	if r.Provider == nil {
		return ""
	}
	v, _ := str(r.Provider.Props, "region")
	return v
}

// providerDefaultTags are the default tags of an AWS provider; providers
// register them as an object offline and as a JSON string in the engine.
func providerDefaultTags(p resource.PropertyMap) (map[string]bool, state) {
	v, s := at(p, "defaultTags")
	if s != known {
		return nil, s
	}
	if v.IsString() {
		var dt struct {
			Tags map[string]any `json:"tags"`
		}
		if json.Unmarshal([]byte(v.StringValue()), &dt) != nil {
			return nil, absent
		}
		out := map[string]bool{}
		for k := range dt.Tags {
			out[k] = true
		}
		return out, known
	}
	tags, ts := object(p, "defaultTags", "tags")
	if ts != known {
		return nil, ts
	}
	out := map[string]bool{}
	for k := range tags {
		out[string(k)] = true
	}
	return out, known
}

// byType indexes the stack's resources by type.
func byType(rs []*Resource) map[string][]*Resource {
	out := map[string][]*Resource{}
	for _, r := range rs {
		out[r.Type] = append(out[r.Type], r)
	}
	return out
}
