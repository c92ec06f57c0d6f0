package config

import (
	"fmt"
	"regexp"
)

// Physical names: every AWS name of a region starts with RegionPrefix, and
// the database's with DatabaseIdentifier. AWS limits names in length and
// characters, and the stack and region names are part of every one, so
// config validation checks the tightest limits for the stack and each of its
// regions before anything is registered. The offline preview checks every
// name the program registers, by resource type (internal/preview/names.go).

// RegionPrefix is the prefix of a region's physical and logical names.
func (s *Stack) RegionPrefix(region string) string { return fmt.Sprintf("coder-%s-%s", s.Name, region) }

// DatabaseIdentifier is the Aurora cluster identifier of the stack.
func (s *Stack) DatabaseIdentifier() string { return "coder-" + s.Name }

// autoNameSuffix is what Pulumi's auto-naming adds: "-" and 7 characters.
const autoNameSuffix = 8

// stackName is what the names allow of a stack name: RDS identifiers take
// lowercase letters, digits and single hyphens, starting with a letter; S3
// takes lowercase; EKS, KMS aliases and Lambda take no dots.
var stackName = regexp.MustCompile(`^[a-z](?:-?[a-z0-9])*$`)

// regionNames are the tightest limits on names built from RegionPrefix, as
// the components build them.
var regionNames = []struct {
	what     string
	suffix   string
	autoname bool
	max      int
	source   string
}{
	{"network load balancer and its target group", "", true, 32, "Elastic Load Balancing allows 32 characters"},
	{"NLB access-log bucket prefix", "-nlb-logs-", false, 37, "S3 allows a bucket prefix of 37 characters"},
	{"CloudTrail bucket prefix", "-trail-", false, 37, "S3 allows a bucket prefix of 37 characters"},
}

// provisionerRole is the IRSA role of an organization's provisioners:
// RegionPrefix + "-prov-" + org, auto-named; IAM allows 64 characters.
const provisionerRoleInfix, iamRoleMax = "-prov-", 64

func validateNames(s *Stack, p *problems) {
	if !stackName.MatchString(s.Name) || len(s.DatabaseIdentifier()) > 63-len("-reader-15") {
		p.add("(stack name)", s.Name, "must be lowercase letters, digits and single hyphens, starting with a letter, at most %d characters: "+
			"it is part of the RDS identifier %q, S3 bucket, EKS cluster and KMS alias names", 63-len("-reader-15")-len("coder-"), s.DatabaseIdentifier())
		return
	}
	for i, r := range s.Regions {
		if !KnownRegion(r.Name) {
			continue // reported by validateRegions
		}
		prefix := s.RegionPrefix(r.Name)
		for _, n := range regionNames {
			l := len(prefix) + len(n.suffix)
			if n.autoname {
				l += autoNameSuffix
			}
			if l > n.max {
				p.add(fmt.Sprintf("regions[%d].name", i), r.Name, "with stack %q, the %s name %q would be %d characters; %s: use a stack name at most %d characters long",
					s.Name, n.what, prefix+n.suffix, l, n.source, len(s.Name)-(l-n.max))
			}
		}
		for j, o := range s.Coder.Provisioners.Organizations {
			l := len(prefix) + len(provisionerRoleInfix) + len(o.Name) + autoNameSuffix
			if l > iamRoleMax {
				p.add(fmt.Sprintf("coder.provisioners.organizations[%d].name", j), o.Name,
					"the provisioners' IAM role in %s would be named %q plus Pulumi's suffix, %d characters; IAM allows %d: use an organization name at most %d characters long",
					r.Name, prefix+provisionerRoleInfix+o.Name, l, iamRoleMax, len(o.Name)-(l-iamRoleMax))
			}
		}
	}
}
