package rules

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/platformeng/coder-platform/internal/standards"
)

// TLS in transit: listeners, certificates, the database, Coder's URLs,
// Kubernetes exposure and S3.

var lbTLSListener = &Policy{
	Name:        "lb-tls-listener",
	Description: "Load balancer listeners accept TLS only, with a TLS 1.2+ security policy.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "use protocol TLS (NLB) or HTTPS (ALB) with an allowed sslPolicy such as " + standards.DefaultTLSPolicy + "; a plaintext listener may only redirect to HTTPS.",
	Params: []Param{{Name: "allowedPolicies", Type: "array", Default: standards.TLSPolicies,
		Description: "ELB security policies that negotiate TLS 1.2 or newer only"}},
	Types: []string{tListener, tALBListener},
	Check: func(r *Resource, c Config) []string {
		proto, s := str(r.Props, "protocol")
		if s == unknown {
			return nil
		}
		switch proto {
		case "TLS", "HTTPS":
			pol, ps := str(r.Props, "sslPolicy")
			if ps == unknown {
				return nil
			}
			if ps == absent {
				return []string{fmt.Sprintf("%s listener has no sslPolicy, so it gets the ELB default, which allows TLS 1.0.", proto)}
			}
			if !slices.Contains(c.Strings("allowedPolicies"), pol) {
				return []string{fmt.Sprintf("sslPolicy %q allows protocols older than TLS 1.2.", pol)}
			}
			return nil
		case "HTTP":
			if redirectsToHTTPS(r) {
				return nil
			}
		}
		if proto == "" {
			proto = "no protocol (plain TCP/HTTP)"
		}
		port, _ := str(r.Props, "port")
		return []string{fmt.Sprintf("listener on port %s uses %s.", port, proto)}
	},
}

// redirectsToHTTPS reports whether every default action of a listener
// redirects to HTTPS.
func redirectsToHTTPS(r *Resource) bool {
	actions, s := list(r.Props, "defaultActions")
	if s != known || len(actions) == 0 {
		return false
	}
	for _, a := range actions {
		m, _ := elem(a)
		t, _ := str(m, "type")
		p, _ := str(m, "redirect", "protocol")
		if t != "redirect" || p != "HTTPS" {
			return false
		}
	}
	return true
}

var acmDNSValidation = &Policy{
	Name:        "acm-dns-validation",
	Description: "ACM certificates are validated through DNS, so they renew without anyone answering email.",
	Severity:    Medium,
	Enforcement: Mandatory,
	Remediation: `set validationMethod "DNS" and publish the validation records.`,
	Types:       []string{tCertificate},
	Check: func(r *Resource, _ Config) []string {
		if imported, s := setNonEmpty(r.Props, "privateKey"); imported || s == unknown {
			return nil // an imported certificate has no validation
		}
		m, s := str(r.Props, "validationMethod")
		if s == unknown || m == "DNS" {
			return nil
		}
		if s == absent {
			return []string{"the certificate sets no validationMethod."}
		}
		return []string{fmt.Sprintf("validationMethod is %q.", m)}
	},
}

var rdsForceSSL = &Policy{
	Name:        "rds-force-ssl",
	Description: "Database parameter groups refuse connections without TLS.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "set rds.force_ssl = 1 (PostgreSQL) or require_secure_transport = 1 (MySQL) in the parameter group.",
	Types:       []string{tClusterParams, tDBParams},
	Check: func(r *Resource, _ Config) []string {
		family, fs := str(r.Props, "family")
		if fs == unknown {
			return nil
		}
		param, want := "rds.force_ssl", "1"
		if strings.Contains(family, "mysql") {
			param = "require_secure_transport"
		} else if !strings.Contains(family, "postgres") {
			return nil
		}
		v, s := parameter(r, param)
		switch {
		case s == unknown:
			return nil
		case s == absent:
			return []string{fmt.Sprintf("%s is not set, so clients may connect without TLS.", param)}
		case v != want && !strings.EqualFold(v, "ON"):
			return []string{fmt.Sprintf("%s is %q.", param, v)}
		}
		return nil
	},
}

// parameter is a parameter group's value of one parameter.
func parameter(r *Resource, name string) (string, state) {
	params, s := list(r.Props, "parameters")
	if s != known {
		return "", s
	}
	for _, p := range params {
		m, ms := elem(p)
		if ms == unknown {
			return "", unknown
		}
		if n, _ := str(m, "name"); n == name {
			return str(m, "value")
		}
	}
	return "", absent
}

var rdsClusterTLSParameterGroup = &Policy{
	Name:        "rds-cluster-tls-parameter-group",
	Description: "Every database cluster uses a parameter group from this stack that forces TLS.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "create a cluster parameter group with rds.force_ssl = 1 and set dbClusterParameterGroupName to it.",
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		idx := byType(rs)
		var out []Finding
		for _, cl := range idx[tRDSCluster] {
			name, s := str(cl.Props, "dbClusterParameterGroupName")
			var group *Resource
			for _, g := range idx[tClusterParams] {
				gn, _ := str(g.Props, "name")
				if cl.dependsOn("dbClusterParameterGroupName", g.URN) || (s == known && gn == name) {
					group = g
				}
			}
			switch {
			case group != nil:
				if msgs := rdsForceSSL.Check(group, nil); len(msgs) > 0 {
					out = append(out, Finding{cl.URN, fmt.Sprintf("its parameter group %s does not force TLS: %s", group.Name, msgs[0])})
				}
			case s == unknown:
			case s == absent || strings.HasPrefix(name, "default."):
				out = append(out, Finding{cl.URN, "the cluster uses the default parameter group, which accepts plaintext connections."})
			default:
				out = append(out, Finding{cl.URN, fmt.Sprintf("parameter group %q is not managed in this stack, so TLS cannot be verified.", name)})
			}
		}
		return out
	},
}

var coderHTTPSURLs = &Policy{
	Name:        "coder-https-urls",
	Description: "Coder's access, wildcard and primary URLs are https; provisioners reach coderd over https or inside the cluster.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "use https:// URLs (and a *.host wildcard without a scheme); plain http is allowed only to a Service inside the cluster.",
	Types:       append([]string{tCoder}, helmTypes...),
	Check: func(r *Resource, _ Config) []string {
		var out []string
		check := func(name, v string, inCluster bool) {
			if v == "" {
				return
			}
			u, err := url.Parse(v)
			switch {
			case err != nil:
				out = append(out, fmt.Sprintf("%s %q is not a URL.", name, v))
			case u.Scheme == "https":
			case u.Scheme == "http" && inCluster && clusterLocalURL(u.Host):
			default:
				out = append(out, fmt.Sprintf("%s is %q, not https.", name, v))
			}
		}
		if r.Type == tCoder {
			for _, k := range []string{"accessUrl", "primaryAccessUrl"} {
				if v, s := str(r.Props, k); s == known {
					check(k, v, false)
				}
			}
			return out
		}
		if c := chartName(r); c != "coder" && c != "coder-provisioner" {
			return nil
		}
		env, _ := coderEnv(r)
		for _, name := range []string{"CODER_ACCESS_URL", "CODER_PRIMARY_ACCESS_URL"} {
			if e, ok := env[name]; ok && e.state == known {
				check(name, e.value, false)
			}
		}
		if e, ok := env["CODER_URL"]; ok && e.state == known {
			check("CODER_URL", e.value, true)
		}
		if e, ok := env["CODER_WILDCARD_ACCESS_URL"]; ok && e.state == known && strings.HasPrefix(e.value, "http://") {
			out = append(out, fmt.Sprintf("CODER_WILDCARD_ACCESS_URL is %q, not https.", e.value))
		}
		return out
	},
}

var k8sNoPlaintextExposure = &Policy{
	Name:        "k8s-no-plaintext-exposure",
	Description: "No Kubernetes Service or Ingress exposes plain HTTP outside the cluster.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: "keep Services ClusterIP behind the TLS load balancer (a TargetGroupBinding), or terminate TLS on every port of a LoadBalancer Service; give every Ingress a tls block.",
	Types:       append([]string{tService, tIngress}, helmTypes...),
	Check: func(r *Resource, _ Config) []string {
		switch r.Type {
		case tService:
			t, s := str(r.Props, "spec", "type")
			if s != known || (t != "LoadBalancer" && t != "NodePort") {
				return nil
			}
			if t == "LoadBalancer" {
				cert, cs := setNonEmpty(r.Props, "metadata", "annotations", "service.beta.kubernetes.io/aws-load-balancer-ssl-cert")
				ports, _ := str(r.Props, "metadata", "annotations", "service.beta.kubernetes.io/aws-load-balancer-ssl-ports")
				if cs == unknown || (cert && (ports == "" || ports == "*")) {
					return nil
				}
			}
			return []string{fmt.Sprintf("Service type %s exposes its ports without TLS termination.", t)}
		case tIngress:
			tls, s := list(r.Props, "spec", "tls")
			if s == unknown || len(tls) > 0 {
				return nil
			}
			return []string{"the Ingress has no tls block, so it serves plain HTTP."}
		}
		if chartName(r) != "coder" {
			return nil
		}
		v, s := coderValues(r)
		if s == unknown {
			return nil
		}
		var out []string
		enabled, es := boolean(v, "service", "enable")
		t, ts := str(v, "service", "type")
		if !(es == known && !enabled) && ts != unknown && t != "ClusterIP" {
			if ts == absent {
				t = "LoadBalancer (the chart default)"
			}
			out = append(out, fmt.Sprintf("coder.service.type is %s, which exposes coderd's HTTP port outside the cluster.", t))
		}
		if ing, _ := boolean(v, "ingress", "enable"); ing {
			if tlsOn, s := boolean(v, "ingress", "tls", "enable"); s == known && !tlsOn || s == absent {
				out = append(out, "coder.ingress is enabled without coder.ingress.tls.enable.")
			}
		}
		return out
	},
}

var s3TLSOnly = &Policy{
	Name:        "s3-tls-only",
	Description: "Every S3 bucket has a policy that denies requests not made over TLS.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: `add a bucket policy statement {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}} on the bucket and its objects.`,
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		idx := byType(rs)
		var out []Finding
		for _, b := range buckets(idx) {
			policies := attachedTo(idx, tBucketPolicy, b)
			if len(policies) == 0 {
				out = append(out, Finding{b.URN, "the bucket has no bucket policy, so plaintext HTTP requests are allowed."})
				continue
			}
			for _, p := range policies {
				if s := deniesInsecureTransport(p); s == absent {
					out = append(out, Finding{p.URN, "the bucket policy has no statement denying aws:SecureTransport = false."})
				}
			}
		}
		return out
	},
}

// buckets are the S3 buckets of the stack, v2 and v1.
func buckets(idx map[string][]*Resource) []*Resource {
	return slices.Concat(idx[tBucketV2], idx[tBucket])
}

// attachedTo are the resources of type t that configure bucket b (a bucket
// policy, its encryption, its public-access block): by a dependency of their
// bucket input on it, or by a known equal name.
func attachedTo(idx map[string][]*Resource, t string, b *Resource) []*Resource {
	var out []*Resource
	for _, p := range idx[t] {
		if p.dependsOn("bucket", b.URN) || sameBucket(p, b) {
			out = append(out, p)
		}
	}
	return out
}

// sameBucket matches a bucket's configuration to it by a known name.
func sameBucket(p, b *Resource) bool {
	pn, ps := str(p.Props, "bucket")
	bn, bs := str(b.Props, "bucket")
	return ps == known && bs == known && pn != "" && pn == bn
}

// deniesInsecureTransport is known when the policy denies non-TLS access,
// absent when it does not, unknown when the document is not known yet.
func deniesInsecureTransport(p *Resource) state {
	doc, s := policyDoc(p.Props, "policy")
	if s != known {
		return s
	}
	for _, st := range doc {
		if st.Effect != "Deny" {
			continue
		}
		if v, ok := st.Condition["Bool"]["aws:SecureTransport"]; ok && (fmt.Sprint(v) == "false" || slices.Contains(anyStrings(v), "false")) {
			return known
		}
	}
	return absent
}
