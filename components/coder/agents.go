package coder

import (
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	netv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/workloads"
)

// createAgentEgress lets workspace agents reach the access URLs they dial
// (the NLB addresses, TLS on 443), whatever the egress allow-list says:
// the edge component opens the same addresses in the workspace security
// group, and this is the pod-level twin in coder-ws.
func (c *Coder) createAgentEgress(ctx *pulumi.Context) error {
	var peers netv1.NetworkPolicyPeerArray
	for _, set := range c.args.Workspaces.AccessAddresses {
		for i := 0; i < set.Count; i++ {
			peers = append(peers, netv1.NetworkPolicyPeerArgs{IpBlock: netv1.IPBlockArgs{
				Cidr: pulumi.Sprintf("%s/32", set.IPs.Index(pulumi.Int(i))),
			}})
		}
	}
	if len(peers) == 0 {
		return nil
	}
	_, err := netv1.NewNetworkPolicy(ctx, c.name+"-ws-allow-access-url", &netv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("allow-access-url"), Namespace: pulumi.String(workloads.NamespaceWorkspaces)},
		Spec: netv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.ToStringArray([]string{"Egress"}),
			Egress: netv1.NetworkPolicyEgressRuleArray{netv1.NetworkPolicyEgressRuleArgs{
				To:    peers,
				Ports: netv1.NetworkPolicyPortArray{netv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(443)}},
			}},
		},
	}, c.k8s(c.namespace(workloads.NamespaceWorkspaces))...)
	return err
}
