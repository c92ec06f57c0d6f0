package rules

import "testing"

func TestSGNoWorldIngress(t *testing.T) {
	t.Parallel()
	checkResource(t, sgNoWorldIngress, []resourceCase{
		{"443 from anywhere", res(t, tSGIngress, `{"cidrIpv4":"0.0.0.0/0","ipProtocol":"tcp","fromPort":443,"toPort":443}`), nil},
		{"private source", res(t, tSGIngress, `{"cidrIpv4":"10.0.0.0/8","ipProtocol":"tcp","fromPort":22,"toPort":22}`), nil},
		{"ssh from anywhere", res(t, tSGIngress, `{"cidrIpv4":"0.0.0.0/0","ipProtocol":"tcp","fromPort":22,"toPort":22}`),
			[]string{"ingress admits tcp 22 from 0.0.0.0/0."}},
		{"ipv6 range", res(t, tSGIngress, `{"cidrIpv6":"::/0","ipProtocol":"tcp","fromPort":80,"toPort":443}`),
			[]string{"ingress admits tcp 80-443 from ::/0."}},
		{"all traffic rule", res(t, tSGRule, `{"type":"ingress","cidrBlocks":["0.0.0.0/0"],"protocol":"-1","fromPort":0,"toPort":0}`),
			[]string{"ingress admits all traffic from 0.0.0.0/0."}},
		{"egress rule", res(t, tSGRule, `{"type":"egress","cidrBlocks":["0.0.0.0/0"],"protocol":"-1","fromPort":0,"toPort":0}`), nil},
		{"inline ingress", res(t, tSG, `{"ingress":[{"cidrBlocks":["0.0.0.0/0"],"protocol":"tcp","fromPort":8080,"toPort":8080}]}`),
			[]string{"ingress admits tcp 8080 from 0.0.0.0/0."}},
		{"unknown cidr", res(t, tSGIngress, `{"cidrIpv4":"<unknown>","ipProtocol":"tcp","fromPort":22,"toPort":22}`), nil},
		{"unknown inline", res(t, tSG, `{"ingress":"<unknown>"}`), nil},
	})
}

func TestSGWorldHTTPSOnlyOnLoadBalancer(t *testing.T) {
	t.Parallel()
	lbSG := named(res(t, tSG, `{}`), "lb-sg")
	nodeSG := named(res(t, tSG, `{}`), "node-sg")
	lb := deps(named(res(t, tLoadBalancer, `{"internal":false,"securityGroups":["<unknown>"]}`), "nlb"), "securityGroups", lbSG)
	internalLB := deps(named(res(t, tLoadBalancer, `{"internal":true,"securityGroups":["<unknown>"]}`), "internal"), "securityGroups", nodeSG)
	rule := func(sg *Resource) *Resource {
		r := named(res(t, tSGIngress, `{"securityGroupId":"<unknown>","cidrIpv4":"0.0.0.0/0","ipProtocol":"tcp","fromPort":443,"toPort":443}`), "https-"+sg.Name)
		return deps(r, "securityGroupId", sg)
	}
	checkStack(t, sgWorldHTTPSOnlyOnLoadBalancer, []stackCase{
		{"on the public load balancer", []*Resource{lbSG, lb, rule(lbSG)}, nil},
		{"on a node group", []*Resource{lbSG, nodeSG, lb, rule(nodeSG)},
			[]Finding{{rule(nodeSG).URN, "tcp 443 from 0.0.0.0/0 reaches a security group that no internet-facing load balancer uses."}}},
		{"on an internal load balancer", []*Resource{nodeSG, internalLB, rule(nodeSG)},
			[]Finding{{rule(nodeSG).URN, "tcp 443 from 0.0.0.0/0 reaches a security group that no internet-facing load balancer uses."}}},
		{"inline on a plain group", []*Resource{named(res(t, tSG, `{"ingress":[{"cidrBlocks":["0.0.0.0/0"],"protocol":"tcp","fromPort":443,"toPort":443}]}`), "web")},
			[]Finding{{"urn:pulumi:test::p::" + tSG + "::web", "the group admits tcp 443 from 0.0.0.0/0 but no internet-facing load balancer uses it."}}},
		{"group not known", []*Resource{named(res(t, tSGIngress, `{"securityGroupId":"<unknown>","cidrIpv4":"0.0.0.0/0","ipProtocol":"tcp","fromPort":443,"toPort":443}`), "x")}, nil},
	})
}

func TestIMDSv2Required(t *testing.T) {
	t.Parallel()
	checkResource(t, imdsv2Required, []resourceCase{
		{"required", res(t, tLaunchTmpl, `{"metadataOptions":{"httpTokens":"required","httpPutResponseHopLimit":2}}`), nil},
		{"optional", res(t, tLaunchTmpl, `{"metadataOptions":{"httpTokens":"optional"}}`), []string{`metadataOptions.httpTokens is "optional".`}},
		{"unset", res(t, tInstance, `{}`), []string{"metadataOptions.httpTokens is not set, so IMDSv1 stays available."}},
		{"unknown", res(t, tInstance, `{"metadataOptions":{"httpTokens":"<unknown>"}}`), nil},
	})
}

func TestEKSPrivateEndpoint(t *testing.T) {
	t.Parallel()
	checkResource(t, eksPrivateEndpoint, []resourceCase{
		{"private", res(t, tEKSComponent, `{"endpointPrivateAccess":true,"endpointPublicAccess":false}`), nil},
		{"public to admins", res(t, tEKSComponent, `{"endpointPublicAccess":true,"publicAccessCidrs":["203.0.113.0/24"]}`), nil},
		{"public to all", res(t, tEKSComponent, `{"endpointPublicAccess":true}`),
			[]string{"the API endpoint is public to the whole internet (no publicAccessCidrs)."}},
		{"default is public", res(t, tEKSCluster, `{"vpcConfig":{}}`),
			[]string{"the API endpoint is public to the whole internet (no publicAccessCidrs)."}},
		{"aws cluster world cidr", res(t, tEKSCluster, `{"vpcConfig":{"endpointPublicAccess":true,"publicAccessCidrs":["10.0.0.0/8","0.0.0.0/0"]}}`),
			[]string{"publicAccessCidrs includes 0.0.0.0/0."}},
		{"unknown", res(t, tEKSComponent, `{"endpointPublicAccess":"<unknown>"}`), nil},
		{"unknown cidrs", res(t, tEKSComponent, `{"endpointPublicAccess":true,"publicAccessCidrs":"<unknown>"}`), nil},
	})
}

func TestEKSControlPlaneLogs(t *testing.T) {
	t.Parallel()
	checkResource(t, eksControlPlaneLogs, []resourceCase{
		{"all", res(t, tEKSComponent, `{"enabledClusterLogTypes":["api","audit","authenticator","controllerManager","scheduler"]}`), nil},
		{"some", res(t, tEKSCluster, `{"enabledClusterLogTypes":["api","audit"]}`),
			[]string{"control-plane logs authenticator, controllerManager, scheduler are off."}},
		{"none", res(t, tEKSComponent, `{}`),
			[]string{"control-plane logs api, audit, authenticator, controllerManager, scheduler are off."}},
		{"unknown", res(t, tEKSComponent, `{"enabledClusterLogTypes":"<unknown>"}`), nil},
	})
}

func TestLogRetention(t *testing.T) {
	t.Parallel()
	checkResource(t, logRetention, []resourceCase{
		{"90 days", res(t, tLogGroup, `{"retentionInDays":90}`), nil},
		{"forever", res(t, tLogGroup, `{}`), nil},
		{"30 days", res(t, tLogGroup, `{"retentionInDays":30}`), []string{"retentionInDays is 30, below 90."}},
		{"unknown", res(t, tLogGroup, `{"retentionInDays":"<unknown>"}`), nil},
	})
}

func TestDataStoreProtection(t *testing.T) {
	t.Parallel()
	checkResource(t, dataStoreProtection, []resourceCase{
		{"protected aurora", protect(res(t, tRDSCluster, `{"deletionProtection":true,"backupRetentionPeriod":14,"skipFinalSnapshot":false}`)), nil},
		{"bare aurora", res(t, tRDSCluster, `{"skipFinalSnapshot":true}`), []string{
			"the resource is not protected, so pulumi destroy or a replacement deletes it.",
			"the database has deletionProtection off.",
			"backupRetentionPeriod is not set (RDS keeps 1 day), below 7.",
			"skipFinalSnapshot is on, so deleting it leaves no snapshot.",
		}},
		{"short backups", protect(res(t, tRDSInstance, `{"deletionProtection":true,"backupRetentionPeriod":3}`)),
			[]string{"backupRetentionPeriod is 3 days, below 7."}},
		{"unknown settings", protect(res(t, tRDSCluster, `{"deletionProtection":"<unknown>","backupRetentionPeriod":"<unknown>"}`)), nil},
		{"table", protect(res(t, tDynamoTable, `{"deletionProtectionEnabled":true,"pointInTimeRecovery":{"enabled":true}}`)), nil},
		{"table without pitr", protect(res(t, tDynamoTable, `{"deletionProtectionEnabled":true}`)),
			[]string{"the table has pointInTimeRecovery.enabled off."}},
		{"secret without window", protect(res(t, tSecret, `{"recoveryWindowInDays":0}`)),
			[]string{"recoveryWindowInDays is 0, so a deletion is immediate and final."}},
		{"unprotected key", res(t, tKMSKey, `{"enableKeyRotation":true}`),
			[]string{"the resource is not protected, so pulumi destroy or a replacement deletes it."}},
		{"protected bucket", protect(res(t, tBucketV2, `{}`)), nil},
	})
}

func TestSecretsRotation(t *testing.T) {
	t.Parallel()
	secret := func(name, tags string) *Resource {
		return named(res(t, tSecret, `{"tags":`+tags+`}`), name)
	}
	rotation := func(sec *Resource, rules string) *Resource {
		return deps(named(res(t, tRotation, `{"secretId":"<unknown>","rotationRules":`+rules+`}`), sec.Name+"-rotation"), "secretId", sec)
	}
	auto := secret("auto", `{}`)
	manual := secret("oidc", `{"coder:rotation":"manual","coder:rotation-days":"90"}`)
	slowManual := secret("license", `{"coder:rotation":"manual","coder:rotation-days":"365"}`)
	bare := secret("bare", `{}`)
	cluster := named(res(t, tRDSCluster, `{"manageMasterUserPassword":true}`), "db")
	checkStack(t, secretsRotation, []stackCase{
		{"rotated", []*Resource{auto, rotation(auto, `{"automaticallyAfterDays":30}`)}, nil},
		{"schedule expression", []*Resource{auto, rotation(auto, `{"scheduleExpression":"rate(30 days)"}`)}, nil},
		{"documented manual", []*Resource{manual}, nil},
		{"unknown period", []*Resource{auto, rotation(auto, `{"automaticallyAfterDays":"<unknown>"}`)}, nil},
		{"slow rotation", []*Resource{auto, rotation(auto, `{"automaticallyAfterDays":180}`)},
			[]Finding{{auto.URN, "it rotates every 180 days, more than 90."}}},
		{"slow manual", []*Resource{slowManual},
			[]Finding{{slowManual.URN, "manual rotation every 365 days is more than 90 (tag coder:rotation-days)."}}},
		{"never", []*Resource{bare}, []Finding{{bare.URN, "the secret has no rotation schedule and no documented manual rotation."}}},
		{"managed master rotated", []*Resource{cluster, rotation(cluster, `{"automaticallyAfterDays":7}`)}, nil},
		{"managed master not rotated", []*Resource{cluster},
			[]Finding{{cluster.URN, "the RDS-managed master secret has no rotation schedule."}}},
		{"password in code", []*Resource{named(res(t, tRDSCluster, `{"masterPassword":"<secret>"}`), "pw")},
			[]Finding{{"urn:pulumi:test::p::" + tRDSCluster + "::pw", "the master password is set in code; it cannot rotate."}}},
	})
}

func TestIAMNoWildcard(t *testing.T) {
	t.Parallel()
	doc := func(statement string) string {
		return `{"policy":"{\"Version\":\"2012-10-17\",\"Statement\":[` + statement + `]}"}`
	}
	checkResource(t, iamNoWildcard, []resourceCase{
		{"scoped", res(t, tRolePolicy, doc(`{\"Effect\":\"Allow\",\"Action\":[\"logs:PutLogEvents\"],\"Resource\":\"arn:aws:logs:*:*:log-group:/coder/*\"}`)), nil},
		{"star star", res(t, tRolePolicy, doc(`{\"Sid\":\"Admin\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}`)),
			[]string{"Admin allows every action (*)."}},
		{"service wildcard everywhere", res(t, tIAMPolicy, doc(`{\"Effect\":\"Allow\",\"Action\":[\"s3:*\"],\"Resource\":[\"*\"]}`)),
			[]string{"statement 0 allows s3:* on every resource."}},
		{"service wildcard scoped", res(t, tIAMPolicy, doc(`{\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\"],\"Resource\":[\"arn:aws:s3:::b/*\"]}`)), nil},
		{"not action", res(t, tIAMPolicy, doc(`{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}`)),
			[]string{"statement 0 allows everything except iam:* (NotAction)."}},
		{"deny star", res(t, tIAMPolicy, doc(`{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}`)), nil},
		{"admin attachment", res(t, tRoleAttach, `{"policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}`), []string{"attaches AdministratorAccess."}},
		{"managed attachment", res(t, tRoleAttach, `{"policyArn":"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"}`), nil},
		{"inline on role", res(t, tRole, `{"inlinePolicies":[{"name":"x","policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*:*\",\"Resource\":\"*\"}]}"}]}`),
			[]string{"statement 0 allows every action (*:*)."}},
		{"unknown document", res(t, tRolePolicy, `{"policy":"<unknown>"}`), nil},
	})
}

func TestIRSATrustScoped(t *testing.T) {
	t.Parallel()
	trust := func(cond string) *Resource {
		return res(t, tRole, `{"assumeRolePolicy":{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:oidc"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":`+cond+`}]}}`)
	}
	checkResource(t, irsaTrustScoped, []resourceCase{
		{"one service account", trust(`{"StringEquals":{"oidc.eks/id/X:sub":"system:serviceaccount:coder:coder","oidc.eks/id/X:aud":"sts.amazonaws.com"}}`), nil},
		{"string like", trust(`{"StringLike":{"oidc.eks/id/X:sub":"system:serviceaccount:coder:*"},"StringEquals":{"oidc.eks/id/X:aud":"sts.amazonaws.com"}}`),
			[]string{"the trust matches service accounts with StringLike; use StringEquals.", "the trust names 0 service accounts (:sub), not exactly one."}},
		{"two accounts", trust(`{"StringEquals":{"oidc.eks/id/X:sub":["system:serviceaccount:a:a","system:serviceaccount:b:b"],"oidc.eks/id/X:aud":"sts.amazonaws.com"}}`),
			[]string{"the trust names 2 service accounts (:sub), not exactly one."}},
		{"no audience", trust(`{"StringEquals":{"oidc.eks/id/X:sub":"system:serviceaccount:coder:coder"}}`),
			[]string{"the trust does not require the audience sts.amazonaws.com (:aud)."}},
		{"not a service account", trust(`{"StringEquals":{"oidc.eks/id/X:sub":"repo:org/*","oidc.eks/id/X:aud":"sts.amazonaws.com"}}`),
			[]string{`the trust's subject "repo:org/*" is not one service account.`}},
		{"service principal", res(t, tRole, `{"assumeRolePolicy":{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}}`), nil},
		{"unknown", res(t, tRole, `{"assumeRolePolicy":"<unknown>"}`), nil},
	})
}

func TestGitHubTrustScoped(t *testing.T) {
	t.Parallel()
	trust := func(cond string) *Resource {
		return res(t, tRole, `{"assumeRolePolicy":{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":`+cond+`}]}}`)
	}
	const aud = `"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"`
	checkResource(t, githubTrustScoped, []resourceCase{
		{"environment", trust(`{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/platform:environment:prod",` + aud + `}}`), nil},
		{"pull requests and main", trust(`{"StringEquals":{"token.actions.githubusercontent.com:sub":["repo:acme/platform:pull_request","repo:acme/platform:ref:refs/heads/main"],` + aud + `}}`), nil},
		{"any branch", trust(`{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/platform:*"},"StringEquals":{` + aud + `}}`),
			[]string{"the trust matches subjects with StringLike; use StringEquals.", "the trust names no subject (:sub): any repository's workflow could assume it."}},
		{"wildcard repository", trust(`{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/*:pull_request",` + aud + `}}`),
			[]string{`the trust's subject "repo:acme/*:pull_request" is not one repository's pull requests, branch or environment.`}},
		{"two repositories", trust(`{"StringEquals":{"token.actions.githubusercontent.com:sub":["repo:acme/a:pull_request","repo:acme/b:pull_request"],` + aud + `}}`),
			[]string{"the trust names 2 repositories, not one."}},
		{"no audience", trust(`{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/platform:environment:prod"}}`),
			[]string{"the trust does not require the audience sts.amazonaws.com (:aud)."}},
		{"an IRSA role is not its business", trust(`{"StringEquals":{"oidc.eks/id/X:sub":"system:serviceaccount:coder:coder","oidc.eks/id/X:aud":"sts.amazonaws.com"}}`), nil},
	})
	// And IRSA's rule leaves GitHub's trust to this one.
	checkResource(t, irsaTrustScoped, []resourceCase{
		{"github trust", trust(`{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/platform:environment:prod",` + aud + `}}`), nil},
	})
}

func TestRequiredTags(t *testing.T) {
	t.Parallel()
	provider := res(t, tProviderAWS, `{"region":"us-east-2","defaultTags":{"tags":{"project":"p","stack":"s","region":"r","owner":"o","cost-center":"c"}}}`)
	engineProvider := res(t, tProviderAWS, `{"region":"us-east-2","defaultTags":"{\"tags\":{\"project\":\"p\",\"stack\":\"s\",\"region\":\"r\",\"owner\":\"o\",\"cost-center\":\"c\"}}"}`)
	checkResource(t, requiredTags, []resourceCase{
		{"provider", provider, nil},
		{"provider as the engine sends it", engineProvider, nil},
		{"provider without tags", res(t, tProviderAWS, `{"region":"us-east-2"}`),
			[]string{"missing tags project, stack, region, owner, cost-center."}},
		{"inherits", withProvider(res(t, tVpc, `{"tags":{"Name":"x"}}`), provider), nil},
		{"own tags only", res(t, tVpc, `{"tags":{"project":"p","owner":"o"}}`), []string{"missing tags stack, region, cost-center."}},
		{"untaggable", res(t, tRolePolicy, `{}`), nil},
		{"kubernetes", res(t, tService, `{"tags":{}}`), nil},
		{"unknown tags", res(t, tVpc, `{"tags":"<unknown>"}`), nil},
	})
}
