package cluster

import (
	"fmt"
	"maps"
	"net/netip"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	netv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/workloads"
)

// IsolationSpec configures the workload isolation of coder-ws.
type IsolationSpec struct {
	// Egress are the allowed TCP destinations of workspace pods.
	Egress            []EgressRule
	DirectConnections bool
	Quota             Quota
	Limits            ContainerLimits
}

// EgressRule is one allowed destination.
type EgressRule struct {
	CIDR  string
	Ports []int
}

// Quota bounds the coder-ws namespace.
type Quota struct {
	Pods           int
	RequestsCPU    string
	RequestsMemory string
	PVCs           int
	Storage        string
}

// ContainerLimits are the LimitRange of coder-ws.
type ContainerLimits struct {
	DefaultRequestCPU, DefaultRequestMemory string
	DefaultLimitCPU, DefaultLimitMemory     string
	MaxCPU, MaxMemory                       string
	MaxVolume                               string
}

// podSecurity is each namespace's Pod Security Standard: baseline enforced
// (the Coder chart does not drop all capabilities, and templates vary),
// restricted reported so drift towards it is visible.
var podSecurity = map[string]string{workloads.NamespaceCoder: "baseline", workloads.NamespaceProvisioner: "baseline", workloads.NamespaceWorkspaces: "baseline"}

func (c *Cluster) createNamespaces(ctx *pulumi.Context, name string) error {
	for _, ns := range []string{workloads.NamespaceCoder, workloads.NamespaceProvisioner, workloads.NamespaceWorkspaces} {
		n, err := corev1.NewNamespace(ctx, name+"-"+ns, &corev1.NamespaceArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name: pulumi.String(ns),
				Labels: pulumi.StringMap{
					"pod-security.kubernetes.io/enforce":         pulumi.String(podSecurity[ns]),
					"pod-security.kubernetes.io/enforce-version": pulumi.String("latest"),
					"pod-security.kubernetes.io/warn":            pulumi.String("restricted"),
					"pod-security.kubernetes.io/audit":           pulumi.String("restricted"),
					"coder.com/tier":                             pulumi.String(ns),
				},
			},
		}, c.k8s()...)
		if err != nil {
			return err
		}
		c.namespaces[ns] = n
	}
	return nil
}

// Namespaces are the namespace resources by name, for dependencies.
func (c *Cluster) Namespaces() map[string]pulumi.Resource { return maps.Clone(c.namespaces) }

// createIsolation denies everything in coder-ws, then allows DNS, coderd
// (agent API and DERP), the AWS interface endpoints, the egress allow-list
// and NAT-traversal UDP. Workspaces never reach each other or the control
// namespaces; quotas and limits bound what the namespace may consume.
func (c *Cluster) createIsolation(ctx *pulumi.Context, name string) error {
	ws := c.namespaces[workloads.NamespaceWorkspaces]
	iso := c.args.Isolation
	vpcCIDR := c.args.Network.VpcCIDR
	policies := map[string]netv1.NetworkPolicySpecArgs{
		"default-deny": {
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.ToStringArray([]string{"Ingress", "Egress"}),
		},
		"allow-dns": egressTo(netv1.NetworkPolicyPeerArgs{
			NamespaceSelector: nsSelector("kube-system"),
			PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"k8s-app": pulumi.String("kube-dns")}},
		}, ports("UDP", 53), ports("TCP", 53)),
		"allow-coderd": egressTo(netv1.NetworkPolicyPeerArgs{
			NamespaceSelector: nsSelector(workloads.NamespaceCoder),
			PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(workloads.CoderdPodLabels)},
		}, ports("TCP", workloads.CoderdPort)),
	}
	var endpointPeers netv1.NetworkPolicyPeerArray
	for _, cidr := range c.args.Network.ControlSubnetCIDRs {
		endpointPeers = append(endpointPeers, netv1.NetworkPolicyPeerArgs{IpBlock: &netv1.IPBlockArgs{Cidr: pulumi.String(cidr)}})
	}
	policies["allow-aws-endpoints"] = egressToPeers(endpointPeers, ports("TCP", 443))
	var rules netv1.NetworkPolicyEgressRuleArray
	for _, r := range iso.Egress {
		var ps netv1.NetworkPolicyPortArray
		for _, p := range r.Ports {
			ps = append(ps, ports("TCP", p)...)
		}
		rules = append(rules, netv1.NetworkPolicyEgressRuleArgs{
			To: netv1.NetworkPolicyPeerArray{netv1.NetworkPolicyPeerArgs{IpBlock: outsideVPC(r.CIDR, vpcCIDR)}}, Ports: ps,
		})
	}
	if len(rules) > 0 {
		policies["allow-egress-allowlist"] = netv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{}, PolicyTypes: pulumi.ToStringArray([]string{"Egress"}), Egress: rules,
		}
	}
	udp := append(ports("UDP", 3478), ports("UDP", 19302)...)
	if iso.DirectConnections {
		udp = append(udp, netv1.NetworkPolicyPortArgs{Protocol: pulumi.String("UDP"), Port: pulumi.Int(1024), EndPort: pulumi.Int(65535)})
	}
	policies["allow-nat-traversal"] = egressToPeers(netv1.NetworkPolicyPeerArray{
		netv1.NetworkPolicyPeerArgs{IpBlock: outsideVPC("0.0.0.0/0", vpcCIDR)}}, udp)

	for _, pn := range sortedKeys(policies) {
		if _, err := netv1.NewNetworkPolicy(ctx, fmt.Sprintf("%s-ws-%s", name, pn), &netv1.NetworkPolicyArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(pn), Namespace: pulumi.String(workloads.NamespaceWorkspaces)},
			Spec:     policies[pn],
		}, c.k8s(ws)...); err != nil {
			return err
		}
	}
	// Provisioners accept no inbound connections but the metrics scrape.
	if _, err := netv1.NewNetworkPolicy(ctx, name+"-prov-deny-ingress", &netv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("default-deny-ingress"), Namespace: pulumi.String(workloads.NamespaceProvisioner)},
		Spec:     netv1.NetworkPolicySpecArgs{PodSelector: metav1.LabelSelectorArgs{}, PolicyTypes: pulumi.ToStringArray([]string{"Ingress"})},
	}, c.k8s(c.namespaces[workloads.NamespaceProvisioner])...); err != nil {
		return err
	}
	// The managed Prometheus scraper is no pod: it connects from its ENIs
	// in the control subnets (observability.PrometheusArgs.SubnetIDs). The
	// provisioners' own metrics (coderd_provisionerd_jobs_current; coderd
	// runs no daemons) drive their autoscaling, so the scrape must pass.
	var scrapers netv1.NetworkPolicyPeerArray
	for _, cidr := range c.args.Network.ControlSubnetCIDRs {
		scrapers = append(scrapers, netv1.NetworkPolicyPeerArgs{IpBlock: netv1.IPBlockArgs{Cidr: pulumi.String(cidr)}})
	}
	if _, err := netv1.NewNetworkPolicy(ctx, name+"-prov-allow-scrape", &netv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("allow-metrics-scrape"), Namespace: pulumi.String(workloads.NamespaceProvisioner)},
		Spec: netv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.ToStringArray([]string{"Ingress"}),
			Ingress: netv1.NetworkPolicyIngressRuleArray{netv1.NetworkPolicyIngressRuleArgs{
				From:  scrapers,
				Ports: ports("TCP", workloads.MetricsPort),
			}},
		},
	}, c.k8s(c.namespaces[workloads.NamespaceProvisioner])...); err != nil {
		return err
	}
	return c.createQuotas(ctx, name, ws)
}

func (c *Cluster) createQuotas(ctx *pulumi.Context, name string, ws pulumi.Resource) error {
	q := c.args.Isolation.Quota
	if _, err := corev1.NewResourceQuota(ctx, name+"-ws-quota", &corev1.ResourceQuotaArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("workspaces"), Namespace: pulumi.String(workloads.NamespaceWorkspaces)},
		Spec: &corev1.ResourceQuotaSpecArgs{Hard: pulumi.StringMap{
			"pods":                   pulumi.String(fmt.Sprint(q.Pods)),
			"requests.cpu":           pulumi.String(q.RequestsCPU),
			"requests.memory":        pulumi.String(q.RequestsMemory),
			"persistentvolumeclaims": pulumi.String(fmt.Sprint(q.PVCs)),
			"requests.storage":       pulumi.String(q.Storage),
		}},
	}, c.k8s(ws)...); err != nil {
		return err
	}
	l := c.args.Isolation.Limits
	_, err := corev1.NewLimitRange(ctx, name+"-ws-limits", &corev1.LimitRangeArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("workspaces"), Namespace: pulumi.String(workloads.NamespaceWorkspaces)},
		Spec: corev1.LimitRangeSpecArgs{Limits: corev1.LimitRangeItemArray{
			corev1.LimitRangeItemArgs{
				Type:           pulumi.String("Container"),
				DefaultRequest: pulumi.StringMap{"cpu": pulumi.String(l.DefaultRequestCPU), "memory": pulumi.String(l.DefaultRequestMemory)},
				Default:        pulumi.StringMap{"cpu": pulumi.String(l.DefaultLimitCPU), "memory": pulumi.String(l.DefaultLimitMemory)},
				Max:            pulumi.StringMap{"cpu": pulumi.String(l.MaxCPU), "memory": pulumi.String(l.MaxMemory)},
			},
			corev1.LimitRangeItemArgs{
				Type: pulumi.String("PersistentVolumeClaim"),
				Max:  pulumi.StringMap{"storage": pulumi.String(l.MaxVolume)},
			},
		}},
	}, c.k8s(ws)...)
	return err
}

func egressTo(peer netv1.NetworkPolicyPeerArgs, ps ...netv1.NetworkPolicyPortArray) netv1.NetworkPolicySpecArgs {
	return egressToPeers(netv1.NetworkPolicyPeerArray{peer}, ps...)
}

func egressToPeers(peers netv1.NetworkPolicyPeerArray, ps ...netv1.NetworkPolicyPortArray) netv1.NetworkPolicySpecArgs {
	var all netv1.NetworkPolicyPortArray
	for _, p := range ps {
		all = append(all, p...)
	}
	return netv1.NetworkPolicySpecArgs{
		PodSelector: metav1.LabelSelectorArgs{},
		PolicyTypes: pulumi.ToStringArray([]string{"Egress"}),
		Egress:      netv1.NetworkPolicyEgressRuleArray{netv1.NetworkPolicyEgressRuleArgs{To: peers, Ports: all}},
	}
}

func ports(proto string, port int) netv1.NetworkPolicyPortArray {
	return netv1.NetworkPolicyPortArray{netv1.NetworkPolicyPortArgs{Protocol: pulumi.String(proto), Port: pulumi.Int(port)}}
}

func nsSelector(ns string) *metav1.LabelSelectorArgs {
	return &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String(ns)}}
}

// outsideVPC is an ipBlock for cidr that excludes the VPC when cidr covers
// it, so an internet allow-list never opens other pods or nodes. except
// must be a strict subset of cidr (the API server rejects an equal one);
// config validation refuses an allow-list CIDR inside or equal to the VPC.
func outsideVPC(cidr, vpcCIDR string) *netv1.IPBlockArgs {
	b := &netv1.IPBlockArgs{Cidr: pulumi.String(cidr)}
	outer, err1 := netip.ParsePrefix(cidr)
	vpc, err2 := netip.ParsePrefix(vpcCIDR)
	if err1 == nil && err2 == nil && outer.Bits() < vpc.Bits() && outer.Contains(vpc.Addr()) {
		b.Except = pulumi.ToStringArray([]string{vpcCIDR})
	}
	return b
}
