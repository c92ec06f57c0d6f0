package registry

import (
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// tagMutability is every repository's: a workspace image's tag is its image
// id (ubuntu-2404), which a rebuild pushes again, so tags move. What runs
// never moves with them: every region pulls the digest the stack pins
// (images.digests) or read when it was deployed, and a new digest reaches
// workspaces only through a reviewed `pulumi up` (docs/images.md). A
// replica must accept the moved tag its source replicates.
const tagMutability = "MUTABLE"

// createRepositories creates the platform's own repositories in the
// control plane and replicates them to every other region of the stack
// (cross-Region replication in the same account: the destination's
// registryId is the account itself); a replica region gets a creation
// template so the replicas ECR creates are encrypted with its key.
//
// Only images pushed after replication is configured are copied ("Private
// image replication in Amazon ECR"): docs/images.md says to push them after
// the first `pulumi up`.
func (g *Registry) createRepositories(ctx *pulumi.Context) error {
	a := g.args
	for _, name := range a.Repositories {
		repo, err := ecr.NewRepository(ctx, g.name+"-repo-"+slug(name), &ecr.RepositoryArgs{
			Name:               pulumi.String(name),
			ImageTagMutability: pulumi.String(tagMutability),
			EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
				ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS"), KmsKey: a.KeyArn},
			},
			ImageScanningConfiguration: ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
		}, pulumi.Parent(g))
		if err != nil {
			return err
		}
		g.Ready = append(g.Ready, repo)
	}
	if len(a.Repositories) > 0 && len(a.ReplicateTo) > 0 {
		dest := ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArray{}
		for _, r := range a.ReplicateTo {
			dest = append(dest, ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs{
				Region: pulumi.String(r), RegistryId: pulumi.String(a.AccountID),
			})
		}
		filters := ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArray{}
		for _, name := range a.Repositories {
			filters = append(filters, ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs{
				Filter: pulumi.String(name), FilterType: pulumi.String("PREFIX_MATCH"),
			})
		}
		// One replication configuration per registry and region: the
		// stack owns its account's registry settings here.
		rep, err := ecr.NewReplicationConfiguration(ctx, g.name+"-replication", &ecr.ReplicationConfigurationArgs{
			ReplicationConfiguration: ecr.ReplicationConfigurationReplicationConfigurationArgs{
				Rules: ecr.ReplicationConfigurationReplicationConfigurationRuleArray{
					ecr.ReplicationConfigurationReplicationConfigurationRuleArgs{Destinations: dest, RepositoryFilters: filters},
				},
			},
		}, pulumi.Parent(g))
		if err != nil {
			return err
		}
		g.Ready = append(g.Ready, rep)
	}
	seen := map[string]bool{}
	for _, name := range a.Replicas {
		ns := namespace(name)
		if ns == "" || seen[ns] {
			continue
		}
		seen[ns] = true
		tpl, err := g.template(ctx, ns, "REPLICATION", "Replicas of the control plane's "+ns+"/ repositories")
		if err != nil {
			return err
		}
		g.Ready = append(g.Ready, tpl)
	}
	return nil
}

// namespace is the path of a repository up to its last segment: a
// creation template's prefix covers the repositories under it ("a prefix
// of prod applies to all repositories beginning with prod/"). A repository
// at the registry's root has none.
func namespace(repo string) string {
	i := strings.LastIndex(repo, "/")
	if i < 0 {
		return ""
	}
	return repo[:i]
}

// slug makes a repository path fit a resource name.
func slug(s string) string { return strings.ReplaceAll(s, "/", "-") }
