package preview

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/platformeng/coder-platform/internal/mocks"
)

// AWS allows some things once, whatever their Pulumi names: an EKS access
// entry per cluster and principal. Some are made by AWS itself, not by the
// program: the cluster creator's entry (pulumi-eks v3.9.1 always sets
// bootstrapClusterCreatorAdminPermissions) and the entry of a managed
// Prometheus scraper's role (AMP creates it when the cluster uses the API
// authentication mode). A second one fails at `pulumi up` with
// ResourceInUseException; the offline preview fails the same way.

// accessEntries returns the (cluster, principal, origin) entries res makes,
// explicitly or through AWS. state holds the mock's computed outputs.
func (r *Recorder) accessEntries(res *Resource, state resource.PropertyMap) [][3]string {
	in := res.Inputs
	var out [][3]string
	switch res.Type {
	case tEKSCluster:
		cluster := mocks.Str0(in, "name", "")
		if r.CallerArn != "" {
			out = append(out, [3]string{cluster, creatorRole(r.CallerArn), "the cluster creator's entry (EKS makes one for whoever runs the first `pulumi up`: run it as cluster.deployerRoleArn)"})
		}
		if v, ok := in["accessEntries"]; ok && v.IsObject() {
			for key, e := range v.ObjectValue() {
				if e.IsObject() {
					if p := mocks.Str0(e.ObjectValue(), "principalArn", ""); p != "" {
						out = append(out, [3]string{cluster, p, fmt.Sprintf("accessEntries.%s of %s", key, res.URN)})
					}
				}
			}
		}
	case "aws:eks/accessEntry:AccessEntry":
		if c, p := mocks.Str0(in, "clusterName", ""), mocks.Str0(in, "principalArn", ""); c != "" && p != "" {
			out = append(out, [3]string{c, p, res.URN})
		}
	case "aws:amp/scraper:Scraper":
		if v, ok := res.InputAt("source", "eks", "clusterArn"); ok && v.IsString() {
			if _, cluster, ok := strings.Cut(v.StringValue(), ":cluster/"); ok {
				if p := mocks.Str0(state, "roleArn", ""); p != "" {
					out = append(out, [3]string{cluster, p, "the entry AMP creates for scraper " + res.URN})
				}
			}
		}
	}
	return out
}

// checkAccessEntries registers res's entries, failing on a second entry
// for a cluster and principal. The caller holds r.mu.
func (r *Recorder) checkAccessEntries(res *Resource, state resource.PropertyMap) error {
	entries := r.accessEntries(res, state)
	seen := map[string]string{}
	for _, e := range entries {
		k := accessEntryKey(e[0], e[1])
		first, dup := r.entries[k]
		if !dup {
			first, dup = seen[k]
		}
		if dup {
			return fmt.Errorf("ResourceInUseException: The specified access entry resource is already in use on this cluster "+
				"(cluster %s, principal %s: %s, and again %s)", e[0], e[1], first, e[2])
		}
		seen[k] = e[2]
	}
	for k, origin := range seen {
		r.entries[k] = origin
	}
	return nil
}
