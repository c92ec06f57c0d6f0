package stacks

import (
	"encoding/json"
	"os"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/stacks/config"
)

// ContextSource reads a project's config the way the Pulumi engine hands it
// to a program; every project of this repository loads its config from it.
func ContextSource(ctx *pulumi.Context) config.Source { return contextSource{ctx} }

type contextSource struct{ ctx *pulumi.Context }

func (c contextSource) Get(key string) (string, bool) {
	return c.ctx.GetConfig(c.ctx.Project() + ":" + key)
}

func (c contextSource) IsSecret(key string) bool {
	return c.ctx.IsConfigSecret(c.ctx.Project() + ":" + key)
}

// Sealed is false: the engine hands a program its secrets decrypted.
func (c contextSource) Sealed(string) bool { return false }

// Keys lists the project's keys from PULUMI_CONFIG, which the language host
// sets for every program run, so unknown (mistyped) keys are reported.
func (c contextSource) Keys() []string {
	raw := os.Getenv("PULUMI_CONFIG")
	if raw == "" {
		return nil
	}
	var all map[string]string
	if json.Unmarshal([]byte(raw), &all) != nil {
		return nil
	}
	prefix := c.ctx.Project() + ":"
	var out []string
	for k := range all {
		if key, ok := strings.CutPrefix(k, prefix); ok {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}
