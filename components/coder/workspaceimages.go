package coder

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/workloads"
)

// createWorkspaceImages writes the region's workspace image list into its
// cluster: one delivered pod template serves every region, and the base
// reads the list of the cluster its provisioner builds in, so a workspace
// pulls from its own region's registry by the digest the stack resolved.
func (c *Coder) createWorkspaceImages(ctx *pulumi.Context) error {
	imgs := c.args.Images.Workspace
	if imgs == nil {
		return nil
	}
	ns := workloads.NamespaceWorkspaces
	_, err := corev1.NewConfigMap(ctx, c.name+"-workspace-images", &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(workloads.WorkspaceImagesConfigMap), Namespace: pulumi.String(ns)},
		Data:     pulumi.ToStringMap(imgs),
	}, c.k8s(c.namespace(ns))...)
	return err
}
