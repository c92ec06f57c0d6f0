package rules

import (
	"fmt"
	"strings"
)

// Policies that need the whole stack: coverage of every VPC and data store.

var vpcFlowLogs = &Policy{
	Name:        "vpc-flow-logs",
	Description: "Every VPC has a flow log capturing all traffic.",
	Severity:    Medium,
	Enforcement: Mandatory,
	Remediation: `add an aws.ec2.FlowLog with vpcId set to the VPC and trafficType "ALL", delivered to an encrypted log group.`,
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		idx := byType(rs)
		var out []Finding
		for _, vpc := range idx[tVpc] {
			found, all := false, false
			for _, fl := range idx[tFlowLog] {
				if !fl.dependsOn("vpcId", vpc.URN) {
					continue
				}
				found = true
				if t, s := str(fl.Props, "trafficType"); s != known || t == "ALL" {
					all = true
				}
			}
			switch {
			case !found:
				out = append(out, Finding{vpc.URN, "the VPC has no flow log."})
			case !all:
				out = append(out, Finding{vpc.URN, "the VPC's flow logs capture only accepted or rejected traffic, not ALL."})
			}
		}
		return out
	},
}

// backedUp are the data stores AWS Backup must cover.
var backedUp = []string{tRDSCluster, tRDSInstance, tDynamoTable, tEFS}

var backupCrossRegion = &Policy{
	Name:        "backup-cross-region",
	Description: "Every data store is in an AWS Backup plan that copies its recovery points to another region.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "select the data store in a backup plan (aws.backup.Selection) whose rule has a copy action to a vault in a second region.",
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		idx := byType(rs)
		byURN := map[string]*Resource{}
		for _, r := range rs {
			byURN[r.URN] = r
		}
		// copies reports whether a plan copies to a vault in another region.
		copies := func(plan *Resource) bool {
			rules, s := list(plan.Props, "rules")
			if s == unknown {
				return true
			}
			for _, rule := range rules {
				m, _ := elem(rule)
				actions, as := list(m, "copyActions")
				if as == unknown {
					return true
				}
				for _, a := range actions {
					am, _ := elem(a)
					arn, vs := str(am, "destinationVaultArn")
					if vs == unknown {
						// Follow the dependency to the vault and its provider.
						for _, u := range plan.PropertyDependencies["rules"] {
							if v := byURN[u]; v != nil && v.Type == tVault && v.region() != "" && v.region() != plan.region() {
								return true
							}
						}
						continue
					}
					if parts := strings.Split(arn, ":"); len(parts) > 3 && parts[3] != plan.region() {
						return true
					}
				}
			}
			return false
		}
		var out []Finding
		for _, t := range backedUp {
			for _, ds := range idx[t] {
				selected, crossRegion := false, false
				for _, sel := range idx[tSelection] {
					if !sel.dependsOn("resources", ds.URN) {
						continue
					}
					selected = true
					for _, u := range sel.PropertyDependencies["planId"] {
						if p := byURN[u]; p != nil && p.Type == tBackupPlan && copies(p) {
							crossRegion = true
						}
					}
				}
				switch {
				case !selected:
					out = append(out, Finding{ds.URN, "no AWS Backup plan selects this data store."})
				case !crossRegion:
					out = append(out, Finding{ds.URN, fmt.Sprintf("its backup plan keeps every copy in %s; a regional outage would take the backups too.", ds.region())})
				}
			}
		}
		return out
	},
}
