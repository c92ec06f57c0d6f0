package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Coder's own settings, judged on the Helm release values and the Coder
// component's inputs.

var coderProvisionerDaemonsZero = &Policy{
	Name:        "coder-provisioner-daemons-zero",
	Description: "At scale, coderd runs no built-in provisioners: builds run on external provisioners.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: `set CODER_PROVISIONER_DAEMONS="0" in coder.env and run the coder-provisioner chart.`,
	Params: []Param{{Name: "minReplicas", Type: "integer", Default: 2,
		Description: "coderd replica count from which built-in provisioners are refused"}},
	Types: helmTypes,
	Check: func(r *Resource, c Config) []string {
		v, ok := coderdValues(r) // proxies run no provisioners
		if !ok {
			return nil
		}
		replicas, rs := number(v, "replicaCount")
		if rs == unknown {
			return nil
		}
		if rs == absent {
			replicas = 1 // the chart's default
		}
		if int(replicas) < c.Int("minReplicas") {
			return nil
		}
		env, es := coderEnv(r)
		if es == unknown {
			return nil
		}
		e, ok := env["CODER_PROVISIONER_DAEMONS"]
		switch {
		case !ok:
			return []string{fmt.Sprintf("%v coderd replicas each run 3 built-in provisioners (CODER_PROVISIONER_DAEMONS is not set).", replicas)}
		case e.state == known && !e.fromSecret && e.value != "0":
			return []string{fmt.Sprintf("CODER_PROVISIONER_DAEMONS is %q on %v coderd replicas.", e.value, replicas)}
		}
		return nil
	},
}

var coderProvisionerKeyAuth = &Policy{
	Name:        "coder-provisioner-key-auth",
	Description: "External provisioners authenticate with scoped provisioner keys, never the deployment-wide PSK.",
	Severity:    High,
	Enforcement: Mandatory,
	Remediation: `set provisionerDaemon.keySecretName to the Secret holding the key from "coder provisioner keys create", and provisionerDaemon.pskSecretName to "".`,
	Types:       helmTypes,
	Check: func(r *Resource, _ Config) []string {
		if chartName(r) != "coder-provisioner" {
			return nil
		}
		pd, s := object(r.Props, "values", "provisionerDaemon")
		if s == unknown {
			return nil
		}
		var out []string
		if key, ks := setNonEmpty(pd, "keySecretName"); !key && ks != unknown {
			out = append(out, "provisionerDaemon.keySecretName is not set, so the daemon authenticates with the PSK.")
		}
		if psk, ps := str(pd, "pskSecretName"); ps == absent {
			out = append(out, `provisionerDaemon.pskSecretName keeps the chart default "coder-provisioner-psk".`)
		} else if ps == known && psk != "" {
			out = append(out, fmt.Sprintf("provisionerDaemon.pskSecretName is %q.", psk))
		}
		if env, _ := coderEnv(r); env["CODER_PROVISIONER_DAEMON_PSK"].state != absent {
			out = append(out, "coder.env sets CODER_PROVISIONER_DAEMON_PSK.")
		}
		return out
	},
}

// coderImage is the image tag a Coder chart release runs: coder.image.tag
// (without the digest a pinned tag carries, v2.35.1@sha256:…), or the
// chart's own version (its appVersion) when the tag is not set.
func coderImage(r *Resource) (string, state) {
	if tag, s := str(r.Props, "values", "coder", "image", "tag"); s != absent {
		tag, _, _ = strings.Cut(tag, "@")
		return tag, s
	}
	v, s := str(r.Props, "version")
	if s != known || v == "" {
		return "", unknown
	}
	return "v" + strings.TrimPrefix(v, "v"), known
}

var coderVersionConsistency = &Policy{
	Name:        "coder-version-consistency",
	Description: "Every workspace proxy and provisioner runs the control plane's Coder version.",
	Severity:    Critical,
	Enforcement: Mandatory,
	Remediation: "set one Coder version for the stack (coder.version) and deploy it to every region in the same update.",
	CheckStack: func(rs []*Resource, _ Config) []Finding {
		type run struct {
			r       *Resource
			version string
			control bool
		}
		var runs []run
		for _, r := range rs {
			switch {
			case r.Type == tCoder:
				v, s := str(r.Props, "version")
				role, _ := str(r.Props, "role")
				if s == known {
					runs = append(runs, run{r, v, role == "control-plane"})
				}
			case (r.Type == tRelease || r.Type == tChartV4) && (chartName(r) == "coder" || chartName(r) == "coder-provisioner"):
				v, s := coderImage(r)
				if s != known {
					continue
				}
				proxy, _ := boolean(r.Props, "values", "coder", "workspaceProxy")
				runs = append(runs, run{r, v, chartName(r) == "coder" && !proxy})
			}
		}
		want := ""
		counts := map[string]int{}
		for _, x := range runs {
			counts[x.version]++
			if x.control {
				want = x.version
			}
		}
		if want == "" { // no control plane here: the most common version
			var versions []string
			for v := range counts {
				versions = append(versions, v)
			}
			sort.Slice(versions, func(i, j int) bool { return counts[versions[i]] > counts[versions[j]] })
			if len(versions) > 0 {
				want = versions[0]
			}
		}
		var out []Finding
		for _, x := range runs {
			if x.version != want {
				out = append(out, Finding{x.r.URN, fmt.Sprintf("runs Coder %s; the control plane runs %s.", x.version, want)})
			}
		}
		return out
	},
}
