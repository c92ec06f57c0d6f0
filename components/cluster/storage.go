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
		// backedUp tags each volume for the home-volume backup plan.
		backedUp bool
	}{
		{workloads.StorageClassDefault, "Delete", true, false},
		{workloads.StorageClassHome, "Retain", false, true},
	}
	for _, sc := range classes {
		annotations, labels := pulumi.StringMap{}, pulumi.StringMap{}
		params := pulumi.StringMap{
			"type":      pulumi.String("gp3"),
			"encrypted": pulumi.String("true"),
			"kmsKeyId":  c.args.Keys.EBS,
			"fsType":    pulumi.String("ext4"),
		}
		if sc.backedUp {
			// aws-ebs-csi-driver docs/parameters.md: tagSpecification_<n>
			// is "key=value", put on every volume the class provisions.
			params["tagSpecification_1"] = pulumi.String(workloads.BackupTag())
			labels[workloads.WorkspaceHomesLabel] = pulumi.String("true")
		}
		if sc.isDefault {
			annotations["storageclass.kubernetes.io/is-default-class"] = pulumi.String("true")
		}
		if _, err := storagev1.NewStorageClass(ctx, name+"-"+sc.name, &storagev1.StorageClassArgs{
			Metadata:             &metav1.ObjectMetaArgs{Name: pulumi.String(sc.name), Annotations: annotations, Labels: labels},
			Provisioner:          pulumi.String("ebs.csi.aws.com"),
			Parameters:           params,
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
