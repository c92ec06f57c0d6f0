// Package mocks is what AWS and the other providers would answer: the
// computed outputs of each registration and the invokes the program makes.
// The offline preview's mock monitor and the engine tests' stand-in
// providers both answer with it, so the two paths cannot disagree.
package mocks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The mock monitor has to answer every registration with the outputs the
// program reads later, as the provider would after creating the resource.
// State is the inputs plus these computed outputs; nothing here is sent to
// AWS, and the preview says so.

// idPrefixes gives mock IDs the shape of real ones.
var idPrefixes = map[string]string{
	"aws:ec2/vpc:Vpc":                                           "vpc",
	"aws:ec2/subnet:Subnet":                                     "subnet",
	"aws:ec2/internetGateway:InternetGateway":                   "igw",
	"aws:ec2/routeTable:RouteTable":                             "rtb",
	"aws:ec2/natGateway:NatGateway":                             "nat",
	"aws:ec2/eip:Eip":                                           "eipalloc",
	"aws:ec2/securityGroup:SecurityGroup":                       "sg",
	"aws:ec2/vpcEndpoint:VpcEndpoint":                           "vpce",
	"aws:ec2/flowLog:FlowLog":                                   "fl",
	"aws:ec2/launchTemplate:LaunchTemplate":                     "lt",
	"aws:ec2transitgateway/vpcAttachment:VpcAttachment":         "tgw-attach",
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   "sgr",
}

// typeOutputs adds the outputs specific to one resource type.
var typeOutputs = map[string]func(res *Resource, m mockCtx, state resource.PropertyMap) string{
	"aws:kms/key:Key": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		id := uuidLike(res.URN)
		s["keyId"] = str(id)
		s["arn"] = str(fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", m.region, m.account, id))
		return id
	},
	"aws:iam/role:Role": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		name := physicalName(res, s)
		s["arn"] = str(fmt.Sprintf("arn:aws:iam::%s:role/%s", m.account, name))
		s["uniqueId"] = str("AROA" + strings.ToUpper(ShortHash(res.URN, 17)))
		return name
	},
	"aws:cloudwatch/logGroup:LogGroup": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		name := physicalName(res, s)
		s["arn"] = str(fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", m.region, m.account, name))
		return name
	},
	"aws:eks/nodeGroup:NodeGroup": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		name := Str0(s, "nodeGroupName", res.Name)
		s["resources"] = resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
			"autoscalingGroups": resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
				"name": str(fmt.Sprintf("eks-%s-%s", name, uuidLike(res.URN))),
			})}),
		})})
		s["status"] = str("ACTIVE")
		return fmt.Sprintf("%s:%s", Str0(s, "clusterName", "cluster"), name)
	},
	"aws:ec2/launchTemplate:LaunchTemplate": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		s["latestVersion"] = resource.NewNumberProperty(1)
		s["defaultVersion"] = resource.NewNumberProperty(1)
		return ""
	},
	// pulumi-eks' Cluster is a remote component: the engine would run the
	// provider's children; the mock answers with the outputs it exports.
	"eks:index:Cluster": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		name := Str0(s, "name", res.Name)
		issuer := fmt.Sprintf("oidc.eks.%s.amazonaws.com/id/%s", m.region, strings.ToUpper(ShortHash(res.URN, 32)))
		endpoint := fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", strings.ToUpper(ShortHash(res.URN+"e", 32)), m.region)
		kubeconfig := map[string]any{
			"apiVersion": "v1", "kind": "Config", "current-context": "aws",
			"clusters": []any{map[string]any{"name": "kubernetes", "cluster": map[string]any{"server": endpoint, "certificate-authority-data": "bW9jaw=="}}},
			"contexts": []any{map[string]any{"name": "aws", "context": map[string]any{"cluster": "kubernetes", "user": "aws"}}},
			"users": []any{map[string]any{"name": "aws", "user": map[string]any{"exec": map[string]any{
				"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
				"args": []any{"eks", "get-token", "--cluster-name", name, "--output", "json"}}}}},
		}
		kc, _ := json.Marshal(kubeconfig)
		s["kubeconfigJson"] = str(string(kc))
		s["kubeconfig"] = resource.NewPropertyValue(kubeconfig)
		s["oidcIssuer"] = str(issuer)
		s["oidcProviderUrl"] = str("https://" + issuer)
		s["oidcProviderArn"] = str(fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", m.account, issuer))
		s["clusterSecurityGroupId"] = str(mockID("sg", res.URN+"cluster"))
		return ""
	},
	// AMP names the scraper's service-linked role after the scraper.
	"aws:amp/scraper:Scraper": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		id := "s-" + uuidLike(res.URN)
		s["arn"] = str(fmt.Sprintf("arn:aws:aps:%s:%s:scraper/%s", m.region, m.account, id))
		s["roleArn"] = str(fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/scraper.aps.amazonaws.com/AWSServiceRoleForAmazonPrometheusScraper_%s",
			m.account, ShortHash(res.URN, 15)))
		return id
	},
	"aws:acm/certificate:Certificate": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		id := uuidLike(res.URN)
		s["arn"] = str(fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", m.region, m.account, id))
		host := Str0(s, "domainName", "example.com")
		rec := resource.PropertyMap{
			"resourceRecordName":  str(fmt.Sprintf("_%s.%s.", ShortHash(host, 32), host)),
			"resourceRecordType":  str("CNAME"),
			"resourceRecordValue": str(fmt.Sprintf("_%s.jkddzztszm.acm-validations.aws.", ShortHash(res.URN, 32))),
		}
		var dvos []resource.PropertyValue
		for _, d := range []string{host, "*." + host} {
			o := rec.Copy()
			o["domainName"] = str(d)
			dvos = append(dvos, resource.NewObjectProperty(o))
		}
		s["domainValidationOptions"] = resource.NewArrayProperty(dvos)
		s["status"] = str("PENDING_VALIDATION")
		return s["arn"].StringValue()
	},
	"aws:acm/certificateValidation:CertificateValidation": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		return Str0(s, "certificateArn", "")
	},
	"aws:lb/loadBalancer:LoadBalancer": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		name := physicalName(res, s)
		s["dnsName"] = str(fmt.Sprintf("%s-%s.elb.%s.amazonaws.com", name[:min(len(name), 24)], ShortHash(res.URN, 16), m.region))
		s["zoneId"] = str(nlbZoneIDs[m.region])
		arn := fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/net/%s/%s", m.region, m.account, name, ShortHash(res.URN, 16))
		s["arn"] = str(arn)
		s["arnSuffix"] = str(arn[strings.Index(arn, ":loadbalancer/")+len(":loadbalancer/"):])
		return arn
	},
	"aws:lb/targetGroup:TargetGroup": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		arn := fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", m.region, m.account, physicalName(res, s)[:min(len(physicalName(res, s)), 32)], ShortHash(res.URN, 16))
		s["arn"] = str(arn)
		s["arnSuffix"] = str(arn[strings.Index(arn, ":targetgroup/")+1:])
		return arn
	},
	"aws:ec2/eip:Eip": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		h := ShortHash(res.URN, 4)
		// 198.18.0.0/15 is reserved for benchmarking: never a real address.
		s["publicIp"] = str(fmt.Sprintf("198.18.%d.%d", int(h[0])%250, int(h[2])%250))
		return ""
	},
	"aws:rds/cluster:Cluster": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		id := Str0(s, "clusterIdentifier", res.Name)
		h := ShortHash(res.URN, 12)
		s["endpoint"] = str(fmt.Sprintf("%s.cluster-%s.%s.rds.amazonaws.com", id, h, m.region))
		s["readerEndpoint"] = str(fmt.Sprintf("%s.cluster-ro-%s.%s.rds.amazonaws.com", id, h, m.region))
		s["clusterResourceId"] = str("cluster-" + strings.ToUpper(ShortHash(res.URN, 26)))
		s["arn"] = str(fmt.Sprintf("arn:aws:rds:%s:%s:cluster:%s", m.region, m.account, id))
		s["masterUserSecrets"] = resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
			"secretArn":    str(fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:rds!cluster-%s-AbCdEf", m.region, m.account, uuidLike(res.URN))),
			"secretStatus": str("active"),
		})})
		return id
	},
	"aws:amp/workspace:Workspace": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		id := "ws-" + uuidLike(res.URN)
		s["arn"] = str(fmt.Sprintf("arn:aws:aps:%s:%s:workspace/%s", m.region, m.account, id))
		s["prometheusEndpoint"] = str(fmt.Sprintf("https://aps-workspaces.%s.amazonaws.com/workspaces/%s/", m.region, id))
		return id
	},
	// Secrets Manager appends six random characters to a secret's name.
	"aws:secretsmanager/secret:Secret": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		arn := fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", m.region, m.account, physicalName(res, s), ShortHash(res.URN, 6))
		s["arn"] = str(arn)
		return arn
	},
	"aws:backup/vault:Vault": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		name := physicalName(res, s)
		s["arn"] = str(fmt.Sprintf("arn:aws:backup:%s:%s:backup-vault:%s", m.region, m.account, name))
		return name
	},
	"aws:s3/bucketV2:BucketV2": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		name := Str0(s, "bucketPrefix", res.Name+"-") + ShortHash(res.URN, 12)
		s["bucket"] = str(name)
		s["arn"] = str("arn:aws:s3:::" + name)
		return name
	},
	"aws:route53/record:Record": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		name := strings.TrimSuffix(Str0(s, "name", res.Name), ".")
		s["fqdn"] = str(name)
		return name
	},
	"cloudflare:index/record:Record": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		s["hostname"] = str(Str0(s, "name", res.Name))
		return ShortHash(res.URN, 32)
	},
	"aws:ec2/vpcEndpoint:VpcEndpoint": func(res *Resource, m mockCtx, s resource.PropertyMap) string {
		if t := s["vpcEndpointType"]; t.IsString() && t.StringValue() == "Gateway" {
			s["prefixListId"] = str(mockID("pl", res.URN)[:11])
		}
		return ""
	},
}

type mockCtx struct{ region, account string }

// State returns the mock ID and output state of a registration.
func State(res *Resource, region, account string) (string, resource.PropertyMap) {
	state := res.Inputs.Copy()
	m := mockCtx{region: region, account: account}
	id := ""
	if f, ok := typeOutputs[res.Type]; ok {
		id = f(res, m, state)
	}
	if !res.Custom {
		return "", state
	}
	if id == "" {
		prefix, ok := idPrefixes[res.Type]
		if !ok {
			prefix = shortType(res.Type)
		}
		id = mockID(prefix, res.URN)
	}
	if strings.HasPrefix(res.Type, "aws:") {
		if _, ok := state["arn"]; !ok {
			svc := strings.SplitN(strings.TrimPrefix(res.Type, "aws:"), "/", 2)[0]
			state["arn"] = str(fmt.Sprintf("arn:aws:%s:%s:%s:%s/%s", svc, m.region, m.account, shortType(res.Type), id))
		}
		if _, ok := state["name"]; !ok {
			state["name"] = str(physicalName(res, state))
		}
	}
	return id, state
}

// Call answers the invokes the program makes.
func Call(args pulumi.MockCallArgs, account, caller string, emptySecrets bool, secretLookupError string) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		if caller == "" {
			caller = fmt.Sprintf("arn:aws:sts::%s:assumed-role/offline-preview/pulumi", account)
		}
		return resource.PropertyMap{
			"accountId": str(account),
			"arn":       str(caller),
			"userId":    str("AROAOFFLINEPREVIEW"),
			"id":        str(account),
		}, nil
	case "aws:route53/getZone:getZone":
		name := ""
		if n, ok := args.Args["name"]; ok && n.IsString() {
			name = n.StringValue()
		}
		id := "Z" + strings.ToUpper(ShortHash(name, 20))
		return resource.PropertyMap{"zoneId": str(id), "id": str(id), "name": str(name), "privateZone": resource.NewBoolProperty(false)}, nil
	case "aws:secretsmanager/getSecretVersions:getSecretVersions":
		id := args.Args["secretId"].StringValue()
		if secretLookupError != "" {
			return nil, fmt.Errorf("reading Secrets Manager Secret Versions (%s): %s", id, secretLookupError)
		}
		versions := []resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{
			"versionId":     str("offline-preview"),
			"versionStages": resource.NewArrayProperty([]resource.PropertyValue{str("AWSCURRENT")}),
			"createdTime":   str("2026-01-01T00:00:00Z"),
		})}
		if emptySecrets {
			versions = nil // created by the first up, not filled yet
		}
		return resource.PropertyMap{"arn": str("arn:aws:secretsmanager:us-east-1:" + account + ":secret:" + id + "-AbCdEf"),
			"name": str(id), "secretId": str(id), "id": str(id), "versions": resource.NewArrayProperty(versions)}, nil
	case "aws:secretsmanager/getSecretVersion:getSecretVersion":
		// A placeholder: the real value is read by the engine at deploy time
		// and is never printed.
		return resource.PropertyMap{
			"secretString": resource.MakeSecret(str("offline-preview-placeholder")),
			"arn":          str("arn:aws:secretsmanager:us-east-1:" + account + ":secret:offline"),
			"versionId":    str("offline"),
		}, nil
	case "aws:ecr/getImage:getImage":
		// The image the control plane's cache holds for a tag: a digest
		// derived from the repository and tag, deterministic and never a
		// real image's (docs/images.md).
		repo, tag := args.Args["repositoryName"].StringValue(), ""
		if t, ok := args.Args["imageTag"]; ok && t.IsString() {
			tag = t.StringValue()
		}
		digest := OfflineDigest(repo, tag)
		return resource.PropertyMap{"imageDigest": str(digest), "repositoryName": str(repo), "imageTag": str(tag),
			"registryId": str(account), "id": str(repo + "@" + digest)}, nil
	case "aws:index/getPartition:getPartition":
		return resource.PropertyMap{"partition": str("aws"), "dnsSuffix": str("amazonaws.com"), "id": str("aws")}, nil
	}
	return resource.PropertyMap{}, nil
}

// physicalName is the name the provider would give: the explicit name input,
// or the logical name with an auto-naming suffix.
func physicalName(res *Resource, s resource.PropertyMap) string {
	if n, ok := s["name"]; ok && n.IsString() && n.StringValue() != "" {
		return n.StringValue()
	}
	return res.Name + "-" + ShortHash(res.URN, 7)
}

func shortType(t string) string {
	parts := strings.Split(t, ":")
	last := parts[len(parts)-1]
	return strings.ToLower(last[:1]) + last[1:]
}

func uuidLike(s string) string {
	h := ShortHash(s, 32)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func str(s string) resource.PropertyValue { return resource.NewStringProperty(s) }

// str0 is a string input, or def when it is absent.
func Str0(m resource.PropertyMap, key, def string) string {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsString() {
		return v.StringValue()
	}
	return def
}

// nlbZoneIDs are the canonical hosted zones of NLBs per region, which a
// Route 53 alias to an NLB names.
var nlbZoneIDs = map[string]string{
	"us-east-1": "Z26RNL4JYFTOTI", "us-east-2": "ZLMOA37VPKANP", "us-west-1": "Z24FKFUX50B4VW",
	"us-west-2": "Z18D5FSROUN65G", "eu-west-1": "Z2IFOLAFXWLO4F", "eu-west-2": "ZD4D7Y8KGAS4G",
	"eu-central-1": "Z3F0SRJ5LGBH90", "ap-southeast-1": "ZKVM4W9LS7TM", "ap-northeast-1": "Z31USIVHYNEOWT",
}

// Resource is one registration, as State needs it.
type Resource struct {
	URN, Type, Name string
	Custom          bool
	Inputs          resource.PropertyMap
}

// ShortHash is a stable hex digest for mock identifiers.
func ShortHash(s string, n int) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:n]
}

func mockID(prefix, urn string) string { return fmt.Sprintf("%s-%s", prefix, ShortHash(urn, 17)) }

// OfflineDigest is the manifest digest the mocks answer ecr:getImage with.
func OfflineDigest(repository, tag string) string {
	return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("offline-preview:"+repository+":"+tag)))
}
