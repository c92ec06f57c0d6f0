package coder

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/templates"
)

// ProvisionersArgs configures the external provisioners of a region.
type ProvisionersArgs struct {
	// Organizations are the pools, sized by the capacity plan.
	Organizations      []ProvisionerOrg
	Resources          sizing.Resources
	CacheGiB           int
	GracePeriodSeconds int
}

// InClusterURL is coderd's Service inside its cluster: provisioners in the
// control-plane region reach coderd without leaving the cluster.
var InClusterURL = fmt.Sprintf("http://%s.%s.svc.cluster.local", ServerService, workloads.NamespaceCoder)

// provisionerURL is what provisioners dial: coderd's in-cluster Service in
// the control-plane region, the primary access URL elsewhere. KEDA asks the
// same address for the region's pending jobs.
func (a *CoderArgs) provisionerURL() string {
	if a.Role.RunsCoderd() {
		return InClusterURL
	}
	return a.PrimaryAccessURL
}

// ProvisionerOrg is one pool with its own release, key and identity.
type ProvisionerOrg struct {
	Name string
	// Replicas is the fixed size; under autoscaling the pool starts at Min
	// and KEDA keeps it within [Min, Max].
	Replicas, Min, Max int
	Autoscaled         bool
}

// Autoscaling reports whether any pool scales on its queue.
func (p ProvisionersArgs) Autoscaling() bool {
	for _, o := range p.Organizations {
		if o.Autoscaled {
			return true
		}
	}
	return false
}

// Demand that drives a pool's autoscaler (see docs/architecture.md): the
// pool's running builds plus the builds waiting for this region's
// provisioners. Running builds come from the pool's own pods (coderd runs
// no daemons, so only the provisioners export
// coderd_provisionerd_jobs_current), scraped into the region's own
// Prometheus. No coderd metric carries provisioner tags, so the pending
// builds come from coderd's API: the organization's pending jobs whose tags
// contain this region's tag (GET /api/v2/organizations/{org}/provisionerjobs
// ?status=pending&tags=..., coderd/provisionerjobs.go), counted by KEDA's
// metrics-api scaler with the GJSON path "#".
const (
	// RunningQuery is the pool's builds in progress (pool's metrics Service).
	RunningQuery = `sum(coderd_provisionerd_jobs_current{namespace="%s",service="%s"}) or vector(0)`
	// DemandFormula combines the two triggers by name (KEDA
	// advanced.scalingModifiers; expr language).
	DemandFormula = "running + pending"
	// PendingJobsLimit bounds the page coderd returns (its default is 50);
	// demand beyond it exceeds any pool's maximum.
	PendingJobsLimit = 1000
	// PurposeQueueToken is the session token KEDA reads pending jobs with:
	// a user with read on the organizations' provisioner jobs
	// (organization template admin or admin; coderd rbac).
	PurposeQueueToken = "provisioner-queue-token"
)

// PendingJobsURL is the coderd API query of an organization's pending jobs
// routed to region.
func PendingJobsURL(coderURL, org, region string) string {
	tags, _ := json.Marshal(map[string]string{templates.RegionTag: region})
	q := url.Values{"status": {"pending"}, "tags": {string(tags)}, "limit": {fmt.Sprint(PendingJobsLimit)}}
	return fmt.Sprintf("%s/api/v2/organizations/%s/provisionerjobs?%s", strings.TrimSuffix(coderURL, "/"), url.PathEscape(org), q.Encode())
}

// drainOnStop waits for the daemon to exit after the kubelet's SIGTERM:
// coder provisioner start treats SIGTERM and SIGHUP as "finish the current
// build, then exit" (cli StopSignalsNoInterrupt; only SIGINT cancels), and
// the grace period bounds the wait. The hook keeps the pod Terminating, and
// its build visible, until the daemon has gone.
var drainOnStop = []string{"/bin/sh", "-c", "kill -TERM 1; while kill -0 1 2>/dev/null; do sleep 2; done"}

func (c *Coder) createProvisioners(ctx *pulumi.Context) error {
	p := c.args.Provisioners
	var auth *queueAuth
	if p.Autoscaling() && c.keda != nil {
		var err error
		if auth, err = c.queueAuth(ctx); err != nil {
			return err
		}
	}
	for _, org := range p.Organizations {
		if err := c.createProvisionerPool(ctx, org, auth); err != nil {
			return fmt.Errorf("provisioners %s: %w", org.Name, err)
		}
	}
	return nil
}

// queueAuth is how KEDA reads demand: SigV4 for the region's Prometheus, and
// the queue token for coderd's API, synced from Secrets Manager. Nil while
// the token has no value: the pools then run fixed at their maximum.
type queueAuth struct {
	prometheus, coderd pulumi.Resource
}

func (c *Coder) queueAuth(ctx *pulumi.Context) (*queueAuth, error) {
	ns := workloads.NamespaceProvisioner
	tok, err := c.newSecret(ctx, PurposeQueueToken, "Coder session token KEDA counts this region's pending provisioner jobs with (organization template admin)", true)
	if err != nil {
		return nil, err
	}
	if !c.ready(PurposeQueueToken) {
		return nil, nil
	}
	_, sa, err := c.identity(ctx, "queue", ns, queueReader, "Reads the provisioner queue token for KEDA; nothing else", c.readSecrets(tok))
	if err != nil {
		return nil, err
	}
	store, storeName, err := c.secretStore(ctx, ns, queueReader, sa)
	if err != nil {
		return nil, err
	}
	es, err := c.externalSecret(ctx, ns, storeName, queueReader, []remoteKey{{SecretKey: "token", Remote: pulumi.String(tok.name)}}, tok.secret, store)
	if err != nil {
		return nil, err
	}
	trigger := func(name string, spec pulumi.Map, deps ...pulumi.Resource) (pulumi.Resource, error) {
		return apiextensions.NewCustomResource(ctx, c.name+"-keda-"+name, &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String("keda.sh/v1alpha1"),
			Kind:        pulumi.String("TriggerAuthentication"),
			Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(ns)},
			OtherFields: kubernetes.UntypedArgs{"spec": spec},
		}, c.k8s(append([]pulumi.Resource{c.keda, c.namespace(ns)}, deps...)...)...)
	}
	amp, err := trigger(ampAuth, pulumi.Map{"podIdentity": pulumi.Map{"provider": pulumi.String("aws")}})
	if err != nil {
		return nil, err
	}
	// metrics-api reads the key as parameter apiKey and sends it in the
	// header named by keyParamName (KEDA pkg/scalers/authentication).
	api, err := trigger(coderdAuth, pulumi.Map{"secretTargetRef": pulumi.Array{pulumi.Map{
		"parameter": pulumi.String("apiKey"), "name": pulumi.String(queueReader), "key": pulumi.String("token"),
	}}}, es)
	if err != nil {
		return nil, err
	}
	return &queueAuth{prometheus: amp, coderd: api}, nil
}

// Names of KEDA's authentication objects and of the token's reader.
const (
	ampAuth     = "aws-amp"
	coderdAuth  = "coderd-queue"
	queueReader = "coder-queue-reader"
)

// ProvisionerName is the release, Deployment and service account of an org.
func ProvisionerName(org string) string { return "coder-provisioner-" + org }

// MetricsServiceName is the headless Service over a workload's metrics
// port; the scrape labels its series service="<this name>".
func MetricsServiceName(workload string) string { return workload + "-metrics" }

func (c *Coder) createProvisionerPool(ctx *pulumi.Context, org ProvisionerOrg, auth *queueAuth) error {
	a := c.args
	p := a.Provisioners
	ns := workloads.NamespaceProvisioner
	name := ProvisionerName(org.Name)
	key, err := c.newSecret(ctx, ProvisionerKeyPurpose(org.Name),
		fmt.Sprintf("Provisioner key of organization %s in %s (coder provisioner keys create)", org.Name, a.Region), true)
	if err != nil {
		return err
	}
	roleArn, sa, err := c.identity(ctx, "prov-"+org.Name, ns, name, "CoderProvRole ("+org.Name+"): EC2 workspaces in the workspace subnets", c.provisionerPolicy(key))
	if err != nil {
		return err
	}
	c.provArns[org.Name] = roleArn
	store, storeName, err := c.secretStore(ctx, ns, name, sa)
	if err != nil {
		return err
	}
	keySecret := name + "-key"
	es, err := c.externalSecret(ctx, ns, storeName, keySecret, []remoteKey{{SecretKey: "key", Remote: pulumi.String(key.name)}}, key.secret, store)
	if err != nil {
		return err
	}
	rbac, err := c.workspaceRBAC(ctx, name)
	if err != nil {
		return err
	}
	if !c.ready(ProvisionerKeyPurpose(org.Name)) {
		return nil // the pool starts once its key is in Secrets Manager
	}
	scaled := org.Autoscaled && auth != nil
	replicas := org.Replicas
	switch {
	case scaled:
		replicas = org.Min // the autoscaler owns the count from here
	case org.Autoscaled:
		replicas = org.Max // no queue token yet: hold the ceiling, never starve builds
	}
	t := workloads.TierProvisioner
	cache := pulumi.Map{"name": pulumi.String("terraform-cache"), "ephemeral": pulumi.Map{"volumeClaimTemplate": pulumi.Map{"spec": pulumi.Map{
		"accessModes":      pulumi.ToStringArray([]string{"ReadWriteOnce"}),
		"storageClassName": pulumi.String(workloads.StorageClassDefault),
		"resources":        pulumi.Map{"requests": pulumi.Map{"storage": pulumi.Sprintf("%dGi", p.CacheGiB)}},
	}}}}
	repo, tag := c.chartImage()
	values := pulumi.Map{
		"nameOverride": pulumi.String(name),
		"coder": pulumi.Map{
			"image":        pulumi.Map{"repo": pulumi.String(repo), "tag": pulumi.String(tag)},
			"replicaCount": pulumi.Int(replicas),
			"env": pulumi.Array{
				env("CODER_URL", pulumi.String(a.provisionerURL())),
				env("CODER_CACHE_DIRECTORY", pulumi.String("/home/coder/.cache/coder")),
				env("CODER_PROMETHEUS_ENABLE", pulumi.String("true")),
			},
			"resources":    resources(p.Resources),
			"nodeSelector": pulumi.ToMap(t.NodeSelector()),
			"tolerations":  pulumi.Array{pulumi.ToMap(t.Toleration())},
			"serviceAccount": pulumi.Map{
				"name": pulumi.String(name), "disableCreate": pulumi.Bool(true),
				// Workspace rights are granted in coder-ws by workspaceRBAC.
				"workspacePerms": pulumi.Bool(false), "enableDeployments": pulumi.Bool(false),
			},
			"podAnnotations":     pulumi.Map{"cluster-autoscaler.kubernetes.io/safe-to-evict": pulumi.String("false")},
			"podSecurityContext": pulumi.Map{"fsGroup": pulumi.Int(1000)},
			"lifecycle":          pulumi.Map{"preStop": pulumi.Map{"exec": pulumi.Map{"command": pulumi.ToStringArray(drainOnStop)}}},
			"volumes":            pulumi.Array{cache},
			"volumeMounts": pulumi.Array{pulumi.Map{
				"name": pulumi.String("terraform-cache"), "mountPath": pulumi.String("/home/coder/.cache/coder"),
			}},
		},
		"provisionerDaemon": pulumi.Map{
			// A scoped key, never the deployment-wide PSK.
			"keySecretName":                 pulumi.String(keySecret),
			"keySecretKey":                  pulumi.String("key"),
			"pskSecretName":                 pulumi.String(""),
			"terminationGracePeriodSeconds": pulumi.Int(p.GracePeriodSeconds),
		},
	}
	release, err := c.release(ctx, fmt.Sprintf("%s-%s", c.name, name), chart{Release: name, Chart: ProvisionerChart,
		Version: a.ChartVersion, Repo: ChartRepo, Namespace: ns}, values, sa, store, es, rbac)
	if err != nil {
		return err
	}
	if err := c.metricsService(ctx, ns, MetricsServiceName(name), map[string]string{"app.kubernetes.io/name": name}, release); err != nil {
		return err
	}
	if !scaled {
		return nil // a fixed pool
	}
	return c.scaledObject(ctx, name, org, release, auth)
}

// scaledObject scales a pool on its region's queue between Min and Max:
// fast up, one pod per 5 minutes down after 15 quiet minutes.
func (c *Coder) scaledObject(ctx *pulumi.Context, name string, org ProvisionerOrg, release pulumi.Resource, auth *queueAuth) error {
	q := c.args.QueueMetrics
	server := q.Endpoint.ApplyT(func(e string) string { return strings.TrimSuffix(e, "/") }).(pulumi.StringOutput)
	running := pulumi.Map{
		"type": pulumi.String("prometheus"), "name": pulumi.String("running"),
		"authenticationRef": pulumi.Map{"name": pulumi.String(ampAuth)},
		"metadata": pulumi.Map{
			"serverAddress": server, "awsRegion": pulumi.String(q.Region),
			"query":     pulumi.String(fmt.Sprintf(RunningQuery, workloads.NamespaceProvisioner, MetricsServiceName(name))),
			"threshold": pulumi.String("1"), "ignoreNullValues": pulumi.String("true"),
		},
	}
	pending := pulumi.Map{
		"type": pulumi.String("metrics-api"), "name": pulumi.String("pending"),
		"authenticationRef": pulumi.Map{"name": pulumi.String(coderdAuth)},
		"metadata": pulumi.Map{
			"url": pulumi.String(PendingJobsURL(c.args.provisionerURL(), org.Name, c.args.Region)), "format": pulumi.String("json"),
			"valueLocation": pulumi.String("#"), "targetValue": pulumi.String("1"),
			"authMode": pulumi.String("apiKey"), "method": pulumi.String("header"), "keyParamName": pulumi.String("Coder-Session-Token"),
		},
	}
	_, err := apiextensions.NewCustomResource(ctx, fmt.Sprintf("%s-%s-scaler", c.name, name), &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("keda.sh/v1alpha1"),
		Kind:       pulumi.String("ScaledObject"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(workloads.NamespaceProvisioner)},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"scaleTargetRef":  pulumi.Map{"name": pulumi.String(name)},
			"minReplicaCount": pulumi.Int(org.Min),
			"maxReplicaCount": pulumi.Int(org.Max),
			"pollingInterval": pulumi.Int(30),
			"cooldownPeriod":  pulumi.Int(900),
			"advanced": pulumi.Map{
				"scalingModifiers": pulumi.Map{"formula": pulumi.String(DemandFormula), "target": pulumi.String("1"),
					"metricType": pulumi.String("AverageValue")},
				"horizontalPodAutoscalerConfig": pulumi.Map{"behavior": pulumi.Map{
					"scaleUp": pulumi.Map{"stabilizationWindowSeconds": pulumi.Int(0),
						"policies": pulumi.Array{pulumi.Map{"type": pulumi.String("Percent"), "value": pulumi.Int(100), "periodSeconds": pulumi.Int(30)}}},
					// Slow and one at a time: each removed pod drains its build first.
					"scaleDown": pulumi.Map{"stabilizationWindowSeconds": pulumi.Int(900),
						"policies": pulumi.Array{pulumi.Map{"type": pulumi.String("Pods"), "value": pulumi.Int(1), "periodSeconds": pulumi.Int(300)}}},
				}},
			},
			"triggers": pulumi.Array{running, pending},
		}},
	}, c.k8s(release, auth.prometheus, auth.coderd)...)
	return err
}

// workspaceRBAC lets a provisioner manage Kubernetes workspaces in coder-ws
// and nowhere else.
func (c *Coder) workspaceRBAC(ctx *pulumi.Context, sa string) (pulumi.Resource, error) {
	ws := workloads.NamespaceWorkspaces
	all := []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	rule := func(group string, verbs []string, res ...string) rbacv1.PolicyRuleArgs {
		return rbacv1.PolicyRuleArgs{ApiGroups: pulumi.ToStringArray([]string{group}), Resources: pulumi.ToStringArray(res), Verbs: pulumi.ToStringArray(verbs)}
	}
	role, err := rbacv1.NewRole(ctx, fmt.Sprintf("%s-%s-ws", c.name, sa), &rbacv1.RoleArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(sa + "-workspaces"), Namespace: pulumi.String(ws)},
		Rules: rbacv1.PolicyRuleArray{
			rule("", all, "pods", "persistentvolumeclaims", "services", "configmaps", "secrets"),
			rule("apps", all, "deployments"),
			rule("networking.k8s.io", all, "networkpolicies"),
			rule("", []string{"get", "list", "watch"}, "events", "pods/log"),
		},
	}, c.k8s(c.namespace(ws))...)
	if err != nil {
		return nil, err
	}
	return rbacv1.NewRoleBinding(ctx, fmt.Sprintf("%s-%s-ws", c.name, sa), &rbacv1.RoleBindingArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(sa + "-workspaces"), Namespace: pulumi.String(ws)},
		RoleRef:  rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("Role"), Name: pulumi.String(sa + "-workspaces")},
		Subjects: rbacv1.SubjectArray{rbacv1.SubjectArgs{Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(sa), Namespace: pulumi.String(workloads.NamespaceProvisioner)}},
	}, c.k8s(role)...)
}
