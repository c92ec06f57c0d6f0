package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/platformeng/coder-platform/internal/standards"
)

// The security baseline: network exposure, instance metadata, the EKS
// control plane, logs, data-store protection, secrets, IAM and tags.

// ingressRule is one world-reachable ingress rule.
type ingressRule struct {
	cidr, proto string
	from, to    float64
}

// worldIngress lists the ingress a resource opens to the internet; the
// state is unknown when a CIDR or port is not known yet.
func worldIngress(r *Resource) ([]ingressRule, state) {
	var out []ingressRule
	one := func(m map[string]string, cidrs []string, from, to float64) {
		for _, c := range cidrs {
			if worldCIDR(c) {
				out = append(out, ingressRule{cidr: c, proto: m["proto"], from: from, to: to})
			}
		}
	}
	switch r.Type {
	case tSGIngress:
		c4, s4 := str(r.Props, "cidrIpv4")
		c6, s6 := str(r.Props, "cidrIpv6")
		if s4 == unknown || s6 == unknown {
			return nil, unknown
		}
		from, _ := number(r.Props, "fromPort")
		to, _ := number(r.Props, "toPort")
		proto, _ := str(r.Props, "ipProtocol")
		one(map[string]string{"proto": proto}, []string{c4, c6}, from, to)
	case tSGRule:
		if t, _ := str(r.Props, "type"); t != "ingress" {
			return nil, known
		}
		c4, s4 := strs(r.Props, "cidrBlocks")
		c6, s6 := strs(r.Props, "ipv6CidrBlocks")
		if s4 == unknown || s6 == unknown {
			return nil, unknown
		}
		from, _ := number(r.Props, "fromPort")
		to, _ := number(r.Props, "toPort")
		proto, _ := str(r.Props, "protocol")
		one(map[string]string{"proto": proto}, append(c4, c6...), from, to)
	case tSG:
		rules, s := list(r.Props, "ingress")
		if s == unknown {
			return nil, unknown
		}
		for _, x := range rules {
			m, ms := elem(x)
			if ms == unknown {
				return nil, unknown
			}
			sub := &Resource{Props: m}
			c4, _ := strs(sub.Props, "cidrBlocks")
			c6, _ := strs(sub.Props, "ipv6CidrBlocks")
			from, _ := number(m, "fromPort")
			to, _ := number(m, "toPort")
			proto, _ := str(m, "protocol")
			one(map[string]string{"proto": proto}, append(c4, c6...), from, to)
		}
	}
	return out, known
}

func (i ingressRule) https() bool {
	return (i.proto == "tcp" || i.proto == "6") && i.from == 443 && i.to == 443
}

func (i ingressRule) String() string {
	if i.proto == "-1" || i.proto == "all" {
		return fmt.Sprintf("all traffic from %s", i.cidr)
	}
	if i.from == i.to {
		return fmt.Sprintf("%s %v from %s", i.proto, i.from, i.cidr)
	}
	return fmt.Sprintf("%s %v-%v from %s", i.proto, i.from, i.to, i.cidr)
}

var sgNoWorldIngress = &Policy{
	Name:        "sg-no-world-ingress",
	Description: "No security group admits 0.0.0.0/0 or ::/0 except TLS on 443.",
	Severity:    Critical,
	Enforcement: Mandatory,
	Remediation: "admit only the sources that need the port (a security group or a private CIDR); only the public load balancer may take 443 from anywhere.",
	Types:       []string{tSGIngress, tSGRule, tSG},
	Check: func(r *Resource, _ Config) []string {
		rules, s := worldIngress(r)
		if s != known {
			return nil
		}
		var out []string
		for _, i := range rules {
			if !i.https() {
				out = append(out, fmt.Sprintf("ingress admits %s.", i))
			}
		}
		return out
	},
}

var sgWorldHTTPSOnlyOnLoadBalancer = &Policy{
	Name:        "sg-world-443-only-on-load-balancer",
	Description: "Only the security group of an internet-facing load balancer admits 443 from anywhere.",
	Severity:    Critical,
	Enforcement: Mandatory,
	Remediation: "attach world-open 443 rules only to the public load balancer's security group; workloads behind it admit traffic from that group.",
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		idx := byType(rs)
		lbGroups := map[string]bool{}
		for _, lb := range idx[tLoadBalancer] {
			if internal, _ := boolean(lb.Props, "internal"); internal {
				continue
			}
			for _, u := range lb.PropertyDependencies["securityGroups"] {
				lbGroups[u] = true
			}
		}
		var out []Finding
		for _, t := range []string{tSGIngress, tSGRule} {
			for _, r := range idx[t] {
				rules, s := worldIngress(r)
				if s != known || len(rules) == 0 {
					continue
				}
				deps := r.PropertyDependencies["securityGroupId"]
				if len(deps) == 0 {
					if _, gs := str(r.Props, "securityGroupId"); gs == unknown {
						continue
					}
				}
				onLB := false
				for _, u := range deps {
					onLB = onLB || lbGroups[u]
				}
				if !onLB {
					out = append(out, Finding{r.URN, fmt.Sprintf("%s reaches a security group that no internet-facing load balancer uses.", rules[0])})
				}
			}
		}
		for _, sg := range idx[tSG] {
			if rules, s := worldIngress(sg); s == known && len(rules) > 0 && !lbGroups[sg.URN] {
				out = append(out, Finding{sg.URN, fmt.Sprintf("the group admits %s but no internet-facing load balancer uses it.", rules[0])})
			}
		}
		return out
	},
}

var imdsv2Required = &Policy{
	Name:        "imdsv2-required",
	Description: "Instances require IMDSv2 session tokens for instance metadata.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: `set metadataOptions.httpTokens = "required" (and httpPutResponseHopLimit = 2 for pods on EKS nodes).`,
	Types:       []string{tLaunchTmpl, tInstance},
	Check: func(r *Resource, _ Config) []string {
		v, s := str(r.Props, "metadataOptions", "httpTokens")
		if s == unknown || v == "required" {
			return nil
		}
		if s == absent {
			return []string{"metadataOptions.httpTokens is not set, so IMDSv1 stays available."}
		}
		return []string{fmt.Sprintf("metadataOptions.httpTokens is %q.", v)}
	},
}

var eksPrivateEndpoint = &Policy{
	Name:        "eks-private-endpoint",
	Description: "The EKS API endpoint is private, or public only to listed networks.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "set endpointPublicAccess = false, or list the admin networks in publicAccessCidrs (never 0.0.0.0/0).",
	Types:       []string{tEKSCluster, tEKSComponent},
	Check: func(r *Resource, _ Config) []string {
		base := []string{}
		if r.Type == tEKSCluster {
			base = []string{"vpcConfig"}
		}
		pub, s := boolean(r.Props, append(base, "endpointPublicAccess")...)
		if s == unknown || (s == known && !pub) {
			return nil
		}
		cidrs, cs := strs(r.Props, append(base, "publicAccessCidrs")...)
		if cs == unknown {
			return nil
		}
		if len(cidrs) == 0 {
			return []string{"the API endpoint is public to the whole internet (no publicAccessCidrs)."}
		}
		for _, c := range cidrs {
			if worldCIDR(c) {
				return []string{fmt.Sprintf("publicAccessCidrs includes %s.", c)}
			}
		}
		return nil
	},
}

// ControlPlaneLogTypes are every EKS control-plane log type.
var ControlPlaneLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

var eksControlPlaneLogs = &Policy{
	Name:        "eks-control-plane-logs",
	Description: "EKS ships every control-plane log type to CloudWatch.",
	Severity:    Medium,
	Enforcement: Mandatory,
	Remediation: "set enabledClusterLogTypes to " + strings.Join(ControlPlaneLogTypes, ", ") + ".",
	Types:       []string{tEKSCluster, tEKSComponent},
	Check: func(r *Resource, _ Config) []string {
		types, s := strs(r.Props, "enabledClusterLogTypes")
		if s == unknown {
			return nil
		}
		var missing []string
		for _, t := range ControlPlaneLogTypes {
			if !slices.Contains(types, t) {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 {
			return []string{fmt.Sprintf("control-plane logs %s are off.", strings.Join(missing, ", "))}
		}
		return nil
	},
}

var logRetention = &Policy{
	Name:        "log-retention",
	Description: "Log groups keep their logs for at least the minimum retention.",
	Severity:    Medium,
	Enforcement: Mandatory,
	Remediation: "set retentionInDays to at least the minimum (or leave it unset to keep logs forever).",
	Params: []Param{{Name: "minDays", Type: "integer", Default: standards.MinLogRetentionDays,
		Description: "the shortest retention a log group may have"}},
	Types: []string{tLogGroup},
	Check: func(r *Resource, c Config) []string {
		days, s := number(r.Props, "retentionInDays")
		if s != known || days == 0 {
			return nil // unset or 0: never expire
		}
		if int(days) < c.Int("minDays") {
			return []string{fmt.Sprintf("retentionInDays is %v, below %d.", days, c.Int("minDays"))}
		}
		return nil
	},
}

// dataStores are the types that hold data a deletion would lose.
var dataStores = []string{tRDSCluster, tRDSInstance, tDynamoTable, tEFS, tBucketV2, tBucket, tVault, tKMSKey, tSecret}

var dataStoreProtection = &Policy{
	Name:        "data-store-protection",
	Description: "Data stores are protected from deletion: Pulumi protect, deletion protection and backup retention.",
	Severity:    Critical,
	Enforcement: Mandatory,
	Remediation: "register the resource with pulumi.Protect(true) and turn on its deletion protection and backups (deletionProtection, backupRetentionPeriod, a final snapshot; PITR for DynamoDB).",
	Params: []Param{{Name: "minBackupRetentionDays", Type: "integer", Default: 7,
		Description: "the shortest automated-backup (point-in-time) retention of a database"}},
	Types: dataStores,
	Check: func(r *Resource, c Config) []string {
		var out []string
		if !r.Protect {
			out = append(out, "the resource is not protected, so pulumi destroy or a replacement deletes it.")
		}
		switch r.Type {
		case tRDSCluster, tRDSInstance:
			out = append(out, flagOn(r, "the database", "deletionProtection")...)
			switch days, s := number(r.Props, "backupRetentionPeriod"); {
			case s == absent:
				out = append(out, fmt.Sprintf("backupRetentionPeriod is not set (RDS keeps 1 day), below %d.", c.Int("minBackupRetentionDays")))
			case s == known && int(days) < c.Int("minBackupRetentionDays"):
				out = append(out, fmt.Sprintf("backupRetentionPeriod is %v days, below %d.", days, c.Int("minBackupRetentionDays")))
			}
			if skip, s := boolean(r.Props, "skipFinalSnapshot"); s == known && skip {
				out = append(out, "skipFinalSnapshot is on, so deleting it leaves no snapshot.")
			}
		case tDynamoTable:
			out = append(out, flagOn(r, "the table", "deletionProtectionEnabled")...)
			out = append(out, flagOn(r, "the table", "pointInTimeRecovery", "enabled")...)
		case tSecret:
			if days, s := number(r.Props, "recoveryWindowInDays"); s == known && days == 0 {
				out = append(out, "recoveryWindowInDays is 0, so a deletion is immediate and final.")
			}
		}
		return out
	},
}

var secretsRotation = &Policy{
	Name:        "secrets-rotation",
	Description: "Every secret rotates: a Secrets Manager rotation schedule, or a documented manual rotation within the maximum period.",
	Severity:    Medium,
	Enforcement: Mandatory,
	Remediation: "add a SecretRotation (automaticallyAfterDays ≤ the maximum) or, for values issued outside AWS, tag the secret coder:rotation=manual and coder:rotation-days ≤ the maximum and follow docs/runbooks.md; let RDS manage database passwords (manageMasterUserPassword).",
	Params:      []Param{{Name: "maxDays", Type: "integer", Default: 90, Description: "the longest a secret may go unrotated"}},
	CheckStack: func(rs []*Resource, c Config) []Finding {
		idx := byType(rs)
		maxDays := c.Int("maxDays")
		// rotated reports whether a rotation of the resource (a secret, or a
		// cluster whose managed secret it rotates) exists within maxDays.
		rotated := func(urn string) (bool, string) {
			for _, rot := range idx[tRotation] {
				if !rot.dependsOn("secretId", urn) {
					continue
				}
				if expr, s := str(rot.Props, "rotationRules", "scheduleExpression"); s == known && expr != "" {
					return true, ""
				}
				days, s := number(rot.Props, "rotationRules", "automaticallyAfterDays")
				if s == unknown || (s == known && int(days) <= maxDays) {
					return true, ""
				}
				return false, fmt.Sprintf("it rotates every %v days, more than %d.", days, maxDays)
			}
			return false, ""
		}
		var out []Finding
		for _, sec := range idx[tSecret] {
			ok, why := rotated(sec.URN)
			if ok {
				continue
			}
			mode, ms := str(sec.Props, "tags", "coder:rotation")
			days, ds := number(sec.Props, "tags", "coder:rotation-days")
			switch {
			case ms == unknown || ds == unknown:
			case why != "":
				out = append(out, Finding{sec.URN, why})
			case mode == "manual" && ds == known && int(days) <= maxDays:
			case mode == "manual":
				out = append(out, Finding{sec.URN, fmt.Sprintf("manual rotation every %v days is more than %d (tag coder:rotation-days).", days, maxDays)})
			default:
				out = append(out, Finding{sec.URN, "the secret has no rotation schedule and no documented manual rotation."})
			}
		}
		for _, cl := range idx[tRDSCluster] {
			if pw, s := setNonEmpty(cl.Props, "masterPassword"); pw || s == unknown {
				out = append(out, Finding{cl.URN, "the master password is set in code; it cannot rotate."})
				continue
			}
			if managed, _ := boolean(cl.Props, "manageMasterUserPassword"); !managed {
				continue
			}
			if ok, why := rotated(cl.URN); !ok {
				if why == "" {
					why = "the RDS-managed master secret has no rotation schedule."
				}
				out = append(out, Finding{cl.URN, why})
			}
		}
		return out
	},
}

var iamNoWildcard = &Policy{
	Name:        "iam-no-wildcard",
	Description: "IAM policies grant no *:* and no wildcard action on every resource.",
	Severity:    Critical,
	Enforcement: Mandatory,
	Remediation: "list the actions the workload calls and scope them to its resources (ARNs, conditions); never attach AdministratorAccess.",
	Types:       []string{tRolePolicy, tIAMPolicy, tUserPolicy, tGroupPolicy, tRole, tRoleAttach, tUserAttach, tGroupAttach},
	Check: func(r *Resource, _ Config) []string {
		switch r.Type {
		case tRoleAttach, tUserAttach, tGroupAttach:
			arn, _ := str(r.Props, "policyArn")
			if strings.HasSuffix(arn, ":policy/AdministratorAccess") {
				return []string{"attaches AdministratorAccess."}
			}
			return nil
		case tRole:
			inline, s := list(r.Props, "inlinePolicies")
			if s != known {
				return nil
			}
			var out []string
			for _, p := range inline {
				m, _ := elem(p)
				out = append(out, wildcards(m, "policy")...)
			}
			return out
		}
		return wildcards(r.Props, "policy")
	},
}

// wildcards reports the over-broad Allow statements of a policy document.
func wildcards(m resource.PropertyMap, key string) []string {
	doc, s := policyDoc(m, key)
	if s != known {
		return nil
	}
	var out []string
	for i, st := range doc {
		if st.Effect != "Allow" {
			continue
		}
		name := st.Sid
		if name == "" {
			name = fmt.Sprintf("statement %d", i)
		}
		if len(st.NotAction) > 0 {
			out = append(out, fmt.Sprintf("%s allows everything except %s (NotAction).", name, strings.Join(st.NotAction, ", ")))
		}
		allResources := slices.Contains(st.Resource, "*")
		for _, a := range st.Action {
			switch {
			case a == "*" || a == "*:*":
				out = append(out, fmt.Sprintf("%s allows every action (%s).", name, a))
			case strings.Contains(a, "*") && allResources:
				out = append(out, fmt.Sprintf("%s allows %s on every resource.", name, a))
			}
		}
	}
	return out
}

var irsaTrustScoped = &Policy{
	Name:        "irsa-trust-scoped",
	Description: "A role assumed through the cluster's OIDC provider (IRSA) trusts exactly one Kubernetes service account.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: `condition the trust with StringEquals on "<issuer>:sub" = "system:serviceaccount:<namespace>:<name>" and "<issuer>:aud" = "sts.amazonaws.com".`,
	Types:       []string{tRole},
	Check: func(r *Resource, _ Config) []string {
		doc, s := policyDoc(r.Props, "assumeRolePolicy")
		if s != known {
			return nil
		}
		var out []string
		for _, st := range doc {
			if st.Effect != "Allow" || !slices.Contains(st.Action, "sts:AssumeRoleWithWebIdentity") || githubTrust(st) {
				continue
			}
			var subs, auds []string
			for k, v := range st.Condition["StringEquals"] {
				switch {
				case strings.HasSuffix(k, ":sub"):
					subs = append(subs, anyStrings(v)...)
				case strings.HasSuffix(k, ":aud"):
					auds = append(auds, anyStrings(v)...)
				}
			}
			for k := range st.Condition["StringLike"] {
				if strings.HasSuffix(k, ":sub") {
					out = append(out, "the trust matches service accounts with StringLike; use StringEquals.")
				}
			}
			switch {
			case len(subs) != 1:
				out = append(out, fmt.Sprintf("the trust names %d service accounts (:sub), not exactly one.", len(subs)))
			case !strings.HasPrefix(subs[0], "system:serviceaccount:") || strings.ContainsAny(subs[0], "*?"):
				out = append(out, fmt.Sprintf("the trust's subject %q is not one service account.", subs[0]))
			}
			if !slices.Equal(auds, []string{"sts.amazonaws.com"}) {
				out = append(out, "the trust does not require the audience sts.amazonaws.com (:aud).")
			}
		}
		return out
	},
}

// githubIssuer is the issuer of GitHub Actions' OIDC tokens, the prefix
// of its trust condition keys.
const githubIssuer = "token.actions.githubusercontent.com"

// githubSubject is one repository's pull requests, one branch or one
// environment ("OpenID Connect reference", GitHub docs: subject claims).
var githubSubject = regexp.MustCompile(`^repo:([A-Za-z0-9-]+/[A-Za-z0-9._-]+):(pull_request|ref:refs/heads/[A-Za-z0-9._/-]+|environment:[A-Za-z0-9_-]+)$`)

// githubTrust reports whether a statement trusts GitHub Actions' tokens.
func githubTrust(st statement) bool {
	for _, cond := range st.Condition {
		for k := range cond {
			if strings.HasPrefix(k, githubIssuer+":") {
				return true
			}
		}
	}
	return false
}

var githubTrustScoped = &Policy{
	Name:        "github-trust-scoped",
	Description: "A role GitHub Actions assumes trusts one repository's named pull requests, branches or environments, for the audience sts.amazonaws.com.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: `condition the trust with StringEquals on "token.actions.githubusercontent.com:sub" = "repo:<owner>/<repo>:environment:<name>" (or :pull_request, :ref:refs/heads/<branch>) and ":aud" = "sts.amazonaws.com".`,
	Types:       []string{tRole},
	Check: func(r *Resource, _ Config) []string {
		doc, s := policyDoc(r.Props, "assumeRolePolicy")
		if s != known {
			return nil
		}
		var out []string
		for _, st := range doc {
			if st.Effect != "Allow" || !githubTrust(st) {
				continue
			}
			for op, cond := range st.Condition {
				if _, ok := cond[githubIssuer+":sub"]; ok && op != "StringEquals" {
					out = append(out, fmt.Sprintf("the trust matches subjects with %s; use StringEquals.", op))
				}
			}
			subs := anyStrings(st.Condition["StringEquals"][githubIssuer+":sub"])
			if len(subs) == 0 {
				out = append(out, "the trust names no subject (:sub): any repository's workflow could assume it.")
			}
			repos := map[string]bool{}
			for _, sub := range subs {
				m := githubSubject.FindStringSubmatch(sub)
				if m == nil {
					out = append(out, fmt.Sprintf("the trust's subject %q is not one repository's pull requests, branch or environment.", sub))
					continue
				}
				repos[m[1]] = true
			}
			if len(repos) > 1 {
				out = append(out, fmt.Sprintf("the trust names %d repositories, not one.", len(repos)))
			}
			if !slices.Equal(anyStrings(st.Condition["StringEquals"][githubIssuer+":aud"]), []string{"sts.amazonaws.com"}) {
				out = append(out, "the trust does not require the audience sts.amazonaws.com (:aud).")
			}
		}
		return out
	},
}

var requiredTags = &Policy{
	Name:        "required-tags",
	Description: "AWS resources carry the required tags, through provider default tags or their own.",
	Severity:    Low,
	Enforcement: Mandatory,
	Remediation: "set the tags on the region's AWS provider (defaultTags) so every resource inherits them.",
	Params: []Param{{Name: "tags", Type: "array", Default: standards.RequiredTags,
		Description: "tag keys every taggable AWS resource must carry"}},
	Check: func(r *Resource, c Config) []string {
		have := map[string]bool{}
		switch {
		case r.Type == tProviderAWS:
			dt, s := providerDefaultTags(r.Props)
			if s == unknown {
				return nil
			}
			have = dt
		case strings.HasPrefix(r.Type, "aws:"):
			tags, s := object(r.Props, "tags")
			if s != known {
				return nil // not a taggable resource, or not known yet
			}
			for k := range tags {
				have[string(k)] = true
			}
			if r.Provider != nil {
				dt, ps := providerDefaultTags(r.Provider.Props)
				if ps == unknown {
					return nil
				}
				for k := range dt {
					have[k] = true
				}
			}
		default:
			return nil
		}
		var missing []string
		for _, t := range c.Strings("tags") {
			if !have[t] {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 {
			return []string{fmt.Sprintf("missing tags %s.", strings.Join(missing, ", "))}
		}
		return nil
	},
}
