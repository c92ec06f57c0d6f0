package rules

import "testing"

func TestLBTLSListener(t *testing.T) {
	t.Parallel()
	checkResource(t, lbTLSListener, []resourceCase{
		{"tls with allowed policy", res(t, tListener, `{"protocol":"TLS","port":443,"sslPolicy":"ELBSecurityPolicy-TLS13-1-2-2021-06"}`), nil},
		{"https on an alb", res(t, tALBListener, `{"protocol":"HTTPS","port":443,"sslPolicy":"ELBSecurityPolicy-TLS13-1-3-2021-06"}`), nil},
		{"http redirect", res(t, tListener, `{"protocol":"HTTP","port":80,"defaultActions":[{"type":"redirect","redirect":{"protocol":"HTTPS","port":"443"}}]}`), nil},
		{"old policy", res(t, tListener, `{"protocol":"TLS","port":443,"sslPolicy":"ELBSecurityPolicy-2016-08"}`),
			[]string{`sslPolicy "ELBSecurityPolicy-2016-08" allows protocols older than TLS 1.2.`}},
		{"no policy", res(t, tListener, `{"protocol":"TLS","port":443}`),
			[]string{"TLS listener has no sslPolicy, so it gets the ELB default, which allows TLS 1.0."}},
		{"plain tcp", res(t, tListener, `{"protocol":"TCP","port":8080}`), []string{"listener on port 8080 uses TCP."}},
		{"http forward", res(t, tListener, `{"protocol":"HTTP","port":80,"defaultActions":[{"type":"forward"}]}`),
			[]string{"listener on port 80 uses HTTP."}},
		{"unknown protocol", res(t, tListener, `{"protocol":"<unknown>","port":443}`), nil},
		{"unknown policy", res(t, tListener, `{"protocol":"TLS","port":443,"sslPolicy":"<unknown>"}`), nil},
	})
}

func TestACMDNSValidation(t *testing.T) {
	t.Parallel()
	checkResource(t, acmDNSValidation, []resourceCase{
		{"dns", res(t, tCertificate, `{"domainName":"x.example.com","validationMethod":"DNS"}`), nil},
		{"imported", res(t, tCertificate, `{"privateKey":"<secret>","certificateBody":"pem"}`), nil},
		{"email", res(t, tCertificate, `{"domainName":"x.example.com","validationMethod":"EMAIL"}`), []string{`validationMethod is "EMAIL".`}},
		{"none", res(t, tCertificate, `{"domainName":"x.example.com"}`), []string{"the certificate sets no validationMethod."}},
		{"unknown", res(t, tCertificate, `{"validationMethod":"<unknown>"}`), nil},
	})
}

func TestRDSForceSSL(t *testing.T) {
	t.Parallel()
	checkResource(t, rdsForceSSL, []resourceCase{
		{"postgres forced", res(t, tClusterParams, `{"family":"aurora-postgresql16","parameters":[{"name":"rds.force_ssl","value":"1"}]}`), nil},
		{"mysql forced", res(t, tDBParams, `{"family":"mysql8.0","parameters":[{"name":"require_secure_transport","value":"ON"}]}`), nil},
		{"other engine", res(t, tDBParams, `{"family":"oracle-ee-19"}`), nil},
		{"off", res(t, tClusterParams, `{"family":"aurora-postgresql16","parameters":[{"name":"rds.force_ssl","value":"0"}]}`),
			[]string{`rds.force_ssl is "0".`}},
		{"missing", res(t, tClusterParams, `{"family":"aurora-postgresql16","parameters":[{"name":"log_min_duration_statement","value":"500"}]}`),
			[]string{"rds.force_ssl is not set, so clients may connect without TLS."}},
		{"unknown parameters", res(t, tClusterParams, `{"family":"aurora-postgresql16","parameters":"<unknown>"}`), nil},
		{"unknown value", res(t, tClusterParams, `{"family":"aurora-postgresql16","parameters":[{"name":"rds.force_ssl","value":"<unknown>"}]}`), nil},
	})
}

func TestRDSClusterTLSParameterGroup(t *testing.T) {
	t.Parallel()
	good := named(res(t, tClusterParams, `{"name":"coder-pg","family":"aurora-postgresql16","parameters":[{"name":"rds.force_ssl","value":"1"}]}`), "pg")
	bad := named(res(t, tClusterParams, `{"name":"loose","family":"aurora-postgresql16","parameters":[]}`), "loose")
	cluster := func(js string) *Resource { return named(res(t, tRDSCluster, js), "db") }
	checkStack(t, rdsClusterTLSParameterGroup, []stackCase{
		{"by dependency", []*Resource{good, deps(cluster(`{"dbClusterParameterGroupName":"<unknown>"}`), "dbClusterParameterGroupName", good)}, nil},
		{"by name", []*Resource{good, cluster(`{"dbClusterParameterGroupName":"coder-pg"}`)}, nil},
		{"default group", []*Resource{cluster(`{}`)}, []Finding{{cluster(`{}`).URN,
			"the cluster uses the default parameter group, which accepts plaintext connections."}}},
		{"group without force_ssl", []*Resource{bad, cluster(`{"dbClusterParameterGroupName":"loose"}`)}, []Finding{{cluster(`{}`).URN,
			"its parameter group loose does not force TLS: rds.force_ssl is not set, so clients may connect without TLS."}}},
		{"group elsewhere", []*Resource{cluster(`{"dbClusterParameterGroupName":"shared-pg"}`)}, []Finding{{cluster(`{}`).URN,
			`parameter group "shared-pg" is not managed in this stack, so TLS cannot be verified.`}}},
		{"unknown reference", []*Resource{cluster(`{"dbClusterParameterGroupName":"<unknown>"}`)}, nil},
	})
}

func TestCoderHTTPSURLs(t *testing.T) {
	t.Parallel()
	rel := func(chart, env string) *Resource {
		return res(t, tRelease, `{"chart":"`+chart+`","values":{"coder":{"env":`+env+`}}}`)
	}
	checkResource(t, coderHTTPSURLs, []resourceCase{
		{"coderd https", rel("coder", `[{"name":"CODER_ACCESS_URL","value":"https://coder.example.com"},{"name":"CODER_WILDCARD_ACCESS_URL","value":"*.coder.example.com"}]`), nil},
		{"proxy https", rel("coder-v2/coder", `[{"name":"CODER_PRIMARY_ACCESS_URL","value":"https://coder.example.com"}]`), nil},
		{"provisioner in cluster", rel("coder-provisioner", `[{"name":"CODER_URL","value":"http://coder.coder.svc.cluster.local"}]`), nil},
		{"http access url", rel("coder", `[{"name":"CODER_ACCESS_URL","value":"http://coder.example.com"}]`),
			[]string{`CODER_ACCESS_URL is "http://coder.example.com", not https.`}},
		{"http wildcard", rel("coder", `[{"name":"CODER_WILDCARD_ACCESS_URL","value":"http://*.coder.example.com"}]`),
			[]string{`CODER_WILDCARD_ACCESS_URL is "http://*.coder.example.com", not https.`}},
		{"provisioner over the internet in plain http", rel("coder-provisioner", `[{"name":"CODER_URL","value":"http://coder.example.com"}]`),
			[]string{`CODER_URL is "http://coder.example.com", not https.`}},
		{"primary http", rel("coder", `[{"name":"CODER_PRIMARY_ACCESS_URL","value":"http://coder.example.com"}]`),
			[]string{`CODER_PRIMARY_ACCESS_URL is "http://coder.example.com", not https.`}},
		{"other chart", rel("grafana", `[{"name":"CODER_ACCESS_URL","value":"http://x"}]`), nil},
		{"unknown url", rel("coder", `[{"name":"CODER_ACCESS_URL","value":"<unknown>"}]`), nil},
		{"unknown env", res(t, tRelease, `{"chart":"coder","values":{"coder":{"env":"<unknown>"}}}`), nil},
		{"component", res(t, tCoder, `{"accessUrl":"http://coder.example.com","primaryAccessUrl":"https://p.example.com"}`),
			[]string{`accessUrl is "http://coder.example.com", not https.`}},
	})
}

func TestK8sNoPlaintextExposure(t *testing.T) {
	t.Parallel()
	checkResource(t, k8sNoPlaintextExposure, []resourceCase{
		{"cluster ip", res(t, tService, `{"spec":{"type":"ClusterIP"}}`), nil},
		{"lb with tls", res(t, tService, `{"metadata":{"annotations":{"service.beta.kubernetes.io/aws-load-balancer-ssl-cert":"arn:aws:acm:x"}},"spec":{"type":"LoadBalancer"}}`), nil},
		{"lb plaintext", res(t, tService, `{"spec":{"type":"LoadBalancer"}}`),
			[]string{"Service type LoadBalancer exposes its ports without TLS termination."}},
		{"lb tls on some ports", res(t, tService, `{"metadata":{"annotations":{"service.beta.kubernetes.io/aws-load-balancer-ssl-cert":"arn","service.beta.kubernetes.io/aws-load-balancer-ssl-ports":"443"}},"spec":{"type":"LoadBalancer"}}`),
			[]string{"Service type LoadBalancer exposes its ports without TLS termination."}},
		{"node port", res(t, tService, `{"spec":{"type":"NodePort"}}`), []string{"Service type NodePort exposes its ports without TLS termination."}},
		{"ingress tls", res(t, tIngress, `{"spec":{"tls":[{"hosts":["x"]}]}}`), nil},
		{"ingress plaintext", res(t, tIngress, `{"spec":{"rules":[]}}`), []string{"the Ingress has no tls block, so it serves plain HTTP."}},
		{"coder chart cluster ip", res(t, tRelease, `{"chart":"coder","values":{"coder":{"service":{"type":"ClusterIP"}}}}`), nil},
		{"coder chart default service", res(t, tRelease, `{"chart":"coder","values":{"coder":{}}}`),
			[]string{"coder.service.type is LoadBalancer (the chart default), which exposes coderd's HTTP port outside the cluster."}},
		{"coder chart service off", res(t, tRelease, `{"chart":"coder","values":{"coder":{"service":{"enable":false}}}}`), nil},
		{"coder ingress without tls", res(t, tRelease, `{"chart":"coder","values":{"coder":{"service":{"type":"ClusterIP"},"ingress":{"enable":true}}}}`),
			[]string{"coder.ingress is enabled without coder.ingress.tls.enable."}},
		{"unknown type", res(t, tService, `{"spec":{"type":"<unknown>"}}`), nil},
	})
}

func TestS3TLSOnly(t *testing.T) {
	t.Parallel()
	bucket := named(res(t, tBucketV2, `{"bucket":"logs"}`), "logs")
	deny := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::logs/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	policy := func(doc string) *Resource {
		p := named(res(t, tBucketPolicy, `{}`), "logs-policy")
		p.Props = in(t, `{"bucket":"<unknown>"}`)
		p.Props["policy"] = toValue(doc)
		return deps(p, "bucket", bucket)
	}
	checkStack(t, s3TLSOnly, []stackCase{
		{"denies", []*Resource{bucket, policy(deny)}, nil},
		{"by name", []*Resource{bucket, func() *Resource {
			p := policy(deny)
			p.PropertyDependencies = nil
			p.Props = in(t, `{"bucket":"logs"}`)
			p.Props["policy"] = toValue(deny)
			return p
		}()}, nil},
		{"no policy", []*Resource{bucket}, []Finding{{bucket.URN, "the bucket has no bucket policy, so plaintext HTTP requests are allowed."}}},
		{"allow only", []*Resource{bucket, policy(`{"Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"}]}`)},
			[]Finding{{policy(deny).URN, "the bucket policy has no statement denying aws:SecureTransport = false."}}},
		{"unknown document", []*Resource{bucket, policy(Unknown)}, nil},
	})
}
