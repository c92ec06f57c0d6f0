package diagram

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func resourceComputed() resource.PropertyValue {
	return resource.MakeComputed(resource.NewStringProperty(""))
}

// Every KMS key encrypts something its referrers' inputs show; every role
// sits in one purpose group with the principals its trust policy names;
// every rule between two security groups is an edge with its ports.
func TestDiagramSecurityKeysRolesAndGroups(t *testing.T) {
	for _, stack := range stacksUnderTest {
		t.Run(stack, func(t *testing.T) {
			ix := newIndex(previewOf(t, stack))
			g := build(t, stack, Security)

			keys := ix.OfType("aws:kms/key:Key")
			require.NotEmpty(t, keys)
			for _, k := range keys {
				id := regionID(ix.Region(k)) + "/kms/" + k.Name
				require.NotNil(t, g.Node(id), k.Name)
				encrypts := 0
				for _, e := range g.Edges() {
					if e.From == id && e.Class == EdgeEncrypts {
						encrypts++
					}
				}
				assert.GreaterOrEqual(t, encrypts, 1, "key %s encrypts nothing", k.Name)
			}

			for _, role := range ix.OfType("aws:iam/role:Role") {
				name := short(role.Name, ix.stackPrefix(), ix.Region(role))
				holders := 0
				for _, n := range g.Nodes() {
					if n.Class != ClassRole || !strings.HasPrefix(n.ID, regionID(ix.Region(role))+"/") {
						continue
					}
					for _, line := range strings.Split(n.Label, "\n")[1:] {
						if line == name || strings.HasPrefix(line, name+" ← ") {
							holders++
							assumed := 0
							for _, e := range g.Edges() {
								if e.To == n.ID && e.Class == EdgeAssumes {
									assumed++
								}
							}
							assert.Positive(t, assumed, "nobody assumes %s", n.ID)
						}
					}
				}
				assert.Equal(t, 1, holders, "role %s", role.Name)
				if sa := tag(role, "coder:service-account"); sa != "" {
					assert.Contains(t, labelOf(g, groupWith(g, regionID(ix.Region(role)), name)), name+" ← "+sa)
				}
			}

			for _, rule := range ix.OfType(tIngress) {
				own, ref := ix.target(rule, "securityGroupId"), ix.target(rule, "referencedSecurityGroupId")
				if own == nil || ref == nil {
					continue
				}
				from := regionID(ix.Region(ref)) + "/sgs/"
				to := regionID(ix.Region(own)) + "/sgs/"
				found := false
				for _, e := range g.Edges() {
					if strings.HasPrefix(e.From, from) && strings.HasSuffix(e.From, ref.Name) &&
						strings.HasPrefix(e.To, to) && strings.HasSuffix(e.To, own.Name) {
						found = true
						assert.Contains(t, e.Label, strings.SplitN(portRange(rule), " ", 2)[0])
					}
				}
				assert.True(t, found, "ingress rule %s", rule.Name)
			}
		})
	}
}

// The load balancer's group admits anyone on 443 and forwards to coderd's
// nodes on the target port; Aurora's admits coderd's nodes only.
func TestDiagramSecurityGroupPaths(t *testing.T) {
	g := build(t, "prod", Security)
	sgs := "region/us-east-1/sgs/coder-prod-us-east-1-"
	in := edgesBetween(g, "region/us-east-1/cidr-0.0.0.0/0", sgs+"loadbalancer")
	require.Len(t, in, 1)
	assert.Equal(t, "tcp 443", in[0].Label)
	fwd := edgesBetween(g, sgs+"loadbalancer", sgs+"control")
	require.Len(t, fwd, 1)
	assert.Equal(t, "tcp 8080", fwd[0].Label)
	var toDB []string
	for _, e := range g.Edges() {
		if e.To == sgs+"database" {
			toDB = append(toDB, e.From+" "+e.Label)
		}
	}
	assert.Equal(t, []string{sgs + "control tcp 5432"}, toDB)
}

func groupWith(g *Graph, region, role string) string {
	for _, n := range g.Nodes() {
		if n.Class == ClassRole && strings.HasPrefix(n.ID, region+"/") && strings.Contains(n.Label, "\n"+role+" ← ") {
			return n.ID
		}
	}
	return ""
}
