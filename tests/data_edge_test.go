package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/internal/standards"
	"github.com/platformeng/coder-platform/sizing"
)

// The ACU range and the connection arithmetic, as registered.
func TestDatabaseSizingAsRegistered(t *testing.T) {
	t.Parallel()
	cases := []struct {
		stack         string
		min, max      float64
		need, atFloor int
	}{
		// 3k users: (4 coderd + 1 surge) × 30 + 13 = 163 ≤ 225 at 1 ACU; max 64 ACU.
		{"prod", 1, 64, 163, 225},
		// 30 users: (2 + 1) × 30 + 13 = 103 ≤ 112 at 0.5 ACU; max 4 ACU.
		{"workshop", 0.5, 4, 103, 112},
	}
	for _, c := range cases {
		r := stack(t, c.stack)
		clusters := r.OfType(tRDSCluster)
		require.Len(t, clusters, 1, "one database, in the control-plane region")
		cl := clusters[0]
		assert.Equal(t, c.min, num(cl, "serverlessv2ScalingConfiguration.minCapacity"), c.stack)
		assert.Equal(t, c.max, num(cl, "serverlessv2ScalingConfiguration.maxCapacity"), c.stack)
		comp := r.OfType(tAuroraComp)[0]
		assert.Equal(t, float64(c.need), num(comp, "connectionsNeeded"))
		assert.Equal(t, float64(c.atFloor), num(comp, "maxConnectionsAtMinAcu"))
		assert.GreaterOrEqual(t, num(comp, "maxConnectionsAtMinAcu"), num(comp, "connectionsNeeded"))
		assert.Contains(t, str(comp, "connectionBasis"), "CODER_PG_CONN_MAX_OPEN 30")
		assert.Equal(t, sizing.MaxConnections(c.min, c.max), c.atFloor)
	}
}

func TestDatabaseSecurityAsRegistered(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		cl := r.OfType(tRDSCluster)[0]
		assert.True(t, boolean(cl, "storageEncrypted"))
		assert.Equal(t, "database", tag(keyByArn(r, str(cl, "kmsKeyId")), "coder:key-purpose"))
		assert.True(t, boolean(cl, "iamDatabaseAuthenticationEnabled"))
		assert.True(t, boolean(cl, "manageMasterUserPassword"))
		assert.Equal(t, "secrets", tag(keyByArn(r, str(cl, "masterUserSecretKmsKeyId")), "coder:key-purpose"))
		assert.True(t, boolean(cl, "deletionProtection"))
		assert.False(t, boolean(cl, "skipFinalSnapshot"))
		assert.NotEmpty(t, str(cl, "finalSnapshotIdentifier"))
		assert.Equal(t, 35.0, num(cl, "backupRetentionPeriod"), "Aurora's maximum PITR window")
		assert.Equal(t, []string{"postgresql"}, strs(cl, "enabledCloudwatchLogsExports"))
		assert.True(t, cl.Protect)

		params := map[string]string{}
		pv, _ := r.OfType(tClusterParams)[0].Input("parameters")
		for _, p := range pv.ArrayValue() {
			params[p.ObjectValue()["name"].StringValue()] = p.ObjectValue()["value"].StringValue()
		}
		assert.Equal(t, "1", params["rds.force_ssl"])
		assert.Equal(t, "TLSv1.2", params["ssl_min_protocol_version"])

		instances := r.OfType(tRDSInstance)
		require.Len(t, instances, 2, "a writer and one reader")
		azs := map[string]bool{}
		for _, i := range instances {
			assert.Equal(t, "db.serverless", str(i, "instanceClass"))
			assert.True(t, boolean(i, "performanceInsightsEnabled"))
			assert.Equal(t, "database", tag(keyByArn(r, str(i, "performanceInsightsKmsKeyId")), "coder:key-purpose"))
			assert.Equal(t, 60.0, num(i, "monitoringInterval"))
			assert.NotEmpty(t, str(i, "monitoringRoleArn"))
			assert.False(t, boolean(i, "publiclyAccessible"))
			assert.True(t, i.Protect)
			azs[str(i, "availabilityZone")] = true
		}
		assert.Len(t, azs, 2, "the reader is in another AZ for failover")

		var rot []*preview.Resource
		for _, x := range r.OfType(tSecretRot) {
			if strings.Contains(str(x, "secretId"), "secret:rds!cluster-") {
				rot = append(rot, x)
			}
		}
		require.Len(t, rot, 1, "the master secret RDS manages")
		assert.Equal(t, 30.0, num(rot[0], "rotationRules.automaticallyAfterDays"))
		assert.Contains(t, str(rot[0], "secretId"), "secret:rds!cluster-")
	}
}

func TestBackupsKeptInTwoRegions(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		// The database's two vaults (home-volume vaults of other regions
		// are tests/resilience_test.go's).
		var vaults []*preview.Resource
		for _, v := range r.OfType(tVault) {
			if !strings.HasSuffix(v.Name, "-homes") {
				vaults = append(vaults, v)
			}
		}
		require.Len(t, vaults, 2)
		regions := map[string]bool{}
		for _, v := range vaults {
			region := regionOf(r, v)
			regions[region] = true
			key := keyByArn(r, str(v, "kmsKeyArn"))
			require.NotNil(t, key, "vault %s uses a customer-managed key", v.Name)
			assert.Equal(t, "backup", tag(key, "coder:key-purpose"))
			assert.Equal(t, region, regionOf(r, key), "each vault's key is in the vault's region")
			assert.True(t, v.Protect)
		}
		assert.Equal(t, map[string]bool{r.Config.ControlPlane().Name: true, "us-west-2": true}, regions)
		plans := databasePlans(r)
		require.Len(t, plans, 1)
		rules, _ := plans[0].Input("rules")
		rule := rules.ArrayValue()[0].ObjectValue()
		assert.GreaterOrEqual(t, rule["lifecycle"].ObjectValue()["deleteAfter"].NumberValue(), 90.0)
		cp := rule["copyActions"].ArrayValue()
		require.Len(t, cp, 1)
		assert.Contains(t, cp[0].ObjectValue()["destinationVaultArn"].StringValue(), "arn:aws:backup:us-west-2:")
		sel := databaseSelections(r)
		require.Len(t, sel, 1)
		assert.Equal(t, []string{str(r.OfType(tRDSCluster)[0], "clusterIdentifier")},
			[]string{strings.TrimPrefix(strs(sel[0], "resources")[0], "arn:aws:rds:"+r.Config.ControlPlane().Name+":123456789012:cluster:")})
	}
	// Vault lock is configurable: on in prod, off in the workshop.
	assert.Len(t, stack(t, "prod").OfType(tVaultLock), 2)
	assert.Empty(t, stack(t, "workshop").OfType(tVaultLock))
}

func TestLoadBalancersAreTLSOnly(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"prod", "workshop"} {
		r := stack(t, name)
		nlbs := r.OfType(tNLB)
		require.Len(t, nlbs, len(r.Config.Regions), "one NLB per region: coderd or its proxy")
		for _, l := range nlbs {
			assert.Equal(t, "network", str(l, "loadBalancerType"))
			assert.False(t, boolean(l, "internal"), "internet-facing")
			assert.True(t, boolean(l, "enableCrossZoneLoadBalancing"))
			assert.True(t, boolean(l, "accessLogs.enabled"))
			m, _ := l.Input("subnetMappings")
			assert.Len(t, m.ArrayValue(), 3, "one static address per AZ")
		}
		listeners := r.OfType(tListener)
		require.Len(t, listeners, len(nlbs), "exactly one listener per NLB: no plaintext listener")
		for _, l := range listeners {
			assert.Equal(t, "TLS", str(l, "protocol"))
			assert.Equal(t, 443.0, num(l, "port"))
			assert.True(t, standards.AllowedTLSPolicy(str(l, "sslPolicy")))
			assert.Equal(t, "ELBSecurityPolicy-TLS13-1-2-2021-06", str(l, "sslPolicy"), "TLS 1.3 capable by default")
			assert.NotEmpty(t, str(l, "certificateArn"))
		}
		for _, tg := range r.OfType(tTargetGroup) {
			assert.Equal(t, "ip", str(tg, "targetType"))
			assert.Equal(t, 8080.0, num(tg, "port"))
			assert.Equal(t, "/healthz", str(tg, "healthCheck.path"))
			assert.Equal(t, 300.0, num(tg, "deregistrationDelay"), "WebSockets drain during rollouts")
			assert.False(t, boolean(tg, "connectionTermination"))
			assert.True(t, strings.HasPrefix(tag(tg, "coder:cluster"), "coder-"+name+"-"))
		}
		for _, c := range r.OfType(tCertificate) {
			assert.Equal(t, "DNS", str(c, "validationMethod"))
			assert.Equal(t, []string{"*." + str(c, "domainName")}, strs(c, "subjectAlternativeNames"))
		}
		assert.Len(t, r.OfType(tCertValid), len(r.OfType(tCertificate)), "every certificate is validated, so renewal is automatic")
	}
}

// Every bucket (NLB access logs, the CloudTrail) is hardened the same way.
func TestLogBucketsAreHardened(t *testing.T) {
	t.Parallel()
	r := stack(t, "prod")
	buckets := r.OfType(tBucketV2)
	require.Len(t, buckets, 3, "the NLB access logs, the CloudTrail and AWS Config")
	expiry := map[string]float64{"-nlb-logs": float64(r.Config.Edge.AccessLogRetentionDays), "-trail": float64(r.Config.Observability.CloudTrail.RetentionDays),
		"-config": float64(r.Config.Observability.CloudTrail.RetentionDays)}
	of := func(typ, bucketID string) *preview.Resource {
		for _, c := range r.OfType(typ) {
			if str(c, "bucket") == bucketID {
				return c
			}
		}
		t.Fatalf("no %s for bucket %s", typ, bucketID)
		return nil
	}
	for _, b := range buckets {
		assert.True(t, b.Protect)
		sse := of(tBucketSSE, b.ID)
		rules, _ := sse.Input("rules")
		d := rules.ArrayValue()[0].ObjectValue()["applyServerSideEncryptionByDefault"].ObjectValue()
		assert.Equal(t, "aws:kms", d["sseAlgorithm"].StringValue())
		assert.Equal(t, "s3", tag(keyByArn(r, d["kmsMasterKeyId"].StringValue()), "coder:key-purpose"))
		pab := of(tBucketPAB, b.ID)
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			assert.True(t, boolean(pab, k), k)
		}
		assert.Equal(t, "Enabled", str(of(tBucketVer, b.ID), "versioningConfiguration.status"))
		lc, _ := of(tBucketLC, b.ID).Input("rules")
		want := 0.0
		for suffix, days := range expiry {
			if strings.HasSuffix(b.Name, suffix) {
				want = days
			}
		}
		assert.Equal(t, want, lc.ArrayValue()[0].ObjectValue()["expiration"].ObjectValue()["days"].NumberValue(), b.Name)
		var pol struct {
			Statement []struct {
				Sid, Effect string
				Condition   map[string]map[string]string
			}
		}
		require.NoError(t, json.Unmarshal([]byte(str(of(tBucketPolicy, b.ID), "policy")), &pol))
		assert.Equal(t, "DenyInsecureTransport", pol.Statement[0].Sid)
		assert.Equal(t, "Deny", pol.Statement[0].Effect)
		assert.Equal(t, "false", pol.Statement[0].Condition["Bool"]["aws:SecureTransport"])
	}
}

func TestDNSRecords(t *testing.T) {
	t.Parallel()
	// Route 53 (prod): alias A records for the host and its wildcard.
	r := stack(t, "prod")
	names := map[string]string{}
	for _, rec := range r.OfType(tR53Record) {
		names[str(rec, "name")] = str(rec, "type")
	}
	assert.Equal(t, "A", names["coder.acme-corp.com"])
	assert.Equal(t, "A", names["*.coder.acme-corp.com"])
	assert.Empty(t, r.OfType(tCFRecord))

	// Cloudflare (workshop): DNS-only CNAMEs for every region's host and wildcard.
	w := stack(t, "workshop")
	cf := map[string]*preview.Resource{}
	for _, rec := range w.OfType(tCFRecord) {
		cf[str(rec, "name")] = rec
		assert.False(t, boolean(rec, "proxied"), "the NLB terminates TLS: Cloudflare must not proxy")
	}
	for _, host := range []string{"ai.coder-workshop.dev", "oregon-proxy.coder-workshop.dev", "emea-proxy.coder-workshop.dev"} {
		for _, n := range []string{host, "*." + host} {
			require.Contains(t, cf, n)
			assert.Equal(t, "CNAME", str(cf[n], "type"))
			assert.Contains(t, str(cf[n], "content"), ".elb.")
		}
	}
	assert.Empty(t, w.OfType(tR53Record))
	prov := w.OfType("pulumi:providers:cloudflare")
	require.Len(t, prov, 1)
	tok, _ := prov[0].Input("apiToken")
	assert.True(t, tok.ContainsSecrets(), "the Cloudflare token stays a secret")
}

// Switching the provider switches every record, validation included.
func TestDNSProviderSwitch(t *testing.T) {
	t.Parallel()
	sf := stackFile(t, "prod")
	sf.Values["dns"] = `{"provider":"cloudflare","baseDomain":"acme-corp.com","cloudflare":{"zoneId":"0123456789abcdef0123456789abcdef","apiTokenSecretId":"coder/prod/cloudflare"}}`
	r, err := preview.RunStackFile("coder-platform", "prod", sf, preview.At(testNow))
	require.NoError(t, err)
	assert.Empty(t, r.OfType(tR53Record))
	assert.Len(t, r.OfType(tCFRecord), 3, "host, wildcard and the ACM validation record")

	sf = stackFile(t, "prod")
	sf.Values["dns"] = `{"provider":"route53","baseDomain":"acme-corp.com","createZone":true}`
	r, err = preview.RunStackFile("coder-platform", "prod", sf, preview.At(testNow))
	require.NoError(t, err)
	zones := r.OfType(tR53Zone)
	require.Len(t, zones, 1)
	assert.Equal(t, "acme-corp.com", str(zones[0], "name"))
	assert.True(t, zones[0].Protect)
}

// dataStores lists the data-holding types and where their key is.
var dataStores = map[string]string{
	tRDSCluster:  "kmsKeyId",
	tVault:       "kmsKeyArn",
	tLogGroup:    "kmsKeyId",
	tBucketV2:    "", // encrypted through its SSE configuration, checked below
	tRDSInstance: "performanceInsightsKmsKeyId",
}

// Property: over generated variations of both stacks, every data-holding
// resource is encrypted with a customer-managed key of the stack and
// protected against deletion.
func TestEveryDataStoreEncryptedAndProtectedProperty(t *testing.T) {
	t.Parallel()
	checked := 0
	rapid.Check(t, func(rt *rapid.T) {
		base := rapid.SampledFrom([]string{"prod", "workshop"}).Draw(rt, "stack")
		sf := stackFile(t, base)
		var db map[string]any
		require.NoError(t, json.Unmarshal([]byte(sf.Values["database"]), &db))
		db["readers"] = rapid.IntRange(1, 3).Draw(rt, "readers")
		backup := db["backup"].(map[string]any)
		backup["copyRegion"] = rapid.SampledFrom([]string{"us-west-2", "eu-west-1", "ca-central-1"}).Draw(rt, "copyRegion")
		if rapid.Bool().Draw(rt, "vaultLock") {
			backup["vaultLock"] = map[string]any{"minRetentionDays": 7, "maxRetentionDays": 400, "changeableForDays": 3}
		} else {
			delete(backup, "vaultLock")
		}
		sf.Values["database"] = mustJSON(t, db)
		r, err := preview.RunStackFile("coder-platform", base, sf, preview.At(testNow))
		if err != nil {
			rt.Fatalf("generated stack failed: %v", err)
		}
		n := 0
		for typ, keyPath := range dataStores {
			for _, res := range r.OfType(typ) {
				n++
				if !res.Protect {
					rt.Fatalf("%s %s is not protected", typ, res.Name)
				}
				if keyPath == "" {
					continue
				}
				if keyByArn(r, str(res, keyPath)) == nil {
					rt.Fatalf("%s %s: %s %q is not a customer-managed key of the stack", typ, res.Name, keyPath, str(res, keyPath))
				}
			}
		}
		for _, sse := range r.OfType(tBucketSSE) {
			rules, _ := sse.Input("rules")
			k := rules.ArrayValue()[0].ObjectValue()["applyServerSideEncryptionByDefault"].ObjectValue()["kmsMasterKeyId"].StringValue()
			if keyByArn(r, k) == nil {
				rt.Fatalf("bucket encryption %s does not use a stack key", sse.Name)
			}
		}
		if len(r.OfType(tBucketSSE)) != len(r.OfType(tBucketV2)) {
			rt.Fatalf("%d buckets but %d encryption configurations", len(r.OfType(tBucketV2)), len(r.OfType(tBucketSSE)))
		}
		for _, k := range r.OfType(tKey) {
			if !k.Protect || !boolean(k, "enableKeyRotation") {
				rt.Fatalf("key %s must be protected and rotating", k.Name)
			}
		}
		checked += n
	})
	assert.Positive(t, checked)
	t.Logf("checked %d data stores", checked)
}
