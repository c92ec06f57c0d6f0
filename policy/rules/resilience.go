package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/components/tokens"
	"github.com/platformeng/coder-platform/components/workloads"
)

const tBackupSelection = "aws:backup/selection:Selection"

// workspaceVolumesBackedUp checks the users' data end to end: every volume
// a workspace gets carries the backup tag, and every region's backup plan
// selects volumes by it.
var workspaceVolumesBackedUp = &Policy{
	Name: "workspace-volumes-backed-up",
	Description: "Every workspace volume is backed up: each workspace StorageClass and every EBS volume of a template carries the " +
		workloads.BackupTag() + " tag, and each region has an AWS Backup selection of EBS volumes by that tag.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "keep resilience.volumes.enabled on (components/resilience.HomeBackup in every region); tag the StorageClass with parameter tagSpecification_1 = " +
		workloads.BackupTag() + " and every aws_ebs_volume and root_block_device of a template base with local.backup_tags.",
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		idx := byType(rs)
		byURN := map[string]*Resource{}
		for _, r := range rs {
			byURN[r.URN] = r
		}
		covered := map[string]bool{}
		for _, sel := range idx[tBackupSelection] {
			if selectsHomeVolumes(sel) {
				covered[regionOf(sel, byURN)] = true
			}
		}
		var out []Finding
		for _, sc := range idx[tStorageClass] {
			if v, _ := str(sc.Props, "metadata", "labels", workloads.WorkspaceHomesLabel); v != "true" {
				continue
			}
			if !tagsVolumes(sc) {
				out = append(out, Finding{sc.URN, fmt.Sprintf("the workspace StorageClass does not put %s on its volumes (parameter tagSpecification_<n>).", workloads.BackupTag())})
			}
			if region := regionOf(sc, byURN); !covered[region] {
				out = append(out, Finding{sc.URN, fmt.Sprintf("no AWS Backup selection in %s selects EBS volumes tagged %s, so workspace homes there are not backed up.", orUnknown(region), workloads.BackupTag())})
			}
		}
		var regions []string
		for _, r := range idx[tokens.Region] {
			regions = append(regions, r.Name)
		}
		slices.Sort(regions)
		for _, t := range idx[tTemplate] {
			vols, _ := list(t.Props, "volumes")
			ebs := false
			for _, v := range vols {
				m, _ := elem(v)
				block, _ := str(m, "block")
				ebs = true
				if ok, s := boolean(m, "backedUp"); s == known && !ok {
					out = append(out, Finding{t.URN, fmt.Sprintf("%s of the template's base does not carry %s, so the backup plan never selects it.", block, workloads.BackupTag())})
				}
			}
			// An EC2 workspace may run in any region of the stack.
			for _, region := range regions {
				if ebs && !covered[region] {
					out = append(out, Finding{t.URN, fmt.Sprintf("the template creates EBS volumes, and no AWS Backup selection in %s selects volumes tagged %s.", region, workloads.BackupTag())})
				}
			}
		}
		return out
	},
}

// selectsHomeVolumes is whether a selection picks EBS volumes carrying the
// backup tag: Resources AND Conditions (API_BackupSelection).
func selectsHomeVolumes(sel *Resource) bool {
	tagged := false
	conds, s := list(sel.Props, "conditions")
	if s == unknown {
		tagged = true
	}
	for _, c := range conds {
		cm, _ := elem(c)
		eqs, _ := list(cm, "stringEquals")
		for _, e := range eqs {
			em, _ := elem(e)
			k, _ := str(em, "key")
			v, _ := str(em, "value")
			if k == "aws:ResourceTag/"+workloads.BackupTagKey && v == workloads.BackupTagValue {
				tagged = true
			}
		}
	}
	arns, as := strs(sel.Props, "resources")
	volumes := as == unknown
	for _, a := range arns {
		volumes = volumes || strings.Contains(a, ":volume/")
	}
	return tagged && volumes
}

// tagsVolumes is whether an EBS CSI StorageClass tags its volumes with the
// backup tag (tagSpecification_<n> = key=value).
func tagsVolumes(sc *Resource) bool {
	params, s := object(sc.Props, "parameters")
	if s == unknown {
		return true
	}
	for k, v := range params {
		if strings.HasPrefix(string(k), "tagSpecification_") && v.IsString() && v.StringValue() == workloads.BackupTag() {
			return true
		}
	}
	return false
}

func orUnknown(s string) string {
	if s == "" {
		return "its region"
	}
	return s
}
