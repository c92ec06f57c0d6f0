package coder

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	netv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"

	"github.com/platformeng/coder-platform/components/internal/policydoc"
	"github.com/platformeng/coder-platform/components/workloads"
	"github.com/platformeng/coder-platform/sizing"
)

// AIGatewayArgs configures the LiteLLM gateway to Amazon Bedrock.
type AIGatewayArgs struct {
	Replicas  int
	Resources sizing.Resources
	Image     string
	// Models are Bedrock model or inference-profile IDs.
	Models []string
}

// AI gateway names and ports.
const (
	AIGatewayName = "litellm"
	aiGatewayPort = 4000
	// AIGatewayCA is the ConfigMap (in coder and coder-ws) with the CA that
	// signs the gateway's certificate, for clients to trust.
	AIGatewayCA = "ai-gateway-ca"
)

// AIGatewayLabels select the gateway's pods.
var AIGatewayLabels = map[string]string{"app.kubernetes.io/name": AIGatewayName}

// PurposeAIGatewayKey is the LiteLLM master key this program generates.
const PurposeAIGatewayKey = "ai-gateway-master-key"

// createAIGateway runs LiteLLM in the coder namespace: Bedrock-only IAM,
// a generated master key kept in Secrets Manager, and TLS on its only port.
func (c *Coder) createAIGateway(ctx *pulumi.Context) error {
	a := c.args
	g := a.AIGateway
	ns := workloads.NamespaceCoder
	key, err := c.newSecret(ctx, PurposeAIGatewayKey, "LiteLLM master key (generated)", false)
	if err != nil {
		return err
	}
	value, err := random.NewRandomPassword(ctx, c.name+"-ai-gateway-key", &random.RandomPasswordArgs{
		Length: pulumi.Int(48), Special: pulumi.Bool(false),
	}, pulumi.Parent(key.secret))
	if err != nil {
		return err
	}
	if _, err := secretsmanager.NewSecretVersion(ctx, c.name+"-ai-gateway-key", &secretsmanager.SecretVersionArgs{
		SecretId: key.secret.ID(), SecretString: pulumi.Sprintf("sk-%s", value.Result),
	}, pulumi.Parent(key.secret)); err != nil {
		return err
	}
	doc := append(c.readSecrets(key), c.bedrockStatements(g.Models)...)
	_, sa, err := c.identity(ctx, "ai-gateway", ns, AIGatewayName, "AI gateway: Amazon Bedrock inference and its own master key only", doc)
	if err != nil {
		return err
	}
	store, storeName, err := c.secretStore(ctx, ns, AIGatewayName, sa)
	if err != nil {
		return err
	}
	es, err := c.externalSecret(ctx, ns, storeName, "litellm-master-key", []remoteKey{{SecretKey: "key", Remote: pulumi.String(key.name)}}, key.secret, store)
	if err != nil {
		return err
	}
	certs, err := c.aiGatewayTLS(ctx)
	if err != nil {
		return err
	}
	cfg, err := litellmConfig(g.Models, a.Region)
	if err != nil {
		return err
	}
	cm, err := corev1.NewConfigMap(ctx, c.name+"-litellm-config", &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("litellm-config"), Namespace: pulumi.String(ns)},
		Data:     pulumi.StringMap{"config.yaml": pulumi.String(cfg)},
	}, c.k8s(c.namespace(ns))...)
	if err != nil {
		return err
	}
	return c.aiGatewayWorkload(ctx, sa, es, certs, cm)
}

// bedrockStatements allow invoking exactly the configured models, directly
// or through their cross-region inference profiles.
func (c *Coder) bedrockStatements(models []string) policydoc.Document {
	arns := pulumi.StringArray{}
	for _, m := range models {
		base := m
		for _, p := range []string{"us.", "eu.", "apac.", "global."} {
			base = strings.TrimPrefix(base, p)
		}
		arns = append(arns,
			pulumi.Sprintf("arn:aws:bedrock:*::foundation-model/%s", base),
			pulumi.Sprintf("arn:aws:bedrock:*:%s:inference-profile/%s", c.args.AccountID, m))
	}
	return policydoc.Document{{Sid: "InvokeConfiguredModels",
		Actions: []string{"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}, Resources: arns}}
}

// litellmConfig maps each model to Bedrock; the master key is read from the
// environment so it never lands in the ConfigMap.
func litellmConfig(models []string, region string) (string, error) {
	var list []any
	for _, m := range models {
		list = append(list, map[string]any{
			"model_name":     m,
			"litellm_params": map[string]any{"model": "bedrock/" + m, "aws_region_name": region},
		})
	}
	b, err := yaml.Marshal(map[string]any{
		"model_list":       list,
		"general_settings": map[string]any{"master_key": "os.environ/LITELLM_MASTER_KEY"},
		"litellm_settings": map[string]any{"drop_params": true},
	})
	return string(b), err
}

// aiGatewayTLS issues the gateway's certificate from an internal CA and
// publishes the CA for clients in coder and coder-ws.
func (c *Coder) aiGatewayTLS(ctx *pulumi.Context) (pulumi.Resource, error) {
	caKey, err := tls.NewPrivateKey(ctx, c.name+"-ai-ca", &tls.PrivateKeyArgs{Algorithm: pulumi.String("ECDSA"), EcdsaCurve: pulumi.String("P256")}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	ca, err := tls.NewSelfSignedCert(ctx, c.name+"-ai-ca", &tls.SelfSignedCertArgs{
		PrivateKeyPem: caKey.PrivateKeyPem, IsCaCertificate: pulumi.Bool(true), ValidityPeriodHours: pulumi.Int(5 * 365 * 24),
		Subject:     &tls.SelfSignedCertSubjectArgs{CommonName: pulumi.Sprintf("Coder AI gateway CA (%s)", c.args.Region)},
		AllowedUses: pulumi.ToStringArray([]string{"cert_signing", "crl_signing"}),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	key, err := tls.NewPrivateKey(ctx, c.name+"-ai-gateway", &tls.PrivateKeyArgs{Algorithm: pulumi.String("ECDSA"), EcdsaCurve: pulumi.String("P256")}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	host := fmt.Sprintf("%s.%s.svc", AIGatewayName, workloads.NamespaceCoder)
	csr, err := tls.NewCertRequest(ctx, c.name+"-ai-gateway", &tls.CertRequestArgs{
		PrivateKeyPem: key.PrivateKeyPem, DnsNames: pulumi.ToStringArray([]string{host, host + ".cluster.local"}),
		Subject: &tls.CertRequestSubjectArgs{CommonName: pulumi.String(host)},
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	cert, err := tls.NewLocallySignedCert(ctx, c.name+"-ai-gateway", &tls.LocallySignedCertArgs{
		CertRequestPem: csr.CertRequestPem, CaPrivateKeyPem: caKey.PrivateKeyPem, CaCertPem: ca.CertPem,
		ValidityPeriodHours: pulumi.Int(365 * 24), EarlyRenewalHours: pulumi.Int(30 * 24),
		AllowedUses: pulumi.ToStringArray([]string{"digital_signature", "key_encipherment", "server_auth"}),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	secret, err := corev1.NewSecret(ctx, c.name+"-ai-gateway-tls", &corev1.SecretArgs{
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String("litellm-tls"), Namespace: pulumi.String(workloads.NamespaceCoder)},
		Type:       pulumi.String("kubernetes.io/tls"),
		StringData: pulumi.StringMap{"tls.crt": cert.CertPem, "tls.key": pulumi.ToSecret(key.PrivateKeyPem).(pulumi.StringOutput)},
	}, c.k8s(c.namespace(workloads.NamespaceCoder))...)
	if err != nil {
		return nil, err
	}
	for _, ns := range []string{workloads.NamespaceCoder, workloads.NamespaceWorkspaces} {
		if _, err := corev1.NewConfigMap(ctx, fmt.Sprintf("%s-ai-ca-%s", c.name, ns), &corev1.ConfigMapArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(AIGatewayCA), Namespace: pulumi.String(ns)},
			Data:     pulumi.StringMap{"ca.crt": ca.CertPem},
		}, c.k8s(c.namespace(ns))...); err != nil {
			return nil, err
		}
	}
	return secret, nil
}

// aiGatewayWorkload is the Deployment, its HTTPS Service (443 → 4000),
// disruption budget and the coder-ws policy that lets workspaces call it.
func (c *Coder) aiGatewayWorkload(ctx *pulumi.Context, deps ...pulumi.Resource) error {
	g := c.args.AIGateway
	ns := workloads.NamespaceCoder
	t := workloads.TierControl
	probe := func(path string, delay int) *corev1.ProbeArgs {
		return &corev1.ProbeArgs{InitialDelaySeconds: pulumi.Int(delay), PeriodSeconds: pulumi.Int(10),
			HttpGet: &corev1.HTTPGetActionArgs{Path: pulumi.String(path), Port: pulumi.Int(aiGatewayPort), Scheme: pulumi.String("HTTPS")}}
	}
	res := pulumi.StringMap{"cpu": pulumi.String(g.Resources.CPU()), "memory": pulumi.String(g.Resources.Memory())}
	dep, err := appsv1.NewDeployment(ctx, c.name+"-ai-gateway", &appsv1.DeploymentArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(AIGatewayName), Namespace: pulumi.String(ns), Labels: pulumi.ToStringMap(AIGatewayLabels)},
		Spec: appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(g.Replicas),
			Selector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(AIGatewayLabels)},
			Template: corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: pulumi.ToStringMap(AIGatewayLabels)},
				Spec: &corev1.PodSpecArgs{
					ServiceAccountName: pulumi.String(AIGatewayName),
					NodeSelector:       pulumi.ToStringMap(map[string]string{string(t): "true"}),
					Tolerations: corev1.TolerationArray{corev1.TolerationArgs{Key: pulumi.String(string(t)), Operator: pulumi.String("Equal"),
						Value: pulumi.String("true"), Effect: pulumi.String("NoSchedule")}},
					TopologySpreadConstraints: corev1.TopologySpreadConstraintArray{corev1.TopologySpreadConstraintArgs{
						MaxSkew: pulumi.Int(1), TopologyKey: pulumi.String("topology.kubernetes.io/zone"),
						WhenUnsatisfiable: pulumi.String("ScheduleAnyway"),
						LabelSelector:     &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(AIGatewayLabels)},
					}},
					Containers: corev1.ContainerArray{corev1.ContainerArgs{
						Name:  pulumi.String(AIGatewayName),
						Image: pulumi.String(g.Image),
						Args: pulumi.ToStringArray([]string{"--config", "/etc/litellm/config.yaml", "--port", fmt.Sprint(aiGatewayPort),
							"--ssl_keyfile_path", "/etc/litellm/tls/tls.key", "--ssl_certfile_path", "/etc/litellm/tls/tls.crt"}),
						Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{Name: pulumi.String("https"), ContainerPort: pulumi.Int(aiGatewayPort)}},
						Env: corev1.EnvVarArray{
							secretEnv("LITELLM_MASTER_KEY", "litellm-master-key", "key"),
							corev1.EnvVarArgs{Name: pulumi.String("AWS_REGION"), Value: pulumi.String(c.args.Region)},
						},
						Resources:      &corev1.ResourceRequirementsArgs{Requests: res, Limits: res},
						ReadinessProbe: probe("/health/readiness", 10),
						LivenessProbe:  probe("/health/liveliness", 30),
						VolumeMounts: corev1.VolumeMountArray{
							corev1.VolumeMountArgs{Name: pulumi.String("config"), MountPath: pulumi.String("/etc/litellm/config.yaml"), SubPath: pulumi.String("config.yaml")},
							corev1.VolumeMountArgs{Name: pulumi.String("tls"), MountPath: pulumi.String("/etc/litellm/tls"), ReadOnly: pulumi.Bool(true)},
						},
						SecurityContext: &corev1.SecurityContextArgs{AllowPrivilegeEscalation: pulumi.Bool(false)},
					}},
					Volumes: corev1.VolumeArray{
						corev1.VolumeArgs{Name: pulumi.String("config"), ConfigMap: &corev1.ConfigMapVolumeSourceArgs{Name: pulumi.String("litellm-config")}},
						corev1.VolumeArgs{Name: pulumi.String("tls"), Secret: &corev1.SecretVolumeSourceArgs{SecretName: pulumi.String("litellm-tls")}},
					},
				},
			},
		},
	}, c.k8s(deps...)...)
	if err != nil {
		return err
	}
	if _, err := corev1.NewService(ctx, c.name+"-ai-gateway", &corev1.ServiceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(AIGatewayName), Namespace: pulumi.String(ns)},
		Spec: &corev1.ServiceSpecArgs{
			Type:     pulumi.String("ClusterIP"),
			Selector: pulumi.ToStringMap(AIGatewayLabels),
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name: pulumi.String("https"), Port: pulumi.Int(443), TargetPort: pulumi.String("https"),
			}},
		},
	}, c.k8s(dep)...); err != nil {
		return err
	}
	if _, err := policyv1.NewPodDisruptionBudget(ctx, c.name+"-ai-gateway", &policyv1.PodDisruptionBudgetArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(AIGatewayName), Namespace: pulumi.String(ns)},
		Spec: &policyv1.PodDisruptionBudgetSpecArgs{MaxUnavailable: pulumi.Int(1),
			Selector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(AIGatewayLabels)}},
	}, c.k8s(dep)...); err != nil {
		return err
	}
	_, err = netv1.NewNetworkPolicy(ctx, c.name+"-ws-allow-ai-gateway", &netv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("allow-ai-gateway"), Namespace: pulumi.String(workloads.NamespaceWorkspaces)},
		Spec: netv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.ToStringArray([]string{"Egress"}),
			Egress: netv1.NetworkPolicyEgressRuleArray{netv1.NetworkPolicyEgressRuleArgs{
				To: netv1.NetworkPolicyPeerArray{netv1.NetworkPolicyPeerArgs{
					NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String(ns)}},
					PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(AIGatewayLabels)},
				}},
				Ports: netv1.NetworkPolicyPortArray{netv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(aiGatewayPort)}},
			}},
		},
	}, c.k8s(dep, c.namespace(workloads.NamespaceWorkspaces))...)
	return err
}
