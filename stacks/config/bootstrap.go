package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
)

// Bootstrap is the typed configuration of the bootstrap project
// (bootstrap/): the state backend and secrets key the main project's stacks
// are stored and encrypted with. One stack per AWS account.
type Bootstrap struct {
	Project string `json:"-"`
	Name    string `json:"-"`

	Tags Tags `json:"tags"`
	// Region holds the state bucket, its access trail and the secrets key.
	Region string `json:"region"`
	// ReplicaRegion receives a replica of every state object, under its own key.
	ReplicaRegion string `json:"replicaRegion"`
	// NoncurrentVersionDays keeps replaced state versions (and deleted
	// stacks) restorable this long.
	NoncurrentVersionDays int `json:"noncurrentVersionDays"`
	// AccessLogRetentionDays keeps the trail of every state read and write.
	AccessLogRetentionDays int `json:"accessLogRetentionDays"`
	// DeployerRoleArns get the state-access policy attached: the roles
	// `pulumi up` runs as (each stack's cluster.deployerRoleArn).
	DeployerRoleArns []string `json:"deployerRoleArns"`
	// GitHub, when set, creates the GitHub Actions OIDC provider and the
	// preview and deploy roles of the repository's workflows.
	GitHub *GitHub `json:"github"`
}

// GitHub names the repository whose workflows deploy this account's stacks.
type GitHub struct {
	Repository string `json:"repository"` // owner/name
	// Environment is the GitHub environment whose jobs may deploy (the
	// stack's name by default); Branch the default branch (main).
	Environment string `json:"environment"`
	Branch      string `json:"branch"`
	// PreviewSecrets are the Secrets Manager secrets (names) a preview of
	// the account's stacks reads: the Cloudflare token of
	// dns.cloudflare.apiTokenSecretId.
	PreviewSecrets []string `json:"previewSecrets"`
}

// Bootstrap defaults and bounds.
const (
	DefaultNoncurrentVersionDays  = 90
	DefaultAccessLogRetentionDays = 365
	minNoncurrentVersionDays      = 7
	maxRetentionDays              = 3650
)

// LoadBootstrap reads, defaults and validates a bootstrap stack's config;
// like Load, it returns a *ValidationError listing every problem.
func LoadBootstrap(project, stack string, src Source) (*Bootstrap, error) {
	b := &Bootstrap{Project: project, Name: stack}
	p := &problems{}
	decodeFields(reflect.ValueOf(b).Elem(), src, p, map[string]bool{})
	if len(p.list) == 0 {
		if b.NoncurrentVersionDays == 0 {
			b.NoncurrentVersionDays = DefaultNoncurrentVersionDays
		}
		if b.AccessLogRetentionDays == 0 {
			b.AccessLogRetentionDays = DefaultAccessLogRetentionDays
		}
		if g := b.GitHub; g != nil {
			if g.Environment == "" {
				g.Environment = stack
			}
			if g.Branch == "" {
				g.Branch = "main"
			}
		}
		b.validate(p)
	}
	if err := p.err(stack); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Bootstrap) validate(p *problems) {
	b.Tags.validate(p)
	if !KnownRegion(b.Region) {
		p.add("region", b.Region, "must be a commercial AWS region: %s", regionList())
	}
	switch {
	case !KnownRegion(b.ReplicaRegion):
		p.add("replicaRegion", b.ReplicaRegion, "must be a commercial AWS region: %s", regionList())
	case b.ReplicaRegion == b.Region:
		p.add("replicaRegion", b.ReplicaRegion, "must differ from region: the replica survives the loss of the state bucket's region")
	}
	if b.NoncurrentVersionDays < minNoncurrentVersionDays || b.NoncurrentVersionDays > maxRetentionDays {
		p.add("noncurrentVersionDays", b.NoncurrentVersionDays, "must be %d-%d: replaced state stays restorable at least a week", minNoncurrentVersionDays, maxRetentionDays)
	}
	if b.AccessLogRetentionDays < 90 || b.AccessLogRetentionDays > maxRetentionDays {
		p.add("accessLogRetentionDays", b.AccessLogRetentionDays, "must be 90-%d days", maxRetentionDays)
	}
	if len(b.DeployerRoleArns) == 0 {
		p.add("deployerRoleArns", b.DeployerRoleArns, "list the IAM roles `pulumi up` runs as (each stack's cluster.deployerRoleArn); they get the state-access policy")
	}
	if g := b.GitHub; g != nil {
		if !githubRepo.MatchString(g.Repository) {
			p.add("github.repository", g.Repository, "must be the repository as owner/name, such as platformeng/coder-platform")
		}
		if !githubName.MatchString(g.Environment) {
			p.add("github.environment", g.Environment, "must be a GitHub environment name (letters, digits, - and _)")
		}
		if !githubBranch.MatchString(g.Branch) {
			p.add("github.branch", g.Branch, "must be a branch name without wildcards")
		}
		for i, name := range g.PreviewSecrets {
			if !secretName.MatchString(name) {
				p.add(fmt.Sprintf("github.previewSecrets[%d]", i), name, "must be a Secrets Manager secret name (letters, digits and /_+=.@-, no wildcard)")
			}
		}
	}
	seen := map[string]bool{}
	account := ""
	for i, arn := range b.DeployerRoleArns {
		key := fmt.Sprintf("deployerRoleArns[%d]", i)
		switch {
		case !roleArn.MatchString(arn):
			p.add(key, arn, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/platform-deployer")
		case seen[arn]:
			p.add(key, arn, "is listed twice")
		case account != "" && arnAccount(arn) != account:
			// The policy is attached by role name in the bootstrap's own
			// account, and the bucket denies every other account.
			p.add(key, arn, "is in account %s, not %s: one bootstrap stack serves one account; give each account its own", arnAccount(arn), account)
		}
		if account == "" && roleArn.MatchString(arn) {
			account = arnAccount(arn)
		}
		seen[arn] = true
	}
}

// GitHub names: a trust subject must match one repository, one
// environment and one branch exactly, so none may hold a wildcard.
var (
	githubRepo   = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	githubName   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	githubBranch = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,255}$`)
	secretName   = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)
)

// arnAccount is the account id of an IAM ARN.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}
