package preview

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/platformeng/coder-platform/components/tokens"
)

// Summaries of the registered inputs that matter most to a reviewer, read
// back from what the program registered (not from config).

func (r *Result) writeDataAndEdge(w io.Writer) {
	clusters := r.OfType("aws:rds/cluster:Cluster")
	listeners := r.OfType("aws:lb/listener:Listener")
	if len(clusters) == 0 && len(listeners) == 0 {
		return
	}
	fmt.Fprintln(w, "Data and edge")
	for _, c := range clusters {
		var instances []string
		for _, i := range r.OfType("aws:rds/clusterInstance:ClusterInstance") {
			instances = append(instances, fmt.Sprintf("%s in %s", inputStr(i, "identifier"), inputStr(i, "availabilityZone")))
		}
		sort.Strings(instances)
		fmt.Fprintf(w, "  database %s: %s %s, Serverless v2 %.1f–%.0f ACU; %s\n", inputStr(c, "clusterIdentifier"),
			inputStr(c, "engine"), inputStr(c, "engineVersion"), inputNum(c, "serverlessv2ScalingConfiguration.minCapacity"),
			inputNum(c, "serverlessv2ScalingConfiguration.maxCapacity"), strings.Join(instances, ", "))
		fmt.Fprintf(w, "    encrypted=%v (customer key), IAM auth=%v, managed master password=%v, deletion protection=%v, final snapshot %s, PITR %.0f days\n",
			inputBool(c, "storageEncrypted"), inputBool(c, "iamDatabaseAuthenticationEnabled"), inputBool(c, "manageMasterUserPassword"),
			inputBool(c, "deletionProtection"), inputStr(c, "finalSnapshotIdentifier"), inputNum(c, "backupRetentionPeriod"))
	}
	for _, p := range r.OfType("aws:backup/plan:Plan") {
		rules, _ := p.Input("rules")
		for _, rule := range rules.ArrayValue() {
			rm := rule.ObjectValue()
			copies := []string{}
			for _, c := range rm["copyActions"].ArrayValue() {
				cm := c.ObjectValue()
				copies = append(copies, fmt.Sprintf("%s (keep %v days)", cm["destinationVaultArn"].StringValue(),
					cm["lifecycle"].ObjectValue()["deleteAfter"].NumberValue()))
			}
			fmt.Fprintf(w, "  backup plan: %s, keep %v days, copy to %s\n", rm["schedule"].StringValue(),
				rm["lifecycle"].ObjectValue()["deleteAfter"].NumberValue(), strings.Join(copies, ", "))
		}
	}
	for _, c := range r.OfType("aws:acm/certificate:Certificate") {
		fmt.Fprintf(w, "  certificate %s + %s, %s validation\n", inputStr(c, "domainName"),
			strings.Join(inputStrs(c, "subjectAlternativeNames"), ", "), inputStr(c, "validationMethod"))
	}
	for _, l := range listeners {
		fmt.Fprintf(w, "  listener %s: %s :%.0f, %s, ALPN %s → target group (ip targets)\n", l.Parent[strings.LastIndex(l.Parent, "::")+2:],
			inputStr(l, "protocol"), inputNum(l, "port"), inputStr(l, "sslPolicy"), inputStr(l, "alpnPolicy"))
	}
	for _, t := range []string{"aws:route53/record:Record", "cloudflare:index/record:Record"} {
		for _, rec := range r.OfType(t) {
			target := strings.Join(inputStrs(rec, "records"), ",")
			if v := inputStr(rec, "content"); v != "" {
				target = v
			}
			if a, ok := rec.Input("aliases"); ok && len(a.ArrayValue()) > 0 {
				target = "alias " + a.ArrayValue()[0].ObjectValue()["name"].StringValue()
			}
			fmt.Fprintf(w, "  dns %-52s %-5s → %s\n", inputStr(rec, "name"), inputStr(rec, "type"), target)
		}
	}
	fmt.Fprintln(w)
}

func inputStr(r *Resource, path string) string {
	v, ok := r.Input(path)
	if !ok {
		return ""
	}
	switch p := PlainValue(v).(type) {
	case string:
		return p
	default:
		return fmt.Sprint(p)
	}
}

func inputNum(r *Resource, path string) float64 {
	v, ok := r.Input(path)
	if !ok || !v.IsNumber() {
		return 0
	}
	return v.NumberValue()
}

func inputBool(r *Resource, path string) bool {
	v, ok := r.Input(path)
	return ok && v.IsBool() && v.BoolValue()
}

func inputStrs(r *Resource, path string) []string {
	v, ok := r.Input(path)
	if !ok || !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		out = append(out, fmt.Sprint(PlainValue(e)))
	}
	return out
}

// writeReleases prints every Helm release with its values as registered;
// secret values are masked by PlainValue.
func (r *Result) writeReleases(w io.Writer) {
	releases := r.OfType("kubernetes:helm.sh/v3:Release")
	if len(releases) == 0 {
		return
	}
	fmt.Fprintf(w, "Helm releases (%d)\n", len(releases))
	for _, rel := range releases {
		fmt.Fprintf(w, "  %s/%s: chart %s %s from %s (%s)\n", inputStr(rel, "namespace"), inputStr(rel, "name"),
			inputStr(rel, "chart"), inputStr(rel, "version"), inputStr(rel, "repositoryOpts.repo"), r.RegionOf(rel))
		v, ok := rel.Input("values")
		if !ok {
			continue
		}
		out, err := yaml.Marshal(PlainValue(v))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
	fmt.Fprintln(w)
}

// RegionOf names the region component a resource sits under, or "stack".
func (r *Result) RegionOf(res *Resource) string {
	byURN := map[string]*Resource{}
	for _, x := range r.Resources {
		byURN[x.URN] = x
	}
	for p := res.Parent; p != ""; {
		x := byURN[p]
		if x == nil {
			break
		}
		if x.Type == tokens.Region {
			return x.Name
		}
		p = x.Parent
	}
	return "stack"
}
