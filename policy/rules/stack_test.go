package rules

import "testing"

func TestVPCFlowLogs(t *testing.T) {
	t.Parallel()
	vpc := named(res(t, tVpc, `{"cidrBlock":"10.0.0.0/16"}`), "vpc")
	flow := func(traffic string) *Resource {
		return deps(named(res(t, tFlowLog, `{"vpcId":"<unknown>","trafficType":"`+traffic+`"}`), "flow"), "vpcId", vpc)
	}
	checkStack(t, vpcFlowLogs, []stackCase{
		{"all traffic", []*Resource{vpc, flow("ALL")}, nil},
		{"unknown traffic type", []*Resource{vpc, flow(Unknown)}, nil},
		{"none", []*Resource{vpc}, []Finding{{vpc.URN, "the VPC has no flow log."}}},
		{"rejects only", []*Resource{vpc, flow("REJECT")}, []Finding{{vpc.URN, "the VPC's flow logs capture only accepted or rejected traffic, not ALL."}}},
		{"flow log of another vpc", []*Resource{vpc, deps(named(res(t, tFlowLog, `{"trafficType":"ALL"}`), "other"), "vpcId", named(res(t, tVpc, `{}`), "other-vpc"))},
			[]Finding{{vpc.URN, "the VPC has no flow log."}}},
	})
}

func TestBackupCrossRegion(t *testing.T) {
	t.Parallel()
	east := named(res(t, tProviderAWS, `{"region":"us-east-2"}`), "east")
	west := named(res(t, tProviderAWS, `{"region":"us-west-2"}`), "west")
	db := withProvider(named(res(t, tRDSCluster, `{}`), "db"), east)
	copyVault := withProvider(named(res(t, tVault, `{}`), "copy"), west)
	localVault := withProvider(named(res(t, tVault, `{}`), "local"), east)
	plan := func(name, rules string, vault *Resource) *Resource {
		p := withProvider(named(res(t, tBackupPlan, `{"rules":`+rules+`}`), name), east)
		if vault != nil {
			deps(p, "rules", vault)
		}
		return p
	}
	selection := func(p *Resource) *Resource {
		s := named(res(t, tSelection, `{"planId":"<unknown>","resources":["<unknown>"]}`), "sel-"+p.Name)
		return deps(deps(s, "planId", p), "resources", db)
	}
	byArn := plan("arn", `[{"copyActions":[{"destinationVaultArn":"arn:aws:backup:us-west-2:1:backup-vault:copy"}]}]`, nil)
	byDep := plan("dep", `[{"copyActions":[{"destinationVaultArn":"<unknown>"}]}]`, copyVault)
	sameRegion := plan("same", `[{"copyActions":[{"destinationVaultArn":"<unknown>"}]}]`, localVault)
	noCopy := plan("none", `[{"ruleName":"daily"}]`, nil)
	checkStack(t, backupCrossRegion, []stackCase{
		{"copy by arn", []*Resource{db, byArn, selection(byArn)}, nil},
		{"copy to a vault in another region", []*Resource{db, copyVault, byDep, selection(byDep)}, nil},
		{"copy in the same region", []*Resource{db, localVault, sameRegion, selection(sameRegion)},
			[]Finding{{db.URN, "its backup plan keeps every copy in us-east-2; a regional outage would take the backups too."}}},
		{"no copy", []*Resource{db, noCopy, selection(noCopy)},
			[]Finding{{db.URN, "its backup plan keeps every copy in us-east-2; a regional outage would take the backups too."}}},
		{"not selected", []*Resource{db, byArn}, []Finding{{db.URN, "no AWS Backup plan selects this data store."}}},
		{"unknown rules", []*Resource{db, plan("u", `"<unknown>"`, nil), selection(plan("u", `"<unknown>"`, nil))}, nil},
	})
}
