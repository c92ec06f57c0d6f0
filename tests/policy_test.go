package tests

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/policy/gate"
	"github.com/platformeng/coder-platform/policy/rules"
)

var (
	docMu sync.Mutex
	docs  = map[string][]byte{}
)

// previewJSON is a committed stack's preview as the --json file, the same
// shape `pulumi preview --json` writes and `platform policy check` reads.
func previewJSON(t *testing.T, name string) []byte {
	t.Helper()
	docMu.Lock()
	defer docMu.Unlock()
	if b, ok := docs[name]; ok {
		return b
	}
	var res *preview.Result
	if account, ok := strings.CutPrefix(name, "bootstrap/"); ok {
		res = bootstrapStack(t, account)
	} else {
		res = stack(t, name)
	}
	b, err := json.Marshal(res.JSON())
	require.NoError(t, err)
	docs[name] = b
	return b
}

// previewCopy decodes a fresh, mutable copy of a stack's preview file.
func previewCopy(t *testing.T, name string) []*preview.Resource {
	t.Helper()
	var doc preview.Document
	require.NoError(t, json.Unmarshal(previewJSON(t, name), &doc))
	return preview.ResourcesFromDocument(&doc)
}

// The committed stacks break no policy. The only reports are the advisory
// ones for the supply-chain exceptions the delivered templates accept:
// KasmVNC twice in each EC2 Linux base, code-server once in swdev.
func TestCommittedStacksPassThePolicyPack(t *testing.T) {
	t.Parallel()
	// And the pull through cache credentials (GHCR, Docker Hub) of every
	// region, on the AWS-managed key ECR requires.
	accepted := map[string]map[string]int{
		"prod":     {"template-accepted-risks": 5, "pull-through-credential-key": 2},
		"workshop": {"template-accepted-risks": 1, "pull-through-credential-key": 6},
	}
	for _, name := range []string{"prod", "workshop"} {
		t.Run(name, func(t *testing.T) {
			live := gate.Evaluate(stack(t, name).Resources, nil)
			fromFile := gate.Evaluate(previewCopy(t, name), nil)
			for what, r := range map[string]gate.Report{"the stack as registered": live, "the stack read back from its preview file": fromFile} {
				assert.Zero(t, r.Mandatory(), what)
				got := map[string]int{}
				for _, v := range r.Violations {
					got[v.Policy]++
					if v.Policy == "template-accepted-risks" {
						assert.Contains(t, v.Message, "accepted unverified-download at ", what)
					}
				}
				assert.Equal(t, accepted[name], got, what)
			}
			assert.Equal(t, live.Resources, fromFile.Resources)
		})
	}
}

// weakening turns one protected setting off in a copy of a stack's preview
// and names the resource the policy must then report; "" when the stack has
// nothing to weaken for it.
type weakening struct {
	name   string
	policy string
	weaken func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string)
}

// weakenedIn are the previews a policy's weakenings apply to when they are
// not both main stacks' (the bootstrap project's GitHub roles).
var weakenedIn = map[string][]string{"github-trust-scoped": {"bootstrap/prod", "bootstrap/workshop"}}

// find is the first resource of a type whose URN contains every part.
func find(rs []*preview.Resource, typ string, parts ...string) *preview.Resource {
	for _, r := range rs {
		if r.Type != typ {
			continue
		}
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(r.URN, p)
		}
		if ok {
			return r
		}
	}
	return nil
}

// without drops every resource of the given type.
// withoutURN drops one resource.
func withoutURN(rs []*preview.Resource, urn string) []*preview.Resource {
	var out []*preview.Resource
	for _, r := range rs {
		if r.URN != urn {
			out = append(out, r)
		}
	}
	return out
}

func without(rs []*preview.Resource, typ string) []*preview.Resource {
	var out []*preview.Resource
	for _, r := range rs {
		if r.Type != typ {
			out = append(out, r)
		}
	}
	return out
}

// setIn sets (or, with nil, deletes) the input at path; a numeric part
// indexes an array.
func setIn(t *testing.T, m resource.PropertyMap, v any, path ...string) {
	t.Helper()
	cur := resource.NewObjectProperty(m)
	for i, p := range path {
		last := i == len(path)-1
		switch {
		case cur.IsObject():
			obj := cur.ObjectValue()
			if last {
				if v == nil {
					delete(obj, resource.PropertyKey(p))
				} else {
					obj[resource.PropertyKey(p)] = resource.NewPropertyValue(v)
				}
				return
			}
			next, ok := obj[resource.PropertyKey(p)]
			if !ok {
				next = resource.NewObjectProperty(resource.PropertyMap{})
				obj[resource.PropertyKey(p)] = next
			}
			cur = next
		case cur.IsArray():
			n, err := strconv.Atoi(p)
			require.NoError(t, err, "path %v", path)
			if last {
				cur.ArrayValue()[n] = resource.NewPropertyValue(v)
				return
			}
			cur = cur.ArrayValue()[n]
		default:
			t.Fatalf("path %v crosses a %s", path, cur.TypeString())
		}
	}
}

// setEnv sets a Coder chart release's coder.env entry.
func setEnv(t *testing.T, rel *preview.Resource, name, value string) {
	env := rel.Inputs["values"].ObjectValue()["coder"].ObjectValue()["env"].ArrayValue()
	for _, e := range env {
		if e.ObjectValue()["name"].StringValue() == name {
			e.ObjectValue()["value"] = resource.NewStringProperty(value)
			return
		}
	}
	t.Fatalf("%s has no %s", rel.Name, name)
}

// chart applies f to the first release of a chart (and, for coder, the
// control plane's, not a proxy's).
func chart(name string, f func(t *testing.T, r *preview.Resource)) func(*testing.T, []*preview.Resource) ([]*preview.Resource, string) {
	return func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		for _, r := range rs {
			if r.Type != tHelmRelease || r.Inputs["chart"].StringValue() != name {
				continue
			}
			if proxy, ok := r.Inputs["values"].ObjectValue()["coder"].ObjectValue()["workspaceProxy"]; ok && proxy.IsBool() && proxy.BoolValue() {
				continue
			}
			f(t, r)
			return rs, r.URN
		}
		return rs, ""
	}
}

// one applies f to the first resource of a type matching parts.
func one(typ string, f func(t *testing.T, r *preview.Resource), parts ...string) func(*testing.T, []*preview.Resource) ([]*preview.Resource, string) {
	return func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		r := find(rs, typ, parts...)
		if r == nil {
			return rs, ""
		}
		f(t, r)
		return rs, r.URN
	}
}

var weakenings = []weakening{
	{"plaintext listener", "lb-tls-listener", one(tListener, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "TCP", "protocol")
	})},
	{"TLS 1.0 listener policy", "lb-tls-listener", one(tListener, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "ELBSecurityPolicy-2016-08", "sslPolicy")
	})},
	{"email-validated certificate", "acm-dns-validation", one(tCertificate, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "EMAIL", "validationMethod")
	})},
	{"rds.force_ssl off", "rds-force-ssl", one(tClusterParams, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "0", "parameters", "0", "value")
	})},
	{"default parameter group", "rds-cluster-tls-parameter-group", one(tRDSCluster, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "default.aurora-postgresql16", "dbClusterParameterGroupName")
		delete(r.PropertyDependencies, "dbClusterParameterGroupName")
	})},
	{"http access URL", "coder-https-urls", chart("coder", func(t *testing.T, r *preview.Resource) {
		setEnv(t, r, "CODER_ACCESS_URL", "http://coder.example.com")
	})},
	{"http access URL on the component", "coder-https-urls", one(tCoderComp, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "http://coder.example.com", "accessUrl")
	})},
	{"coderd LoadBalancer Service", "k8s-no-plaintext-exposure", chart("coder", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "LoadBalancer", "values", "coder", "service", "type")
	})},
	{"bucket without TLS-only policy", "s3-tls-only", func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		b := find(rs, tBucketV2)
		return without(rs, tBucketPolicy), b.URN
	}},
	{"unencrypted Aurora", "rds-encrypted", one(tRDSCluster, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, false, "storageEncrypted")
	})},
	{"Aurora on the AWS-managed key", "rds-encrypted", one(tRDSCluster, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, nil, "kmsKeyId")
	})},
	{"unencrypted node volume", "ebs-encrypted", one("aws:ec2/launchTemplate:LaunchTemplate", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "false", "blockDeviceMappings", "0", "ebs", "encrypted")
	})},
	{"unencrypted StorageClass", "ebs-encrypted", one("kubernetes:storage.k8s.io/v1:StorageClass", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, nil, "parameters", "kmsKeyId")
	})},
	{"SSE-S3 bucket", "s3-sse-kms", one(tBucketSSE, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "AES256", "rules", "0", "applyServerSideEncryptionByDefault", "sseAlgorithm")
		setIn(t, r.Inputs, nil, "rules", "0", "applyServerSideEncryptionByDefault", "kmsMasterKeyId")
	})},
	{"EKS secrets without envelope key", "eks-secrets-encryption", one("eks:index:Cluster", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, nil, "encryptionConfigKeyArn")
	})},
	{"log group without key", "log-group-encrypted", one("aws:cloudwatch/logGroup:LogGroup", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, nil, "kmsKeyId")
	})},
	{"topic without key", "sns-topic-encrypted", one("aws:sns/topic:Topic", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, nil, "kmsMasterKeyId")
	})},
	{"secret on the AWS-managed key", "secret-encrypted", func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		// Any secret but a pull through cache credential, which ECR reads
		// on the AWS-managed key only (pull-through-credential-key).
		for _, r := range rs {
			if r.Type == "aws:secretsmanager/secret:Secret" && !strings.HasPrefix(str(r, "name"), "ecr-pullthroughcache/") {
				setIn(t, r.Inputs, nil, "kmsKeyId")
				return rs, r.URN
			}
		}
		return rs, ""
	}},
	{"pull through cache credential on a customer key", "pull-through-credential-key", one("aws:secretsmanager/secret:Secret", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "arn:aws:kms:us-east-1:111122223333:key/secrets", "kmsKeyId")
	}, "cache-github-credential")},
	{"vault without key", "backup-vault-encrypted", one(tVault, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, nil, "kmsKeyArn")
	})},
	{"key rotation off", "kms-key-rotation", one("aws:kms/key:Key", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, false, "enableKeyRotation")
	})},
	// The defect this guards against: DescribeKey under the CloudTrail
	// encryption-context condition.
	{"describe under a context condition", "kms-context-conditions", one("aws:kms/key:Key", func(t *testing.T, r *preview.Resource) {
		var doc map[string]any
		require.NoError(t, json.Unmarshal([]byte(str(r, "policy")), &doc))
		for _, st := range doc["Statement"].([]any) {
			m := st.(map[string]any)
			if m["Sid"] == "CloudTrailEncryptsLogs" {
				m["Action"] = append(m["Action"].([]any), "kms:DescribeKey")
			}
		}
		setIn(t, r.Inputs, mustJSON(t, doc), "policy")
	}, "-s3")},
	{"ssh from anywhere", "sg-no-world-ingress", one(tSGIngressRule, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, 22.0, "fromPort")
		setIn(t, r.Inputs, 22.0, "toPort")
	}, "0-0-0-0")},
	{"world 443 on a node group", "sg-world-443-only-on-load-balancer", func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		for _, r := range rs {
			if r.Type == tSGIngressRule && !strings.Contains(r.URN, "loadbalancer") {
				setIn(t, r.Inputs, "0.0.0.0/0", "cidrIpv4")
				setIn(t, r.Inputs, nil, "referencedSecurityGroupId")
				setIn(t, r.Inputs, "tcp", "ipProtocol")
				setIn(t, r.Inputs, 443.0, "fromPort")
				setIn(t, r.Inputs, 443.0, "toPort")
				return rs, r.URN
			}
		}
		return rs, ""
	}},
	{"IMDSv1", "imdsv2-required", one("aws:ec2/launchTemplate:LaunchTemplate", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "optional", "metadataOptions", "httpTokens")
	})},
	{"public EKS endpoint", "eks-private-endpoint", one("eks:index:Cluster", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, true, "endpointPublicAccess")
		setIn(t, r.Inputs, nil, "publicAccessCidrs")
	})},
	{"scheduler logs off", "eks-control-plane-logs", one("eks:index:Cluster", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, []any{"api", "audit", "authenticator", "controllerManager"}, "enabledClusterLogTypes")
	})},
	{"no flow logs", "vpc-flow-logs", func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		return without(rs, "aws:ec2/flowLog:FlowLog"), find(rs, "aws:ec2/vpc:Vpc").URN
	}},
	{"30-day log retention", "log-retention", one("aws:cloudwatch/logGroup:LogGroup", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, 30.0, "retentionInDays")
	})},
	{"unprotected database", "data-store-protection", one(tRDSCluster, func(t *testing.T, r *preview.Resource) {
		r.Protect = false
	})},
	{"database deletion protection off", "data-store-protection", one(tRDSCluster, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, false, "deletionProtection")
	})},
	{"one-day backups", "data-store-protection", one(tRDSCluster, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, 1.0, "backupRetentionPeriod")
	})},
	{"unprotected bucket", "data-store-protection", one(tBucketV2, func(t *testing.T, r *preview.Resource) {
		r.Protect = false
	})},
	{"unprotected key", "data-store-protection", one("aws:kms/key:Key", func(t *testing.T, r *preview.Resource) {
		r.Protect = false
	})},
	{"database outside the backup plan", "backup-cross-region", func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		return withoutURN(rs, find(rs, tBackupSel, "Aurora").URN), find(rs, tRDSCluster).URN
	}},
	{"home volumes outside every backup plan", "workspace-volumes-backed-up", func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		for _, sel := range rs {
			if sel.Type == tBackupSel && strings.Contains(sel.URN, "HomeBackup") {
				rs = withoutURN(rs, sel.URN)
			}
		}
		return rs, find(rs, tStorageClass, "coder-home").URN
	}},
	{"backups copied within the region", "backup-cross-region", func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		p := find(rs, tBackupPlan, "Aurora")
		setIn(t, p.Inputs, nil, "rules", "0", "copyActions")
		return rs, find(rs, tRDSCluster).URN
	}},
	{"master secret never rotates", "secrets-rotation", func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		return without(rs, tSecretRot), find(rs, tRDSCluster).URN
	}},
	// A secret renewed by hand (the coderd tokens also have a rotation
	// schedule, which would still satisfy the policy without the tags).
	{"secret without a rotation", "secrets-rotation", one("aws:secretsmanager/secret:Secret", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, map[string]any{"coder:purpose": "x"}, "tags")
	}, "-oidc-client-secret")},
	{"admin role policy", "iam-no-wildcard", one("aws:iam/rolePolicy:RolePolicy", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, "policy")
	})},
	{"IRSA trust by pattern", "irsa-trust-scoped", one("aws:iam/role:Role", func(t *testing.T, r *preview.Resource) {
		doc := r.Inputs["assumeRolePolicy"].StringValue()
		setIn(t, r.Inputs, strings.ReplaceAll(doc, "StringEquals", "StringLike"), "assumeRolePolicy")
	}, "-server")},
	{"GitHub trust of any subject", "github-trust-scoped", one("aws:iam/role:Role", func(t *testing.T, r *preview.Resource) {
		doc := r.Inputs["assumeRolePolicy"].StringValue()
		setIn(t, r.Inputs, strings.ReplaceAll(doc, "StringEquals", "StringLike"), "assumeRolePolicy")
	}, "github-deploy")},
	{"provider without owner tag", "required-tags", one(tAWSProvider, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, nil, "defaultTags", "tags", "owner")
	})},
	{"built-in provisioners at scale", "coder-provisioner-daemons-zero", chart("coder", func(t *testing.T, r *preview.Resource) {
		setEnv(t, r, "CODER_PROVISIONER_DAEMONS", "3")
	})},
	{"provisioner on the PSK", "coder-provisioner-key-auth", chart("coder-provisioner", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "coder-provisioner-psk", "values", "provisionerDaemon", "pskSecretName")
	})},
	{"provisioner on an older Coder", "coder-version-consistency", chart("coder-provisioner", func(t *testing.T, r *preview.Resource) {
		// Only the version: the digest stays, so image-digest-consistency
		// has nothing to say.
		_, digest, _ := strings.Cut(r.Inputs["values"].ObjectValue()["coder"].ObjectValue()["image"].ObjectValue()["tag"].StringValue(), "@")
		setIn(t, r.Inputs, "v2.30.0@"+digest, "values", "coder", "image", "tag")
	})},
	{"provisioner on another digest of the Coder image", "image-digest-consistency", chart("coder-provisioner", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "v2.35.1@sha256:"+strings.Repeat("0", 64), "values", "coder", "image", "tag")
	})},
	{"tokens for a century", "coder-token-lifetimes", chart("coder", func(t *testing.T, r *preview.Resource) {
		setEnv(t, r, "CODER_MAX_TOKEN_LIFETIME", "876000h")
	})},
	{"owners open every workspace", "coder-access-hardening", chart("coder", func(t *testing.T, r *preview.Resource) {
		setEnv(t, r, "CODER_DISABLE_OWNER_WORKSPACE_ACCESS", "false")
	})},
	{"no declared owners", "coder-owners", one("coder:delivery:Configuration", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, []any{}, "owners")
	})},
	// The template contract, on the resources that deliver templates.
	{"toolchain needs a desktop the base lacks", "template-pairing-satisfies-contract", one(tTemplate, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, []any{"persistent-home", "gui-rdp"}, "toolchain", "requires")
	})},
	{"override above the base's bound", "template-overrides-within-bounds", one(tTemplate, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, 600, "overrides", "root_volume_gib")
	}, "tpl-ec2-datasci")},
	{"template without provenance.json", "template-provenance-present", one(tTemplate, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, false, "provenance", "file")
	})},
	{"toolchain version goes backwards", "template-toolchain-semver", one(tTemplate, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, "2.0.0", "toolchain", "published", "version")
	})},
	{"template without a TTL", "template-autostop", one(tTemplate, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, 0, "settings", "defaultTtlMs")
	})},
	{"size missing from the picker", "template-tshirt-sizes", one(tTemplate, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, []any{"sw-dev-s", "sw-dev-m"}, "sizes")
	}, "pod-swdev")},
	{"workspace with a public IP", "template-network-isolation", one(tTemplate, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, true, "network", "publicIp")
	})},
	{"template granted to Everyone", "template-group-access", one(tTemplate, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, true, "access", "everyone")
	})},
	{"template installs with curl | sh", "template-supply-chain", one(tTemplate, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, []any{map[string]any{"rule": "pipe-to-shell", "location": "toolchain swdev scripts/tools.sh:34",
			"text": "curl -fsSL https://code-server.dev/install.sh | sh"}}, "supplyChain", "findings")
	})},
	{"template accepts an unverified download", "template-accepted-risks", one(tTemplate, func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, []any{map[string]any{"rule": "unverified-download", "location": "base base-ec2-windows main.tf:154",
			"text": "Invoke-WebRequest …", "reason": "no signature is published"}}, "supplyChain", "accepted")
	}, "ec2-windev-gui")},
	{"budget that alerts nobody", "budget-alerts", one("aws:budgets/budget:Budget", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, []any{}, "notifications")
	})},
	// Security monitoring (components/guard).
	{"bucket policy may be public", "s3-public-access-block", one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, false, "blockPublicPolicy")
	})},
	{"detector switched off", "guardduty-enabled", one("aws:guardduty/detector:Detector", func(t *testing.T, r *preview.Resource) {
		setIn(t, r.Inputs, false, "enable")
	})},
	{"findings sent to a function", "guardduty-findings-delivered", func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		tg := find(rs, "aws:cloudwatch/eventTarget:EventTarget", "-findings")
		if tg == nil {
			return rs, ""
		}
		setIn(t, tg.Inputs, "arn:aws:lambda:us-east-1:123456789012:function:sink", "arn")
		delete(tg.PropertyDependencies, "arn")
		for _, d := range rs {
			if d.Type == "aws:guardduty/detector:Detector" && d.Name == strings.TrimSuffix(tg.Name, "-findings") {
				return rs, d.URN
			}
		}
		return rs, ""
	}},
	{"recorder switched off", "config-recorder-on", func(t *testing.T, rs []*preview.Resource) ([]*preview.Resource, string) {
		st := find(rs, "aws:cfg/recorderStatus:RecorderStatus")
		if st == nil {
			return rs, ""
		}
		setIn(t, st.Inputs, false, "isEnabled")
		for _, rec := range rs {
			if rec.Type == "aws:cfg/recorder:Recorder" && rec.Name == st.Name {
				return rs, rec.URN
			}
		}
		return rs, ""
	}},
}

// alsoFires are policies a weakening legitimately trips besides its own:
// a parameter group without rds.force_ssl also fails the cluster using it.
var alsoFires = map[string][]string{"rds-force-ssl": {"rds-cluster-tls-parameter-group"}}

// TestGateCatchesEveryWeakenedSetting weakens each protected setting in a
// copy of a real stack's preview and expects exactly the matching policy.
func TestGateCatchesEveryWeakenedSetting(t *testing.T) {
	t.Parallel()
	for _, w := range weakenings {
		t.Run(w.name, func(t *testing.T) {
			hit := false
			in := weakenedIn[w.policy]
			if in == nil {
				in = []string{"prod", "workshop"}
			}
			for _, name := range in {
				rs, urn := w.weaken(t, previewCopy(t, name))
				if urn == "" {
					continue
				}
				hit = true
				report := gate.Evaluate(rs, nil)
				require.NotEmpty(t, report.Violations, "%s: weakening went unnoticed", name)
				found := false
				// The accepted exceptions of the committed templates and
				// the pull through cache credentials are always reported
				// (advisory).
				allowed := append([]string{w.policy, "template-accepted-risks", "pull-through-credential-key"}, alsoFires[w.policy]...)
				for _, v := range report.Violations {
					assert.Contains(t, allowed, v.Policy, "%s: only the matching policy fires (%s)", name, v.Message)
					found = found || (v.Policy == w.policy && v.URN == urn)
				}
				assert.True(t, found, "%s: %s reports %s", name, w.policy, urn)
				if rules.Lookup(w.policy).Enforcement == rules.Mandatory {
					assert.Positive(t, report.Mandatory(), "%s: the gate blocks", name)
				}
			}
			if !hit {
				t.Skipf("neither stack has a resource for %s yet", w.policy)
			}
		})
	}
}

// TestEveryPolicyIsProvenByAWeakening: every policy whose resources the
// stacks hold has a weakening above that makes it fire.
func TestEveryPolicyIsProvenByAWeakening(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, w := range weakenings {
		covered[w.policy] = true
	}
	for _, p := range rules.Pack() {
		assert.True(t, covered[p.Name], "no weakening proves %s", p.Name)
	}
}
