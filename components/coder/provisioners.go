package coder

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/cluster"
	"github.com/platformeng/coder-platform/sizing"
)

// ProvisionersArgs configures the external provisioners of a region.
type ProvisionersArgs struct {
	Organizations []ProvisionerOrg
	// Replicas is the capacity arithmetic's count for the first
	// organization; the others get their own or MinReplicas.
	Replicas                 int
	MinReplicas, MaxReplicas int
	Autoscaling              bool
	Resources                sizing.Resources
	CacheGiB                 int
	GracePeriodSeconds       int
	StorageClass             string
	// CoderURL is what provisioners dial: coderd's in-cluster Service in the
	// control-plane region, the primary access URL elsewhere.
	CoderURL string
	// QueueWaitTargetSeconds is the p90 queue wait above which the
	// autoscaler adds capacity in proportion.
	QueueWaitTargetSeconds int
}

// ProvisionerOrg is one pool with its own release, key and identity.
type ProvisionerOrg struct {
	Name     string
	Replicas int // 0: the default for its position
}

// Queries that drive the autoscaler (see docs/architecture.md). Demand is
// the pool's running builds plus the builds waiting for a provisioner,
// scaled up by how far the p90 queue wait is over target. The running jobs
// come from the pool's own pods (coderd runs no daemons, so only the
// provisioners export coderd_provisionerd_jobs_current), scraped into the
// region's own Prometheus; pending builds and the queue wait come from
// coderd, in the control plane's. KEDA's scalingModifiers formula adds them
// up, since the two live in different workspaces. Each query answers 0 (the
// wait 1) on an empty result, not null.
const (
	// RunningQuery is the pool's builds in progress (pool's metrics Service).
	RunningQuery = `sum(coderd_provisionerd_jobs_current{namespace="%s",service="%s"}) or vector(0)`
	// PendingQuery counts builds waiting for a provisioner. Every coderd
	// replica reports the same count from the database: max, not sum.
	PendingQuery = `max(coderd_api_workspace_latest_build{status="pending"}) or vector(0)`
	// WaitQuery is the p90 queue wait over its target, at least 1: at
	// twice the target it asks for twice the capacity.
	WaitQuery = `clamp_min(histogram_quantile(0.9, sum by (le) (rate(coderd_provisioner_job_queue_wait_seconds_bucket[5m]))) / %d, 1) or vector(1)`
	// DemandFormula combines the three triggers by name (KEDA
	// advanced.scalingModifiers; expr language).
	DemandFormula = "(running + pending) * wait"
)

// drainOnStop waits for the daemon to exit after the kubelet's SIGTERM:
// coder provisioner start treats SIGTERM and SIGHUP as "finish the current
// build, then exit" (cli StopSignalsNoInterrupt; only SIGINT cancels), and
// the grace period bounds the wait. The hook keeps the pod Terminating, and
// its build visible, until the daemon has gone.
var drainOnStop = []string{"/bin/sh", "-c", "kill -TERM 1; while kill -0 1 2>/dev/null; do sleep 2; done"}

func (c *Coder) createProvisioners(ctx *pulumi.Context) error {
	p := c.args.Provisioners
	ns := cluster.NamespaceProvisioner
	var auth pulumi.Resource
	if p.Autoscaling && c.keda != nil {
		ta, err := apiextensions.NewCustomResource(ctx, c.name+"-keda-amp", &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String("keda.sh/v1alpha1"),
			Kind:        pulumi.String("TriggerAuthentication"),
			Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String("aws-amp"), Namespace: pulumi.String(ns)},
			OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{"podIdentity": pulumi.Map{"provider": pulumi.String("aws")}}},
		}, c.k8s(c.keda, c.namespace(ns))...)
		if err != nil {
			return err
		}
		auth = ta
	}
	for i, org := range p.Organizations {
		if err := c.createProvisionerPool(ctx, org, p.pool(i, org), auth); err != nil {
			return fmt.Errorf("provisioners %s: %w", org.Name, err)
		}
	}
	return nil
}

// poolSize is one pool's replica count and autoscaling bounds.
type poolSize struct{ Replicas, Min, Max int }

// pool sizes the i-th organization's pool: the first gets the capacity
// arithmetic, the others MinReplicas; an organization's own replicas is its
// fixed size, or its ceiling under autoscaling.
func (p ProvisionersArgs) pool(i int, org ProvisionerOrg) poolSize {
	s := poolSize{Replicas: p.MinReplicas, Min: p.MinReplicas, Max: p.MaxReplicas}
	if i == 0 {
		s.Replicas = p.Replicas
	}
	if org.Replicas > 0 {
		s.Replicas, s.Max = org.Replicas, org.Replicas
		s.Min = min(s.Min, org.Replicas)
	}
	return s
}

// ProvisionerName is the release, Deployment and service account of an org.
func ProvisionerName(org string) string { return "coder-provisioner-" + org }

// MetricsServiceName is the headless Service over a workload's metrics
// port; the scrape labels its series service="<this name>".
func MetricsServiceName(workload string) string { return workload + "-metrics" }

func (c *Coder) createProvisionerPool(ctx *pulumi.Context, org ProvisionerOrg, size poolSize, auth pulumi.Resource) error {
	a := c.args
	p := a.Provisioners
	ns := cluster.NamespaceProvisioner
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
	replicas := size.Replicas
	if p.Autoscaling && auth != nil && size.Min < size.Max {
		replicas = size.Min // the autoscaler owns the count from here
	}
	t := cluster.TierProvisioner
	cache := pulumi.Map{"name": pulumi.String("terraform-cache"), "ephemeral": pulumi.Map{"volumeClaimTemplate": pulumi.Map{"spec": pulumi.Map{
		"accessModes":      pulumi.ToStringArray([]string{"ReadWriteOnce"}),
		"storageClassName": pulumi.String(p.StorageClass),
		"resources":        pulumi.Map{"requests": pulumi.Map{"storage": pulumi.Sprintf("%dGi", p.CacheGiB)}},
	}}}}
	values := pulumi.Map{
		"nameOverride": pulumi.String(name),
		"coder": pulumi.Map{
			"image":        pulumi.Map{"repo": pulumi.String(Image), "tag": pulumi.String(a.Version)},
			"replicaCount": pulumi.Int(replicas),
			"env": pulumi.Array{
				env("CODER_URL", pulumi.String(p.CoderURL)),
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
	if !p.Autoscaling || auth == nil || size.Min >= size.Max {
		return nil // a fixed pool
	}
	return c.scaledObject(ctx, name, size, release, auth)
}

// scaledObject scales a pool on queue depth between MinReplicas and
// MaxReplicas: fast up, one pod per 5 minutes down after 15 quiet minutes.
func (c *Coder) scaledObject(ctx *pulumi.Context, name string, size poolSize, release, auth pulumi.Resource) error {
	p := c.args.Provisioners
	q := c.args.QueueMetrics
	trigger := func(trigger string, at PrometheusRef, query string) pulumi.Map {
		server := at.Endpoint.ApplyT(func(e string) string { return strings.TrimSuffix(e, "/") }).(pulumi.StringOutput)
		return pulumi.Map{
			"type":              pulumi.String("prometheus"),
			"name":              pulumi.String(trigger),
			"authenticationRef": pulumi.Map{"name": pulumi.String("aws-amp")},
			"metadata": pulumi.Map{
				"serverAddress": server, "awsRegion": pulumi.String(at.Region),
				"query": pulumi.String(query), "threshold": pulumi.String("1"), "ignoreNullValues": pulumi.String("true"),
			},
		}
	}
	_, err := apiextensions.NewCustomResource(ctx, fmt.Sprintf("%s-%s-scaler", c.name, name), &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("keda.sh/v1alpha1"),
		Kind:       pulumi.String("ScaledObject"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(cluster.NamespaceProvisioner)},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"scaleTargetRef":  pulumi.Map{"name": pulumi.String(name)},
			"minReplicaCount": pulumi.Int(size.Min),
			"maxReplicaCount": pulumi.Int(size.Max),
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
			"triggers": pulumi.Array{
				trigger("running", q.Local, fmt.Sprintf(RunningQuery, cluster.NamespaceProvisioner, MetricsServiceName(name))),
				trigger("pending", q.Control, PendingQuery),
				trigger("wait", q.Control, fmt.Sprintf(WaitQuery, p.QueueWaitTargetSeconds)),
			},
		}},
	}, c.k8s(release, auth)...)
	return err
}

// workspaceRBAC lets a provisioner manage Kubernetes workspaces in coder-ws
// and nowhere else.
func (c *Coder) workspaceRBAC(ctx *pulumi.Context, sa string) (pulumi.Resource, error) {
	ws := cluster.NamespaceWorkspaces
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
		Subjects: rbacv1.SubjectArray{rbacv1.SubjectArgs{Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(sa), Namespace: pulumi.String(cluster.NamespaceProvisioner)}},
	}, c.k8s(role)...)
}
