package cluster

import (
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/workloads"
)

// createStorage adds two KMS-encrypted, expandable gp3 classes: the cluster
// default (Delete) and coder-home (Retain) for workspace home volumes, so a
// user's data outlives workspace rebuilds and infrastructure updates.
func (c *Cluster) createStorage(ctx *pulumi.Context, name string) error {
	classes := []struct {
		name      string
		reclaim   string
		isDefault bool
	}{
		{workloads.StorageClassDefault, "Delete", true},
		{workloads.StorageClassHome, "Retain", false},
	}
	for _, sc := range classes {
		annotations := pulumi.StringMap{}
		if sc.isDefault {
			annotations["storageclass.kubernetes.io/is-default-class"] = pulumi.String("true")
		}
		if _, err := storagev1.NewStorageClass(ctx, name+"-"+sc.name, &storagev1.StorageClassArgs{
			Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(sc.name), Annotations: annotations},
			Provisioner: pulumi.String("ebs.csi.aws.com"),
			Parameters: pulumi.StringMap{
				"type":      pulumi.String("gp3"),
				"encrypted": pulumi.String("true"),
				"kmsKeyId":  c.args.Keys.EBS,
				"fsType":    pulumi.String("ext4"),
			},
			AllowVolumeExpansion: pulumi.Bool(true),
			ReclaimPolicy:        pulumi.String(sc.reclaim),
			VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
		}, c.k8s()...); err != nil {
			return err
		}
	}
	c.StorageClass = pulumi.String(workloads.StorageClassDefault).ToStringOutput()
	c.HomeStorageClass = pulumi.String(workloads.StorageClassHome).ToStringOutput()
	return nil
}
