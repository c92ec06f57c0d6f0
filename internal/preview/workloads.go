package preview

import (
	"fmt"
	"io"
	"strings"
)

// writeWorkloads prints what runs outside Helm (the AI gateway) and the
// provisioner autoscalers, as registered.
func (r *Result) writeWorkloads(w io.Writer) {
	deployments := r.OfType("kubernetes:apps/v1:Deployment")
	scalers := r.OfType("kubernetes:keda.sh/v1alpha1:ScaledObject")
	if len(deployments) == 0 && len(scalers) == 0 {
		return
	}
	fmt.Fprintln(w, "Workloads outside Helm and autoscalers")
	for _, d := range deployments {
		fmt.Fprintf(w, "  deployment %s/%s (%s): %v replicas\n", inputStr(d, "metadata.namespace"), inputStr(d, "metadata.name"),
			r.RegionOf(d), inputNum(d, "spec.replicas"))
		containers, _ := d.Input("spec.template.spec.containers")
		for _, c := range containers.ArrayValue() {
			cm := c.ObjectValue()
			res := cm["resources"].ObjectValue()
			fmt.Fprintf(w, "    container %s: %s, requests %v, limits %v\n", cm["name"].StringValue(), cm["image"].StringValue(),
				PlainValue(res["requests"]), PlainValue(res["limits"]))
			var env []string
			for _, e := range cm["env"].ArrayValue() {
				em := e.ObjectValue()
				v := fmt.Sprint(PlainValue(em["value"]))
				if from, ok := em["valueFrom"]; ok && from.IsObject() {
					ref := from.ObjectValue()["secretKeyRef"].ObjectValue()
					v = fmt.Sprintf("secret %s/%s", ref["name"].StringValue(), ref["key"].StringValue())
				}
				env = append(env, em["name"].StringValue()+"="+v)
			}
			if len(env) > 0 {
				fmt.Fprintf(w, "      env: %s\n", strings.Join(env, ", "))
			}
		}
	}
	for _, s := range scalers {
		fmt.Fprintf(w, "  scaledobject %s/%s (%s): %v–%v replicas of %s\n", inputStr(s, "metadata.namespace"), inputStr(s, "metadata.name"),
			r.RegionOf(s), inputNum(s, "spec.minReplicaCount"), inputNum(s, "spec.maxReplicaCount"), inputStr(s, "spec.scaleTargetRef.name"))
		triggers, _ := s.Input("spec.triggers")
		for _, t := range triggers.ArrayValue() {
			tr := t.ObjectValue()
			md := tr["metadata"].ObjectValue()
			switch typ := tr["type"].StringValue(); typ {
			case "metrics-api":
				fmt.Fprintf(w, "    trigger %s (%s, target %s): %s at %s\n", tr["name"].StringValue(), typ,
					md["targetValue"].StringValue(), md["valueLocation"].StringValue(), md["url"].StringValue())
			default:
				fmt.Fprintf(w, "    trigger %s (%s, threshold %s): %s\n", tr["name"].StringValue(), typ,
					md["threshold"].StringValue(), md["query"].StringValue())
			}
		}
	}
	fmt.Fprintln(w)
}
