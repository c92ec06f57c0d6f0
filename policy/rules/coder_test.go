package rules

import "testing"

func TestCoderProvisionerDaemonsZero(t *testing.T) {
	t.Parallel()
	coderd := func(values string) *Resource {
		return res(t, tRelease, `{"chart":"coder","values":{"coder":`+values+`}}`)
	}
	checkResource(t, coderProvisionerDaemonsZero, []resourceCase{
		{"zero at scale", coderd(`{"replicaCount":3,"env":[{"name":"CODER_PROVISIONER_DAEMONS","value":"0"}]}`), nil},
		{"one replica may run built-ins", coderd(`{"env":[]}`), nil},
		{"unset at scale", coderd(`{"replicaCount":3,"env":[]}`),
			[]string{"3 coderd replicas each run 3 built-in provisioners (CODER_PROVISIONER_DAEMONS is not set)."}},
		{"non-zero at scale", coderd(`{"replicaCount":2,"env":[{"name":"CODER_PROVISIONER_DAEMONS","value":"3"}]}`),
			[]string{`CODER_PROVISIONER_DAEMONS is "3" on 2 coderd replicas.`}},
		{"workspace proxy", coderd(`{"workspaceProxy":true,"replicaCount":3,"env":[]}`), nil},
		{"unknown replicas", coderd(`{"replicaCount":"<unknown>","env":[]}`), nil},
		{"unknown env", coderd(`{"replicaCount":3,"env":"<unknown>"}`), nil},
		{"unknown value", coderd(`{"replicaCount":3,"env":[{"name":"CODER_PROVISIONER_DAEMONS","value":"<unknown>"}]}`), nil},
		{"other chart", res(t, tRelease, `{"chart":"coder-provisioner","values":{"coder":{"replicaCount":3}}}`), nil},
	})
}

func TestCoderProvisionerKeyAuth(t *testing.T) {
	t.Parallel()
	prov := func(values string) *Resource {
		return res(t, tRelease, `{"chart":"coder-provisioner","values":`+values+`}`)
	}
	checkResource(t, coderProvisionerKeyAuth, []resourceCase{
		{"key", prov(`{"provisionerDaemon":{"keySecretName":"coder-provisioner-key","pskSecretName":""}}`), nil},
		{"chart default psk", prov(`{"provisionerDaemon":{}}`), []string{
			"provisionerDaemon.keySecretName is not set, so the daemon authenticates with the PSK.",
			`provisionerDaemon.pskSecretName keeps the chart default "coder-provisioner-psk".`,
		}},
		{"psk named", prov(`{"provisionerDaemon":{"keySecretName":"k","pskSecretName":"psk"}}`),
			[]string{`provisionerDaemon.pskSecretName is "psk".`}},
		{"psk in env", prov(`{"provisionerDaemon":{"keySecretName":"k","pskSecretName":""},"coder":{"env":[{"name":"CODER_PROVISIONER_DAEMON_PSK","value":"x"}]}}`),
			[]string{"coder.env sets CODER_PROVISIONER_DAEMON_PSK."}},
		{"unknown", prov(`{"provisionerDaemon":"<unknown>"}`), nil},
		{"coderd chart", res(t, tRelease, `{"chart":"coder","values":{}}`), nil},
	})
}

func TestCoderVersionConsistency(t *testing.T) {
	t.Parallel()
	release := func(name, chart, tag string, proxy bool) *Resource {
		p := "false"
		if proxy {
			p = "true"
		}
		return named(res(t, tRelease, `{"chart":"`+chart+`","values":{"coder":{"workspaceProxy":`+p+`,"image":{"tag":"`+tag+`"}}}}`), name)
	}
	control := release("coderd", "coder", "v2.24.1", false)
	proxyOK := release("proxy-west", "coder", "v2.24.1", true)
	proxyOld := release("proxy-eu", "coder", "v2.23.0", true)
	provOld := release("prov", "coder-provisioner", "v2.23.0", false)
	fromChart := named(res(t, tRelease, `{"chart":"coder","version":"2.24.1","values":{"coder":{"workspaceProxy":true}}}`), "proxy-chart")
	checkStack(t, coderVersionConsistency, []stackCase{
		{"one version", []*Resource{control, proxyOK, fromChart}, nil},
		{"old proxy and provisioner", []*Resource{control, proxyOK, proxyOld, provOld}, []Finding{
			{proxyOld.URN, "runs Coder v2.23.0; the control plane runs v2.24.1."},
			{provOld.URN, "runs Coder v2.23.0; the control plane runs v2.24.1."},
		}},
		{"proxy-only program follows the majority", []*Resource{proxyOK, release("p2", "coder", "v2.24.1", true), proxyOld},
			[]Finding{{proxyOld.URN, "runs Coder v2.23.0; the control plane runs v2.24.1."}}},
		{"unknown tag", []*Resource{control, named(res(t, tRelease, `{"chart":"coder","values":{"coder":{"workspaceProxy":true,"image":{"tag":"<unknown>"}}}}`), "u")}, nil},
		{"component inputs", []*Resource{
			named(res(t, tCoder, `{"role":"control-plane","version":"v2.24.1"}`), "cp"),
			named(res(t, tCoder, `{"role":"workspace-proxy","version":"v2.25.0"}`), "wp"),
		}, []Finding{{"urn:pulumi:test::p::" + tCoder + "::wp", "runs Coder v2.25.0; the control plane runs v2.24.1."}}},
	})
}
