package coder

import (
	"fmt"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/workloads"
)

// DatabaseArgs is how coderd reaches Postgres.
type DatabaseArgs struct {
	Endpoint          pulumi.StringOutput
	Port              int
	Name              string
	ClusterResourceID pulumi.StringOutput
	// MasterSecretArn is the RDS-managed master secret; only the bootstrap
	// Job reads it, to create the IAM-authenticated user.
	MasterSecretArn pulumi.StringOutput
	// Auth is CODER_PG_AUTH: awsiamrds or password.
	Auth workloads.PgAuth
	// User is the database role coderd connects as (IAM auth).
	User string
	// PoolMaxOpen is CODER_PG_CONN_MAX_OPEN.
	PoolMaxOpen int
}

// OIDCArgs configures sign-in through any OIDC identity provider.
type OIDCArgs struct {
	IssuerURL    string
	ClientID     string
	EmailDomains []string
	Scopes       []string
	SignInText   string
}

// ExternalAuthArgs is one Git provider.
type ExternalAuthArgs struct {
	ID, Type, ClientID string
}

// QuietHoursArgs is the default quiet-hours schedule.
type QuietHoursArgs struct {
	Schedule    string
	AllowCustom bool
}

// AIGatewayEnv switches coderd's built-in AI Gateway (Coder 2.34+:
// codersdk deployment option ai-gateway-enabled, default true).
const AIGatewayEnv = "CODER_AI_GATEWAY_ENABLED"

// PostgresImage runs the one-off database bootstrap.
const PostgresImage = "public.ecr.aws/docker/library/postgres:16.6-alpine"

// createCoderd deploys coderd with CODER_PROVISIONER_DAEMONS=0 (builds run
// on the external provisioners), Postgres through IAM auth, OIDC and Git
// external auth, Prometheus and quiet hours.
func (c *Coder) createCoderd(ctx *pulumi.Context) error {
	a := c.args
	ns := workloads.NamespaceCoder
	var own []*smSecret
	if a.OIDC != nil {
		s, err := c.newSecret(ctx, PurposeOIDC, "OIDC client secret of coderd (from the identity provider)", true)
		if err != nil {
			return err
		}
		own = append(own, s)
	}
	for _, e := range a.ExternalAuth {
		s, err := c.newSecret(ctx, ExternalAuthPurpose(e.ID), "OAuth client secret of the "+e.Type+" external auth app", true)
		if err != nil {
			return err
		}
		own = append(own, s)
	}
	if a.Identity.SCIM {
		s, err := c.newSecret(ctx, PurposeSCIM, "Bearer token the identity provider's SCIM client sends to coderd (CODER_SCIM_AUTH_HEADER)", true)
		if err != nil {
			return err
		}
		own = append(own, s)
	}
	if a.Database.Auth == workloads.PgAuthPassword {
		s, err := c.newSecret(ctx, PurposePgURL, "postgres:// URL coderd connects with (password auth)", true)
		if err != nil {
			return err
		}
		own = append(own, s)
	}
	roleArn, sa, err := c.identity(ctx, "server", ns, ServerServiceAccount, "CoderServerRole: coderd's own secrets and rds-db:connect as its user", c.serverPolicy(own...))
	if err != nil {
		return err
	}
	c.ServerRoleArn = roleArn
	deps := []pulumi.Resource{sa}
	envs := c.commonEnv()
	envs = append(envs,
		env("CODER_PROVISIONER_DAEMONS", pulumi.String("0")),
		env("CODER_PROMETHEUS_COLLECT_AGENT_STATS", pulumi.String("true")),
		env("CODER_PROMETHEUS_COLLECT_DB_METRICS", pulumi.String("true")),
		env("CODER_PG_CONN_MAX_OPEN", pulumi.String(fmt.Sprint(a.Database.PoolMaxOpen))),
		env("CODER_QUIET_HOURS_DEFAULT_SCHEDULE", pulumi.String(a.QuietHours.Schedule)),
		env("CODER_ALLOW_CUSTOM_QUIET_HOURS", pulumi.String(fmt.Sprint(a.QuietHours.AllowCustom))),
	)
	if a.AggregateAgentStats {
		// Coder's scale guide: bound agent-stat cardinality at high scale.
		envs = append(envs, env("CODER_PROMETHEUS_AGGREGATE_AGENT_STATS_BY", pulumi.String("agent_name")))
	}
	// Always explicit: since Coder 2.34 the in-memory AI Gateway (formerly
	// AI Bridge, CODER_AIBRIDGE_ENABLED, now a deprecated alias) is on by
	// default, so leaving the variable out no longer means off. Providers
	// live in coderd's database (Admin settings > AI > Providers, or the AI
	// Providers API); see docs/runbooks.md.
	envs = append(envs, env(AIGatewayEnv, pulumi.String(fmt.Sprint(a.AIBridge))))
	if len(own) > 0 {
		store, storeName, err := c.secretStore(ctx, ns, ServerServiceAccount, sa)
		if err != nil {
			return err
		}
		deps = append(deps, store)
		var keys []remoteKey
		var sdeps []pulumi.Resource
		for _, s := range own {
			keys = append(keys, remoteKey{SecretKey: c.purposeOf(s), Remote: pulumi.String(s.name)})
			sdeps = append(sdeps, s.secret)
		}
		es, err := c.externalSecret(ctx, ns, storeName, "coderd-secrets", keys, append(sdeps, store)...)
		if err != nil {
			return err
		}
		deps = append(deps, es)
	}
	dbEnv, dbDeps, err := c.databaseEnv(ctx)
	if err != nil {
		return err
	}
	envs = append(envs, dbEnv...)
	deps = append(deps, dbDeps...)
	if o := a.OIDC; o != nil {
		envs = append(envs,
			env("CODER_OIDC_ISSUER_URL", pulumi.String(o.IssuerURL)),
			env("CODER_OIDC_CLIENT_ID", pulumi.String(o.ClientID)),
			secretRef("CODER_OIDC_CLIENT_SECRET", "coderd-secrets", "oidc-client-secret"),
			env("CODER_OIDC_SCOPES", pulumi.String(joinNonEmpty(o.Scopes))),
		)
		if len(o.EmailDomains) > 0 {
			envs = append(envs, env("CODER_OIDC_EMAIL_DOMAIN", pulumi.String(joinNonEmpty(o.EmailDomains))))
		}
		if o.SignInText != "" {
			envs = append(envs, env("CODER_OIDC_SIGN_IN_TEXT", pulumi.String(o.SignInText)))
		}
	}
	for _, kv := range IdentityEnv(a.Identity, a.OIDC != nil) {
		envs = append(envs, env(kv[0], pulumi.String(kv[1])))
	}
	if a.Identity.SCIM {
		envs = append(envs, secretRef("CODER_SCIM_AUTH_HEADER", "coderd-secrets", PurposeSCIM))
	}
	for i, e := range a.ExternalAuth {
		p := fmt.Sprintf("CODER_EXTERNAL_AUTH_%d_", i)
		envs = append(envs,
			env(p+"ID", pulumi.String(e.ID)),
			env(p+"TYPE", pulumi.String(e.Type)),
			env(p+"CLIENT_ID", pulumi.String(e.ClientID)),
			secretRef(p+"CLIENT_SECRET", "coderd-secrets", "external-auth-"+e.ID),
		)
	}
	if !c.ready(c.purposes(own)...) {
		return nil // coderd starts once its secrets hold values
	}
	release, err := c.serverRelease(ctx, c.serverValues(envs, false), deps...)
	if err != nil {
		return err
	}
	c.coderd = release
	return c.serverFront(ctx, release)
}

// purposes are the purposes of secrets this component owns.
func (c *Coder) purposes(secrets []*smSecret) []string {
	var out []string
	for _, s := range secrets {
		for p, x := range c.secrets {
			if x == s {
				out = append(out, p)
			}
		}
	}
	return out
}

// purposeOf is a secret's key inside the synced Kubernetes secret.
func (c *Coder) purposeOf(s *smSecret) string {
	if p := c.purposes([]*smSecret{s}); len(p) == 1 {
		return sanitizeKey(p[0])
	}
	return "value"
}

func sanitizeKey(p string) string {
	out := []rune(p)
	for i, r := range out {
		if r == '/' {
			out[i] = '-'
		}
	}
	return string(out)
}

// databaseEnv connects coderd to Postgres. With IAM auth the URL holds no
// password and CODER_PG_AUTH=awsiamrds signs a token per connection; a Job
// first creates the IAM user with the RDS-managed master secret. With
// password auth the URL comes from Secrets Manager. Never inline.
func (c *Coder) databaseEnv(ctx *pulumi.Context) (pulumi.Array, []pulumi.Resource, error) {
	db := c.args.Database
	if db.Auth == workloads.PgAuthPassword {
		return pulumi.Array{
			env("CODER_PG_AUTH", pulumi.String(string(workloads.PgAuthPassword))),
			secretRef("CODER_PG_CONNECTION_URL", "coderd-secrets", "pg-connection-url"),
		}, nil, nil
	}
	job, err := c.createDatabaseBootstrap(ctx)
	if err != nil {
		return nil, nil, err
	}
	url := pulumi.Sprintf("postgres://%s@%s:%d/%s?sslmode=require", db.User, db.Endpoint, db.Port, db.Name)
	return pulumi.Array{
		env("CODER_PG_AUTH", pulumi.String(string(workloads.PgAuthIAM))),
		env("CODER_PG_CONNECTION_URL", url),
	}, []pulumi.Resource{job}, nil
}

// bootstrapSQL creates coderd's IAM-authenticated role and gives it the
// database; it is idempotent.
func bootstrapSQL(user, database string) string {
	return fmt.Sprintf(`DO $$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[1]s') THEN CREATE ROLE %[1]s LOGIN; END IF;
END$$;
GRANT rds_iam TO %[1]s;
-- PostgreSQL 16: changing an owner needs membership of the new owner.
GRANT %[1]s TO CURRENT_USER;
ALTER DATABASE %[2]s OWNER TO %[1]s;
GRANT ALL ON SCHEMA public TO %[1]s;
`, user, database)
}

// createDatabaseBootstrap runs the SQL above as the master user, whose
// password only this Job's service account may read.
func (c *Coder) createDatabaseBootstrap(ctx *pulumi.Context) (pulumi.Resource, error) {
	db := c.args.Database
	ns := workloads.NamespaceCoder
	const sa = "coder-db-bootstrap"
	_, account, err := c.identity(ctx, "db-bootstrap", ns, sa, "Creates coderd's IAM database user; reads the RDS master secret only",
		c.readMasterSecret(db.MasterSecretArn))
	if err != nil {
		return nil, err
	}
	store, storeName, err := c.secretStore(ctx, ns, sa, account)
	if err != nil {
		return nil, err
	}
	es, err := c.externalSecret(ctx, ns, storeName, "coder-db-master", []remoteKey{
		{SecretKey: "username", Remote: db.MasterSecretArn, Property: "username"},
		{SecretKey: "password", Remote: db.MasterSecretArn, Property: "password"},
	}, store)
	if err != nil {
		return nil, err
	}
	t := workloads.TierControl
	return batchv1.NewJob(ctx, c.name+"-db-bootstrap", &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("coder-db-bootstrap"), Namespace: pulumi.String(ns)},
		Spec: batchv1.JobSpecArgs{
			BackoffLimit: pulumi.Int(10),
			Template: corev1.PodTemplateSpecArgs{Spec: &corev1.PodSpecArgs{
				ServiceAccountName: pulumi.String(sa),
				RestartPolicy:      pulumi.String("OnFailure"),
				NodeSelector:       pulumi.ToStringMap(map[string]string{string(t): "true"}),
				Tolerations: corev1.TolerationArray{corev1.TolerationArgs{Key: pulumi.String(string(t)), Operator: pulumi.String("Equal"),
					Value: pulumi.String("true"), Effect: pulumi.String("NoSchedule")}},
				SecurityContext: &corev1.PodSecurityContextArgs{RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(70),
					SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")}},
				Containers: corev1.ContainerArray{corev1.ContainerArgs{
					Name:    pulumi.String("psql"),
					Image:   pulumi.String(c.postgresRef()),
					Command: pulumi.ToStringArray([]string{"psql", "-v", "ON_ERROR_STOP=1", "-c", bootstrapSQL(db.User, db.Name)}),
					Env: corev1.EnvVarArray{
						corev1.EnvVarArgs{Name: pulumi.String("PGHOST"), Value: db.Endpoint},
						corev1.EnvVarArgs{Name: pulumi.String("PGPORT"), Value: pulumi.String(fmt.Sprint(db.Port))},
						corev1.EnvVarArgs{Name: pulumi.String("PGDATABASE"), Value: pulumi.String(db.Name)},
						corev1.EnvVarArgs{Name: pulumi.String("PGSSLMODE"), Value: pulumi.String("require")},
						secretEnv("PGUSER", "coder-db-master", "username"),
						secretEnv("PGPASSWORD", "coder-db-master", "password"),
					},
					SecurityContext: &corev1.SecurityContextArgs{AllowPrivilegeEscalation: pulumi.Bool(false),
						Capabilities: &corev1.CapabilitiesArgs{Drop: pulumi.ToStringArray([]string{"ALL"})}},
				}},
			}},
		},
	}, c.k8s(es)...)
}

func secretEnv(name, secret, key string) corev1.EnvVarArgs {
	return corev1.EnvVarArgs{Name: pulumi.String(name), ValueFrom: &corev1.EnvVarSourceArgs{
		SecretKeyRef: &corev1.SecretKeySelectorArgs{Name: pulumi.String(secret), Key: pulumi.String(key)},
	}}
}
