package coder

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/workloads"
)

// ProxyTokenSecret is the Kubernetes secret holding the proxy session token.
const ProxyTokenSecret = "coder-proxy-token"

// createProxy runs the coder chart as a workspace proxy (coder wsproxy
// server) at the stack's one Coder version. Its session token is its own:
// one token per proxy, from secret config or from Secrets Manager.
func (c *Coder) createProxy(ctx *pulumi.Context) error {
	a := c.args
	ns := workloads.NamespaceCoder
	var deps []pulumi.Resource
	var doc = c.readSecrets() // nothing unless the token is in Secrets Manager
	var token *smSecret
	if a.ProxyToken == nil {
		s, err := c.newSecret(ctx, PurposeProxyToken, "Session token of this workspace proxy (coder wsproxy create)", true)
		if err != nil {
			return err
		}
		token = s
		doc = c.readSecrets(s)
	}
	roleArn, sa, err := c.identity(ctx, "server", ns, ServerServiceAccount, "Workspace proxy: reads its own session token only", doc)
	if err != nil {
		return err
	}
	c.ServerRoleArn = roleArn
	deps = append(deps, sa)
	if token != nil {
		store, storeName, err := c.secretStore(ctx, ns, ServerServiceAccount, sa)
		if err != nil {
			return err
		}
		es, err := c.externalSecret(ctx, ns, storeName, ProxyTokenSecret,
			[]remoteKey{{SecretKey: "token", Remote: pulumi.String(token.name)}}, token.secret, store)
		if err != nil {
			return err
		}
		deps = append(deps, store, es)
	} else {
		s, err := corev1.NewSecret(ctx, c.name+"-proxy-token", &corev1.SecretArgs{
			Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(ProxyTokenSecret), Namespace: pulumi.String(ns)},
			StringData: pulumi.StringMap{"token": pulumi.ToSecret(a.ProxyToken).(pulumi.StringOutput)},
		}, c.k8s(c.namespace(ns))...)
		if err != nil {
			return err
		}
		deps = append(deps, s)
	}
	envs := append(c.commonEnv(),
		env("CODER_PRIMARY_ACCESS_URL", pulumi.String(a.PrimaryAccessURL)),
		secretRef("CODER_PROXY_SESSION_TOKEN", ProxyTokenSecret, "token"),
	)
	if token != nil && !c.ready(PurposeProxyToken) {
		return nil // the proxy starts once its token is in Secrets Manager
	}
	release, err := c.serverRelease(ctx, c.serverValues(envs, true), deps...)
	if err != nil {
		return err
	}
	return c.serverFront(ctx, release)
}
