package preview

import (
	"fmt"
	"strings"
	"time"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// The checks the Pulumi engine makes when a program registers a resource,
// which the SDK's mock monitor skips. Each error is the engine's own
// message (pkg/v3 resource/deploy: step_generator.go, source_eval.go and
// sdk/go/common/diag/errors.go), so the offline preview fails where
// `pulumi preview` would.

// checkRegistration judges one registration against those made before it.
// The caller holds r.mu.
func (r *Recorder) checkRegistration(res *Resource, rpc *pulumirpc.RegisterResourceRequest) error {
	if prev, dup := r.byURN[res.URN]; dup {
		return fmt.Errorf("Duplicate resource URN '%s'; try giving it a unique name "+
			"(registered first as #%d with %s, then again with %s)",
			res.URN, prev.Seq, summarize(prev.Inputs), summarize(res.Inputs))
	}
	if res.Parent != r.RootURN() {
		if _, ok := r.byURN[res.Parent]; !ok {
			return fmt.Errorf("could not find parent resource %s", res.Parent)
		}
	}
	// Custom and remote-component types must be pkg:module:Type; the engine
	// does not check the types of local components.
	if res.Custom || rpc.GetRemote() {
		if tokens.Type(res.Type).Package() == "" || strings.Count(res.Type, ":") < 2 {
			return fmt.Errorf("Type '%s' is not a valid type token (must have format '*:*:*')", res.Type)
		}
	}
	if res.Custom && res.Provider != "" {
		if err := r.checkProviderRef(res.Provider, res.URN); err != nil {
			return err
		}
	}
	for _, ref := range res.Providers {
		if err := r.checkProviderRef(ref, res.URN); err != nil {
			return err
		}
	}
	for _, dep := range rpc.GetDependencies() {
		if _, err := resource.ParseURN(dep); err != nil {
			return fmt.Errorf("invalid dependency URN: %s", dep)
		}
	}
	if v := rpc.GetVersion(); v != "" {
		if _, err := semver.Parse(v); err != nil {
			return fmt.Errorf("parse provider request: %w", err)
		}
	}
	if t := rpc.GetCustomTimeouts(); t != nil {
		for _, d := range []string{t.GetCreate(), t.GetUpdate(), t.GetDelete()} {
			if d == "" {
				continue
			}
			if _, err := time.ParseDuration(d); err != nil {
				return fmt.Errorf("unable to parse customTimeout Value %s", d)
			}
		}
	}
	if dw := rpc.GetDeletedWith(); dw != "" {
		if _, err := resource.ParseURN(dw); err != nil {
			return fmt.Errorf("invalid DeletedWith URN: %s", dw)
		}
	}
	return nil
}

// checkProviderRef mirrors the engine's loadResourceProvider: a reference is
// "<provider URN>::<ID>" of a provider registered before.
func (r *Recorder) checkProviderRef(ref, urn string) error {
	i := strings.LastIndex(ref, "::")
	if i < 0 {
		return fmt.Errorf("bad provider reference '%s' for resource '%s': expected '::' in provider reference '%s'", ref, urn, ref)
	}
	purn := resource.URN(ref[:i])
	if !purn.IsValid() || !strings.HasPrefix(string(purn.Type()), "pulumi:providers:") {
		return fmt.Errorf("bad provider reference '%s' for resource '%s': not a provider URN", ref, urn)
	}
	if p, ok := r.byURN[string(purn)]; !ok || p.ID != ref[i+2:] {
		return fmt.Errorf("unknown provider '%s' for resource '%s'", ref, urn)
	}
	return nil
}

// summarize names a registration by its name-like inputs, so that both
// sides of a duplicate can be told apart.
func summarize(in resource.PropertyMap) string {
	var parts []string
	for _, k := range []resource.PropertyKey{"name", "description", "cidrIpv4", "securityGroupId", "referencedSecurityGroupId"} {
		if v, ok := in[k]; ok && v.IsString() {
			parts = append(parts, fmt.Sprintf("%s=%q", k, v.StringValue()))
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d inputs", len(in))
	}
	return strings.Join(parts, ", ")
}
