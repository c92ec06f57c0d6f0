package resilience

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ebs"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/components/workloads"
)

// HomeRestoreArgs is one home volume built from a recovery point.
type HomeRestoreArgs struct {
	// Claim is the PersistentVolumeClaim's name in the workspace namespace.
	Claim string
	// Snapshot is the recovery point's EBS snapshot (snap-… or its ARN).
	Snapshot         string
	AvailabilityZone string
	// SizeGiB grows the volume beyond the snapshot's size; 0 keeps it.
	SizeGiB   int
	EBSKeyArn pulumi.StringInput
	// KubeProvider is the region's cluster.
	KubeProvider pulumi.ProviderResource
}

// HomeRestore is the restored volume and the claim bound to it.
type HomeRestore struct {
	pulumi.ResourceState

	VolumeID pulumi.IDOutput     `pulumi:"volumeId"`
	Claim    pulumi.StringOutput `pulumi:"claim"`
}

// NewHomeRestore creates an encrypted gp3 volume from the snapshot in the
// zone, a PersistentVolume for it (EBS CSI static provisioning) and a claim
// bound to that volume alone, in the workspace namespace.
func NewHomeRestore(ctx *pulumi.Context, name string, args *HomeRestoreArgs, opts ...pulumi.ResourceOption) (*HomeRestore, error) {
	h := &HomeRestore{}
	if err := ctx.RegisterComponentResourceV2(tokens.HomeRestore, name, pulumi.Map{
		"claim": pulumi.String(args.Claim), "snapshot": pulumi.String(args.Snapshot), "availabilityZone": pulumi.String(args.AvailabilityZone),
	}, h, opts...); err != nil {
		return nil, err
	}
	va := &ebs.VolumeArgs{
		AvailabilityZone: pulumi.String(args.AvailabilityZone),
		SnapshotId:       pulumi.String(snapshotID(args.Snapshot)),
		Type:             pulumi.String("gp3"),
		Encrypted:        pulumi.Bool(true),
		KmsKeyId:         args.EBSKeyArn,
		// Tagged like every home volume, so the backup plan keeps it.
		Tags: pulumi.StringMap{"Name": pulumi.String("coder-restore-" + args.Claim), workloads.BackupTagKey: pulumi.String(workloads.BackupTagValue)},
	}
	if args.SizeGiB > 0 {
		va.Size = pulumi.Int(args.SizeGiB)
	}
	vol, err := ebs.NewVolume(ctx, name, va, pulumi.Parent(h), pulumi.Protect(true))
	if err != nil {
		return nil, fmt.Errorf("home restore %s: %w", name, err)
	}
	k8s := []pulumi.ResourceOption{pulumi.Parent(h), pulumi.Provider(args.KubeProvider)}
	size := pulumi.Sprintf("%dGi", vol.Size)
	pvName := "restore-" + args.Claim
	if _, err := corev1.NewPersistentVolume(ctx, name, &corev1.PersistentVolumeArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(pvName)},
		Spec: &corev1.PersistentVolumeSpecArgs{
			Capacity:                      pulumi.StringMap{"storage": size},
			AccessModes:                   pulumi.StringArray{pulumi.String("ReadWriteOnce")},
			PersistentVolumeReclaimPolicy: pulumi.String("Retain"),
			StorageClassName:              pulumi.String(workloads.StorageClassHome),
			Csi: &corev1.CSIPersistentVolumeSourceArgs{
				Driver: pulumi.String("ebs.csi.aws.com"), VolumeHandle: vol.ID(), FsType: pulumi.String("ext4"),
			},
			// An EBS volume attaches only in its own zone.
			NodeAffinity: &corev1.VolumeNodeAffinityArgs{Required: &corev1.NodeSelectorArgs{
				NodeSelectorTerms: corev1.NodeSelectorTermArray{corev1.NodeSelectorTermArgs{
					MatchExpressions: corev1.NodeSelectorRequirementArray{corev1.NodeSelectorRequirementArgs{
						Key: pulumi.String("topology.kubernetes.io/zone"), Operator: pulumi.String("In"),
						Values: pulumi.StringArray{pulumi.String(args.AvailabilityZone)},
					}},
				}},
			}},
			ClaimRef: &corev1.ObjectReferenceArgs{Namespace: pulumi.String(workloads.NamespaceWorkspaces), Name: pulumi.String(args.Claim)},
		},
	}, append(k8s, pulumi.Protect(true))...); err != nil {
		return nil, fmt.Errorf("home restore %s: %w", name, err)
	}
	pvc, err := corev1.NewPersistentVolumeClaim(ctx, name, &corev1.PersistentVolumeClaimArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.Claim), Namespace: pulumi.String(workloads.NamespaceWorkspaces),
			Labels: pulumi.StringMap{"coder.com/restored-from": pulumi.String(snapshotID(args.Snapshot))}},
		Spec: &corev1.PersistentVolumeClaimSpecArgs{
			AccessModes:      pulumi.StringArray{pulumi.String("ReadWriteOnce")},
			StorageClassName: pulumi.String(workloads.StorageClassHome),
			VolumeName:       pulumi.String(pvName),
			Resources:        &corev1.VolumeResourceRequirementsArgs{Requests: pulumi.StringMap{"storage": size}},
		},
	}, append(k8s, pulumi.Protect(true))...)
	if err != nil {
		return nil, fmt.Errorf("home restore %s: %w", name, err)
	}
	h.VolumeID, h.Claim = vol.ID(), pvc.Metadata.Name().Elem()
	if err := ctx.RegisterResourceOutputs(h, pulumi.Map{"volumeId": h.VolumeID, "claim": h.Claim}); err != nil {
		return nil, err
	}
	return h, nil
}

// snapshotID is the snap-… part of a snapshot ARN.
func snapshotID(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return s[i+1:]
		}
	}
	return s
}
