package rules

import (
	"testing"

	"github.com/platformeng/coder-platform/components/tokens"
)

func TestWorkspaceVolumesBackedUp(t *testing.T) {
	t.Parallel()
	region := func(name string) *Resource { return named(res(t, tokens.Region, `{}`), name) }
	under := func(r *Resource, parent *Resource) *Resource { r.Parent = parent.URN; return r }
	east, west := region("us-east-1"), region("us-west-2")
	homes := `{"provisioner":"ebs.csi.aws.com","metadata":{"name":"coder-home","labels":{"coder.com/workspace-homes":"true"}},` +
		`"parameters":{"encrypted":"true","tagSpecification_1":"coder:backup=home"}}`
	class := func(js string, in *Resource) *Resource {
		return under(named(res(t, tStorageClass, js), "home-"+in.Name), in)
	}
	sel := func(js string, in *Resource) *Resource {
		return under(named(res(t, tBackupSelection, js), "homes-"+in.Name), in)
	}
	selects := `{"resources":["arn:aws:ec2:us-east-1:111122223333:volume/*"],"conditions":[{"stringEquals":[{"key":"aws:ResourceTag/coder:backup","value":"home"}]}]}`
	tpl := func(backedUp bool) *Resource {
		b := "true"
		if !backedUp {
			b = "false"
		}
		return named(res(t, tTemplate, `{"volumes":[{"block":"resource.aws_ebs_volume.home","backedUp":`+b+`}]}`), "ec2-datasci")
	}
	checkStack(t, workspaceVolumesBackedUp, []stackCase{
		{"class and selection in each region", []*Resource{east, west, class(homes, east), class(homes, west), sel(selects, east), sel(selects, west), tpl(true)}, nil},
		{"unlabelled classes are not workspace homes", []*Resource{east, class(`{"provisioner":"ebs.csi.aws.com","parameters":{}}`, east)}, nil},
		{"class without the tag", []*Resource{east, class(`{"metadata":{"labels":{"coder.com/workspace-homes":"true"}},"parameters":{"type":"gp3"}}`, east), sel(selects, east)},
			[]Finding{{class(homes, east).URN, "the workspace StorageClass does not put coder:backup=home on its volumes (parameter tagSpecification_<n>)."}}},
		{"no selection in the class's region", []*Resource{east, west, class(homes, east), class(homes, west), sel(selects, east)},
			[]Finding{{class(homes, west).URN, "no AWS Backup selection in us-west-2 selects EBS volumes tagged coder:backup=home, so workspace homes there are not backed up."}}},
		{"selection of another tag", []*Resource{east, class(homes, east), sel(`{"resources":["arn:aws:ec2:*:*:volume/*"],"conditions":[{"stringEquals":[{"key":"aws:ResourceTag/coder:backup","value":"daily"}]}]}`, east)},
			[]Finding{{class(homes, east).URN, "no AWS Backup selection in us-east-1 selects EBS volumes tagged coder:backup=home, so workspace homes there are not backed up."}}},
		{"selection of the cluster only", []*Resource{east, class(homes, east), sel(`{"resources":["arn:aws:rds:us-east-1:111122223333:cluster:coder-prod"],"conditions":[{"stringEquals":[{"key":"aws:ResourceTag/coder:backup","value":"home"}]}]}`, east)},
			[]Finding{{class(homes, east).URN, "no AWS Backup selection in us-east-1 selects EBS volumes tagged coder:backup=home, so workspace homes there are not backed up."}}},
		{"template volume without the tag", []*Resource{east, sel(selects, east), tpl(false)},
			[]Finding{{tpl(false).URN, "resource.aws_ebs_volume.home of the template's base does not carry coder:backup=home, so the backup plan never selects it."}}},
		{"template with a region not covered", []*Resource{east, west, sel(selects, east), tpl(true)},
			[]Finding{{tpl(true).URN, "the template creates EBS volumes, and no AWS Backup selection in us-west-2 selects volumes tagged coder:backup=home."}}},
	})
}
