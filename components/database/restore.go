package database

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// restoreFrom makes the cluster a restore: from a point in time of another
// cluster, or from a snapshot. Everything else (encryption, parameters,
// network, scaling) is the cluster's own configuration; RDS applies it to
// the restored data.
//
// terraform-provider-aws aws_rds_cluster: restore_to_point_in_time
// {source_cluster_identifier, restore_to_time, restore_type} and
// snapshot_identifier (an identifier, or an ARN for a copied or shared
// snapshot); both are create-only, so setting them makes a new cluster.
func restoreFrom(ca *rds.ClusterArgs, r *Restore) {
	switch {
	case r == nil:
	case r.PointInTime != "":
		ca.RestoreToPointInTime = &rds.ClusterRestoreToPointInTimeArgs{
			SourceClusterIdentifier: pulumi.String(r.SourceCluster),
			RestoreToTime:           pulumi.String(r.PointInTime),
			// A full copy: the restored cluster does not share storage
			// with the corrupted one it replaces.
			RestoreType: pulumi.String("full-copy"),
		}
	case r.Snapshot != "":
		ca.SnapshotIdentifier = pulumi.String(r.Snapshot)
	}
}
