// Package coder deploys Coder itself on a region's cluster: coderd (or a
// workspace proxy), external provisioners with queue-depth autoscaling, the
// AI gateway, and the IAM identities and secrets they use.
//
// Secrets live in Secrets Manager (KMS-encrypted containers this component
// creates; operators put the values) and reach pods through External
// Secrets Operator. Each namespace's SecretStore assumes the IRSA role of
// the workload that uses the secrets, so a role reads only its own secrets.
package coder

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/internal/irsa"
	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/sizing"
)

// Image is the official Coder image; Version picks the tag.
const Image = "ghcr.io/coder/coder"

// Charts are the official Coder charts.
const (
	ChartRepo        = "https://helm.coder.com/v2"
	CoderChart       = "coder"
	ProvisionerChart = "coder-provisioner"
)

// ClusterRef is what Coder needs of its region's cluster: the Kubernetes
// provider, the IRSA identity provider, and the namespaces the cluster
// created (Coder's resources in them wait for them).
type ClusterRef struct {
	KubeProvider *kubernetes.Provider
	OIDC         irsa.OIDC
	Namespaces   map[string]pulumi.Resource
}

// CoderArgs configures Coder in one region.
type CoderArgs struct {
	Role      workloads.Role
	Stack     string
	Region    string
	AccountID pulumi.StringOutput
	// Version is the one image tag of the stack: coderd, every proxy and
	// every provisioner run it.
	Version      string
	ChartVersion string
	// Images are the region's resolved image references (images.go).
	Images Images
	// AccessURL is this region's CODER_ACCESS_URL; PrimaryAccessURL is the
	// control plane's (what proxies and remote provisioners connect to).
	AccessURL        string
	PrimaryAccessURL string

	Cluster        ClusterRef
	TargetGroupArn pulumi.StringOutput
	Keys           Keys
	Workspaces     WorkspaceNetwork

	// Server is coderd or the proxy: replicas and resources.
	Server   sizing.Deployment
	Database *DatabaseArgs
	OIDC     *OIDCArgs
	Identity IdentityArgs
	// License says the stack is licensed: its JWT is read from Secrets
	// Manager and installed by the Day-2 configuration (control plane).
	License *LicenseArgs
	// Configuration is the Day-2 configuration (control plane).
	Configuration ConfigurationArgs
	// BuildRetries retries failed workspace starts (control plane); nil
	// retries none.
	BuildRetries *BuildRetriesArgs
	// SecretVersions are the current Secrets Manager versions of the
	// operator-filled secrets; a new licence version re-runs the Day-2
	// configuration.
	SecretVersions map[string]string
	ExternalAuth   []ExternalAuthArgs
	QuietHours     QuietHoursArgs
	AIBridge       bool
	// AggregateAgentStats keeps metric cardinality bounded at scale.
	AggregateAgentStats bool
	QueueMetrics        *PrometheusRef
	// KEDAChartVersion is a KEDA release tested on the cluster's Kubernetes
	// minor (compat.Set).
	KEDAChartVersion string
	Provisioners     ProvisionersArgs
	// ProxyToken is the proxy session token from secret config; nil reads it
	// from Secrets Manager instead.
	ProxyToken pulumi.StringInput
	AIGateway  *AIGatewayArgs
	// Templates are delivered to coderd (control plane only); nil delivers
	// none.
	Templates *TemplatesArgs
	// SecretsReady says which RequiredSecrets purposes hold a value; a
	// workload whose secrets are empty is not deployed yet.
	SecretsReady map[string]bool
}

// Keys are the customer-managed keys Coder's resources use.
type Keys struct {
	Secrets pulumi.StringOutput
	EBS     pulumi.StringOutput
	// Replica is where the secrets that cannot be re-created are
	// replicated (nil: none).
	Replica *SecretReplica
}

// SecretReplica is a Secrets Manager replica region and its key.
type SecretReplica struct {
	Region string
	KeyArn pulumi.StringInput
}

// WorkspaceNetwork is where EC2 workspaces are launched.
type WorkspaceNetwork struct {
	VpcID           pulumi.StringOutput
	SubnetIDs       pulumi.StringArrayOutput
	SecurityGroupID pulumi.StringOutput
	// AccessAddresses are the NLB addresses workspace agents dial: the
	// region's own, and in a proxy region the control plane's too.
	AccessAddresses []Addresses
}

// Addresses are a load balancer's static addresses, Count of them.
type Addresses struct {
	IPs   pulumi.StringArrayOutput
	Count int
}

// PrometheusRef is one managed Prometheus workspace.
type PrometheusRef struct {
	WorkspaceArn pulumi.StringOutput
	Endpoint     pulumi.StringOutput
	Region       string
}

// Coder is Coder in one region.
type Coder struct {
	pulumi.ResourceState

	// ServerRoleArn is CoderServerRole (coderd) or the proxy's role.
	ServerRoleArn pulumi.StringOutput `pulumi:"serverRoleArn"`
	// ProvisionerRoleArns is CoderProvRole per organization.
	ProvisionerRoleArns pulumi.StringMapOutput `pulumi:"provisionerRoleArns"`
	// SecretsToFill lists the Secrets Manager secrets operators put values in.
	SecretsToFill pulumi.StringArrayOutput `pulumi:"secretsToFill"`
	// WorkspaceInstanceProfile is the profile EC2 templates attach.
	WorkspaceInstanceProfile pulumi.StringOutput `pulumi:"workspaceInstanceProfile"`
	// PendingSecrets are empty secrets whose workloads wait for them.
	PendingSecrets pulumi.StringArrayOutput `pulumi:"pendingSecrets"`
	// Pending is PendingSecrets as plain names, for the caller's report.
	Pending []string

	args       *CoderArgs
	name       string
	secrets    map[string]*smSecret
	toFill     []string
	pending    []string
	eso        pulumi.Resource
	keda       pulumi.Resource
	wsRole     pulumi.StringOutput
	wsRoleName pulumi.StringOutput
	coderd     pulumi.Resource
	// configuration is the Day-2 configuration, once it runs.
	configuration pulumi.Resource
	provArns      pulumi.StringMap
}

// NewCoder deploys Coder in one region.
func NewCoder(ctx *pulumi.Context, name string, args *CoderArgs, opts ...pulumi.ResourceOption) (*Coder, error) {
	c := &Coder{args: args, name: name, secrets: map[string]*smSecret{}, provArns: pulumi.StringMap{}}
	if err := ctx.RegisterComponentResourceV2(tokens.Coder, name, componentInputs(args), c, opts...); err != nil {
		return nil, err
	}
	steps := []func(*pulumi.Context) error{c.createOperators, c.createWorkspaceIdentity, c.createWorkspaceImages}
	if args.Role.RunsCoderd() {
		steps = append(steps, c.createCoderd)
		if args.AIGateway != nil {
			steps = append(steps, c.createAIGateway)
		}
	} else {
		steps = append(steps, c.createProxy)
	}
	steps = append(steps, c.createAgentEgress, c.createProvisioners)
	if args.Role.RunsCoderd() {
		steps = append(steps, c.createConfiguration, c.createBuildRetries)
		if args.Templates != nil {
			steps = append(steps, c.createTemplates)
		}
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("coder %s: %w", name, err)
		}
	}
	c.ProvisionerRoleArns = c.provArns.ToStringMapOutput()
	c.SecretsToFill = pulumi.ToStringArray(c.toFill).ToStringArrayOutput()
	c.Pending = c.pending
	c.PendingSecrets = pulumi.ToStringArray(c.pending).ToStringArrayOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"serverRoleArn": c.ServerRoleArn, "provisionerRoleArns": c.ProvisionerRoleArns,
		"secretsToFill": c.SecretsToFill, "workspaceInstanceProfile": c.WorkspaceInstanceProfile,
		"pendingSecrets": c.PendingSecrets,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// componentInputs records what the policy pack judges on the component:
// the image version (proxies must match the control plane) and the URLs.
func componentInputs(a *CoderArgs) pulumi.Map {
	orgs := pulumi.StringArray{}
	for _, o := range a.Provisioners.Organizations {
		orgs = append(orgs, pulumi.String(o.Name))
	}
	m := pulumi.Map{
		"role": pulumi.String(string(a.Role)), "region": pulumi.String(a.Region),
		"version": pulumi.String(a.Version), "chartVersion": pulumi.String(a.ChartVersion),
		"accessUrl": pulumi.String(a.AccessURL), "wildcardAccessUrl": pulumi.String(wildcardURL(a.AccessURL)),
		"replicas": pulumi.Int(a.Server.Replicas), "provisionerOrganizations": orgs,
	}
	if a.Role.RunsProxy() {
		m["primaryAccessUrl"] = pulumi.String(a.PrimaryAccessURL)
	}
	return m
}

// namespace returns a namespace's resource for dependencies.
func (c *Coder) namespace(ns string) pulumi.Resource { return c.args.Cluster.Namespaces[ns] }

// k8s are the options of a resource inside the region's cluster.
func (c *Coder) k8s(deps ...pulumi.Resource) []pulumi.ResourceOption {
	var clean []pulumi.Resource
	for _, d := range deps {
		if d != nil {
			clean = append(clean, d)
		}
	}
	return []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(c.args.Cluster.KubeProvider), pulumi.DependsOn(clean)}
}
