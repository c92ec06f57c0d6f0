// Package policydoc builds IAM and KMS policy documents whose ARNs may be
// Pulumi outputs, and the IRSA trust policy every pod identity uses.
package policydoc

import (
	"encoding/json"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Statement is one policy statement. Resources and principals may be outputs.
type Statement struct {
	Sid       string
	Deny      bool
	Principal pulumi.Map // e.g. {"Service": "logs.amazonaws.com"}
	Actions   []string
	Resources pulumi.StringArray // nil means "*"
	Condition pulumi.Map
}

// Document is an IAM policy document.
type Document []Statement

// JSON renders the document; the result is known once every ARN is.
func (d Document) JSON() pulumi.StringOutput {
	stmts := pulumi.Array{}
	for _, s := range d {
		m := pulumi.Map{
			"Effect": pulumi.String("Allow"),
			"Action": pulumi.ToStringArray(s.Actions),
		}
		if s.Deny {
			m["Effect"] = pulumi.String("Deny")
		}
		if s.Sid != "" {
			m["Sid"] = pulumi.String(s.Sid)
		}
		if s.Principal != nil {
			m["Principal"] = s.Principal
		}
		if s.Resources == nil {
			m["Resource"] = pulumi.String("*")
		} else {
			m["Resource"] = s.Resources
		}
		if s.Condition != nil {
			m["Condition"] = s.Condition
		}
		stmts = append(stmts, m)
	}
	return pulumi.JSONMarshal(pulumi.Map{"Version": pulumi.String("2012-10-17"), "Statement": stmts})
}

// Service is a service principal.
func Service(names ...string) pulumi.Map {
	if len(names) == 1 {
		return pulumi.Map{"Service": pulumi.String(names[0])}
	}
	return pulumi.Map{"Service": pulumi.ToStringArray(names)}
}

// AssumedBy is the trust policy of a role a service assumes, pinned to the
// account so that the confused-deputy problem cannot reach it.
func AssumedBy(service string, accountID pulumi.StringInput) pulumi.StringOutput {
	return Document{{
		Principal: Service(service),
		Actions:   []string{"sts:AssumeRole"},
		Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": accountID}},
	}}.JSON()
}

// AssumedByNoCondition is a service trust without the source-account pin,
// for services that do not send aws:SourceAccount on AssumeRole (EC2, EKS).
func AssumedByNoCondition(service string) pulumi.StringOutput {
	return Document{{Principal: Service(service), Actions: []string{"sts:AssumeRole"}}}.JSON()
}

// ServiceAccount names one Kubernetes service account.
type ServiceAccount struct {
	Namespace string
	Name      string
}

// Subject is the OIDC subject of the service account.
func (sa ServiceAccount) Subject() string {
	return "system:serviceaccount:" + sa.Namespace + ":" + sa.Name
}

// IRSATrust is the trust policy that lets exactly one service account assume
// a role through the cluster's OIDC provider (StringEquals on both sub and aud).
func IRSATrust(providerArn, issuerURL pulumi.StringInput, sa ServiceAccount) pulumi.StringOutput {
	return pulumi.All(providerArn, issuerURL).ApplyT(func(v []any) (string, error) {
		issuer := strings.TrimPrefix(v[1].(string), "https://")
		doc := map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Effect":    "Allow",
				"Principal": map[string]any{"Federated": v[0].(string)},
				"Action":    "sts:AssumeRoleWithWebIdentity",
				"Condition": map[string]any{"StringEquals": map[string]any{
					issuer + ":sub": sa.Subject(),
					issuer + ":aud": "sts.amazonaws.com",
				}},
			}},
		}
		b, err := json.Marshal(doc)
		return string(b), err
	}).(pulumi.StringOutput)
}
