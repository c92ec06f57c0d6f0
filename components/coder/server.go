package coder

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/sizing"
)

// Names inside the coder namespace.
const (
	ServerServiceAccount = "coder"
	ServerService        = "coder"
	ServerServicePort    = 80 // the chart's Service; targets the pod's 8080
)

// serverValues are the coder chart values coderd and proxies share: the
// pinned image, size (requests = limits), placement on coder-control,
// spread across zones, the autoscaler annotation and a ClusterIP Service
// (the NLB reaches the pods through a TargetGroupBinding; plain HTTP never
// leaves the cluster).
func (c *Coder) serverValues(envs pulumi.Array, workspaceProxy bool) pulumi.Map {
	a := c.args
	t := workloads.TierControl
	repo, tag := c.chartImage()
	return pulumi.Map{"coder": pulumi.Map{
		"image":          pulumi.Map{"repo": pulumi.String(repo), "tag": pulumi.String(tag)},
		"replicaCount":   pulumi.Int(a.Server.Replicas),
		"workspaceProxy": pulumi.Bool(workspaceProxy),
		"env":            envs,
		"resources":      resources(a.Server.Resources),
		"nodeSelector":   pulumi.ToMap(t.NodeSelector()),
		"tolerations":    pulumi.Array{pulumi.ToMap(t.Toleration())},
		"topologySpreadConstraints": pulumi.Array{pulumi.Map{
			"maxSkew": pulumi.Int(1), "topologyKey": pulumi.String("topology.kubernetes.io/zone"),
			"whenUnsatisfiable": pulumi.String("DoNotSchedule"),
			"labelSelector":     pulumi.Map{"matchLabels": pulumi.ToStringMap(workloads.CoderdPodLabels)},
		}},
		// Draining a coderd node drops its connections: the autoscaler must not.
		"podAnnotations": pulumi.Map{"cluster-autoscaler.kubernetes.io/safe-to-evict": pulumi.String("false")},
		"serviceAccount": pulumi.Map{
			"name": pulumi.String(ServerServiceAccount), "disableCreate": pulumi.Bool(true),
			// External provisioners build workspaces; coderd needs no pod rights.
			"workspacePerms": pulumi.Bool(false), "enableDeployments": pulumi.Bool(false),
		},
		"service":        pulumi.Map{"enable": pulumi.Bool(true), "type": pulumi.String("ClusterIP")},
		"readinessProbe": pulumi.Map{"enabled": pulumi.Bool(true)},
		"securityContext": pulumi.Map{
			"runAsNonRoot": pulumi.Bool(true), "runAsUser": pulumi.Int(1000), "runAsGroup": pulumi.Int(1000),
			"allowPrivilegeEscalation": pulumi.Bool(false), "seccompProfile": pulumi.Map{"type": pulumi.String("RuntimeDefault")},
		},
	}}
}

// commonEnv is what coderd and proxies both set: their URLs and metrics.
func (c *Coder) commonEnv() pulumi.Array {
	a := c.args
	envs := pulumi.Array{
		env("CODER_ACCESS_URL", pulumi.String(a.AccessURL)),
		env("CODER_WILDCARD_ACCESS_URL", pulumi.String(wildcardURL(a.AccessURL))),
		env("CODER_PROMETHEUS_ENABLE", pulumi.String("true")),
		env("CODER_SECURE_AUTH_COOKIE", pulumi.String("true")),
		// Apps on subdomains only (the wildcard access URL): a path-based
		// app shares the dashboard's origin and can call the API as its
		// user (codersdk deployment option disable-path-apps; the template
		// catalog refuses a toolchain app without subdomain).
		env("CODER_DISABLE_PATH_APPS", pulumi.String("true")),
		env("CODER_STRICT_TRANSPORT_SECURITY", pulumi.String("31536000")),
		// JSON logs only, so Fluent Bit can route audit entries by msg.
		env("CODER_LOGGING_HUMAN", pulumi.String("/dev/null")),
		env("CODER_LOGGING_JSON", pulumi.String("/dev/stderr")),
	}
	return envs
}

// wildcardURL is the wildcard access URL of an access URL's host.
func wildcardURL(accessURL string) string {
	u, err := url.Parse(accessURL)
	if err != nil {
		return ""
	}
	return "*." + u.Hostname()
}

// serverRelease installs the coder chart in the coder namespace.
func (c *Coder) serverRelease(ctx *pulumi.Context, values pulumi.Map, deps ...pulumi.Resource) (*helmv3.Release, error) {
	return c.release(ctx, c.name+"-coder", chart{Release: "coder", Chart: CoderChart,
		Version: c.args.ChartVersion, Repo: ChartRepo, Namespace: workloads.NamespaceCoder}, values, deps...)
}

// serverFront adds what surrounds coderd or a proxy: a disruption budget,
// the binding of the pods into the NLB's target group, and the headless
// metrics Service the managed scraper finds.
func (c *Coder) serverFront(ctx *pulumi.Context, release pulumi.Resource) error {
	ns := workloads.NamespaceCoder
	minAvailable := max(c.args.Server.Replicas-1, 1)
	if _, err := policyv1.NewPodDisruptionBudget(ctx, c.name+"-coder", &policyv1.PodDisruptionBudgetArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("coder"), Namespace: pulumi.String(ns)},
		Spec: &policyv1.PodDisruptionBudgetSpecArgs{
			MinAvailable: pulumi.Int(minAvailable),
			Selector:     &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(workloads.CoderdPodLabels)},
		},
	}, c.k8s(release)...); err != nil {
		return err
	}
	if _, err := apiextensions.NewCustomResource(ctx, c.name+"-coder-tgb", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("elbv2.k8s.aws/v1beta1"),
		Kind:       pulumi.String("TargetGroupBinding"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String("coder"), Namespace: pulumi.String(ns)},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"serviceRef":     pulumi.Map{"name": pulumi.String(ServerService), "port": pulumi.Int(ServerServicePort)},
			"targetGroupARN": c.args.TargetGroupArn,
			"targetType":     pulumi.String("ip"),
		}},
	}, c.k8s(release)...); err != nil {
		return err
	}
	return c.metricsService(ctx, ns, "coder-metrics", workloads.CoderdPodLabels, release)
}

// metricsService is a headless Service over the pods' Prometheus port.
func (c *Coder) metricsService(ctx *pulumi.Context, ns, name string, selector map[string]string, deps ...pulumi.Resource) error {
	_, err := corev1.NewService(ctx, fmt.Sprintf("%s-%s", c.name, name), &corev1.ServiceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(ns),
			Labels: pulumi.StringMap{workloads.MetricsLabel: pulumi.String("true")}},
		Spec: &corev1.ServiceSpecArgs{
			ClusterIP: pulumi.String("None"),
			Selector:  pulumi.ToStringMap(selector),
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name: pulumi.String("prometheus"), Port: pulumi.Int(workloads.MetricsPort), TargetPort: pulumi.Int(workloads.MetricsPort),
			}},
		},
	}, c.k8s(deps...)...)
	return err
}

// resources renders a sizing.Resources as requests = limits.
func resources(r sizing.Resources) pulumi.Map {
	q := pulumi.Map{"cpu": pulumi.String(r.CPU()), "memory": pulumi.String(r.Memory())}
	return pulumi.Map{"requests": q, "limits": q}
}

func joinNonEmpty(items []string) string { return strings.Join(items, ",") }
