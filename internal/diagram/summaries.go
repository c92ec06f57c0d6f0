package diagram

import (
	"fmt"
	"sort"
	"strings"

	"github.com/platformeng/coder-platform/internal/preview"
)

// The boxes of the components view, one function per component type. Each
// reads its component's resources; IDs are local to the component. Software
// versions are left out on purpose: a diagram shows the shape of the stack,
// and an upgrade should not make the committed ones stale.

var summaries = map[string]func(ix *index, c *preview.Resource) []Node{
	"coder:network:Vpc":              vpcBoxes,
	"coder:cluster:Cluster":          clusterBoxes,
	"coder:database:Aurora":          databaseBoxes,
	"coder:edge:LoadBalancer":        loadBalancerBoxes,
	"coder:dns:Certificate":          certificateBoxes,
	"coder:dns:Records":              recordBoxes,
	"coder:security:Keys":            keyBoxes,
	"coder:observability:Prometheus": prometheusBoxes,
	"coder:observability:Monitoring": monitoringBoxes,
	"coder:coder:Coder":              coderBoxes,
}

func summarize(ix *index, c *preview.Resource) []Node {
	if f, ok := summaries[c.Type]; ok {
		return f(ix, c)
	}
	return nil
}

// tierOrder sorts subnet tiers from the edge inwards.
var tierOrder = map[string]int{"public": 0, "private-control": 1, "private-provisioner": 2, "private-workspace": 3, "database": 4}

func sortTiers(tiers []string) {
	sort.SliceStable(tiers, func(i, j int) bool {
		oi, iok := tierOrder[tiers[i]]
		oj, jok := tierOrder[tiers[j]]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return tiers[i] < tiers[j]
	})
}

// tiersOf names the subnet tiers (the coder:tier tag) of subnets.
func tiersOf(subnets []*preview.Resource) string {
	var tiers []string
	for _, s := range subnets {
		tiers = append(tiers, tag(s, "coder:tier"))
	}
	tiers = uniqSorted(tiers)
	sortTiers(tiers)
	if len(tiers) == 0 {
		return ""
	}
	return "subnets: " + strings.Join(tiers, ", ")
}

func vpcBoxes(ix *index, c *preview.Resource) []Node {
	byTier := map[string][]*preview.Resource{}
	for _, s := range ix.under(c, "aws:ec2/subnet:Subnet") {
		t := tag(s, "coder:tier")
		byTier[t] = append(byTier[t], s)
	}
	tiers := preview.SortedKeys(byTier)
	sortTiers(tiers)
	var out []Node
	for _, t := range tiers {
		subnets := byTier[t]
		sort.Slice(subnets, func(i, j int) bool {
			return subnets[i].Str("availabilityZone") < subnets[j].Str("availabilityZone")
		})
		lines := []string{t + " subnets"}
		for _, s := range subnets {
			lines = append(lines, s.Str("availabilityZone")+"  "+s.Str("cidrBlock"))
		}
		out = append(out, Node{ID: "tier-" + t, Label: strings.Join(lines, "\n"), Class: ClassResource})
	}
	if nats := ix.under(c, "aws:ec2/natGateway:NatGateway"); len(nats) > 0 {
		var azs []string
		for _, n := range nats {
			if s := ix.target(n, "subnetId"); s != nil {
				azs = append(azs, s.Str("availabilityZone"))
			}
		}
		out = append(out, Node{ID: "nat", Label: counted("NAT gateway", len(nats)) + "\n" + strings.Join(uniqSorted(azs), ", "), Class: ClassResource})
	}
	if len(ix.under(c, "aws:ec2/internetGateway:InternetGateway")) > 0 {
		out = append(out, Node{ID: "igw", Label: "internet gateway", Class: ClassResource})
	}
	if eps := ix.under(c, "aws:ec2/vpcEndpoint:VpcEndpoint"); len(eps) > 0 {
		var gw, iface []string
		for _, e := range eps {
			name := endpointService(e.Str("serviceName"))
			if e.Str("vpcEndpointType") == "Gateway" {
				gw = append(gw, name)
			} else {
				iface = append(iface, name)
			}
		}
		lines := []string{counted("VPC endpoint", len(eps))}
		if len(gw) > 0 {
			lines = append(lines, "gateway: "+strings.Join(uniqSorted(gw), ", "))
		}
		if len(iface) > 0 {
			lines = append(lines, wrapList("interface: ", uniqSorted(iface), 4)...)
		}
		out = append(out, Node{ID: "endpoints", Label: strings.Join(lines, "\n"), Class: ClassResource})
	}
	for _, a := range ix.under(c, "aws:ec2transitgateway/vpcAttachment:VpcAttachment") {
		out = append(out, Node{ID: "tgw-" + a.Name, Label: "transit gateway attachment\n" + a.Str("transitGatewayId") + "\n" + tiersOf(ix.Targets(a, "subnetIds")), Class: ClassResource})
	}
	return out
}

// endpointService is "ecr.api" of "com.amazonaws.us-east-1.ecr.api".
func endpointService(s string) string {
	parts := strings.SplitN(s, ".", 4)
	if len(parts) == 4 {
		return parts[3]
	}
	return s
}

// wrapList prints items n to a line, the first line led by head.
func wrapList(head string, items []string, n int) []string {
	var lines []string
	for i := 0; i < len(items); i += n {
		end := min(i+n, len(items))
		line := strings.Join(items[i:end], ", ")
		if i == 0 {
			line = head + line
		}
		lines = append(lines, line)
	}
	return lines
}

func clusterBoxes(ix *index, c *preview.Resource) []Node {
	var out []Node
	for _, k := range ix.under(c, "eks:index:Cluster") {
		access := "private"
		if inBool(k, "endpointPublicAccess", true) {
			access = "public and private"
		}
		out = append(out, Node{ID: "control-plane", Class: ClassResource,
			Label: "EKS control plane\nAPI endpoint: " + access + "\n" + tiersOf(ix.Targets(k, "privateSubnetIds"))})
	}
	for _, ng := range ix.under(c, "aws:eks/nodeGroup:NodeGroup") {
		lo, _ := ng.Num("scalingConfig.minSize")
		hi, _ := ng.Num("scalingConfig.maxSize")
		label := fmt.Sprintf("node group %s\n%s · %s\n%s–%s nodes · %s", ng.Str("nodeGroupName"),
			strings.Join(ng.Strs("instanceTypes"), ", "), strings.ToLower(strings.ReplaceAll(ng.Str("capacityType"), "_", "-")),
			num(lo), num(hi), tiersOf(ix.Targets(ng, "subnetIds")))
		out = append(out, Node{ID: "ng-" + ng.Str("nodeGroupName"), Label: label, Class: ClassResource})
	}
	var addons []string
	for _, a := range ix.under(c, "aws:eks/addon:Addon") {
		addons = append(addons, a.Str("addonName"))
	}
	var charts []string
	for _, h := range ix.under(c, "kubernetes:helm.sh/v3:Release") {
		charts = append(charts, h.Str("chart"))
	}
	if len(addons)+len(charts) > 0 {
		lines := wrapList("add-ons: ", uniqSorted(addons), 3)
		lines = append(lines, wrapList("charts: ", uniqSorted(charts), 2)...)
		out = append(out, Node{ID: "addons", Label: strings.Join(lines, "\n"), Class: ClassResource})
	}
	return out
}

func databaseBoxes(ix *index, c *preview.Resource) []Node {
	var out []Node
	for _, db := range ix.under(c, "aws:rds/cluster:Cluster") {
		lo, _ := db.Num("serverlessv2ScalingConfiguration.minCapacity")
		hi, _ := db.Num("serverlessv2ScalingConfiguration.maxCapacity")
		instances := 0
		for _, i := range ix.under(c, "aws:rds/clusterInstance:ClusterInstance") {
			if ix.target(i, "clusterIdentifier") == db || i.Str("clusterIdentifier") == db.Str("clusterIdentifier") {
				instances++
			}
		}
		var subnets []*preview.Resource
		if sg := ix.target(db, "dbSubnetGroupName"); sg != nil {
			subnets = ix.Targets(sg, "subnetIds")
		}
		label := fmt.Sprintf("%s\nport%s · serverless v2 %s–%s ACU\n%s · %s", db.Str("engine"), portSuffix(db, "port"),
			num(lo), num(hi), counted("instance", instances), tiersOf(subnets))
		out = append(out, Node{ID: "aurora-" + db.Name, Label: label, Class: ClassData, Shape: "cylinder"})
	}
	if vaults := ix.under(c, "aws:backup/vault:Vault"); len(vaults) > 0 {
		var regions []string
		for _, v := range vaults {
			if k := ix.target(v, "kmsKeyArn"); k != nil {
				if keys := ix.ByURN[k.Parent]; keys != nil {
					regions = append(regions, keys.Str("region"))
				}
			}
		}
		out = append(out, Node{ID: "backup", Label: counted("AWS Backup vault", len(vaults)) + "\n" + strings.Join(uniqSorted(regions), ", "), Class: ClassData})
	}
	return out
}

func loadBalancerBoxes(ix *index, c *preview.Resource) []Node {
	var out []Node
	for _, lb := range ix.under(c, "aws:lb/loadBalancer:LoadBalancer") {
		scheme := "internet-facing"
		if inBool(lb, "internal", false) {
			scheme = "internal"
		}
		lines := []string{fmt.Sprintf("%s load balancer (%s)", lb.Str("loadBalancerType"), scheme),
			tiersOf(ix.Targets(lb, "subnetMappings")) + tiersOf(ix.Targets(lb, "subnets"))}
		for _, l := range ix.under(lb, "aws:lb/listener:Listener") {
			lines = append(lines, listenerLine(ix, l))
		}
		out = append(out, Node{ID: "lb-" + lb.Name, Label: strings.Join(lines, "\n"), Class: ClassResource})
	}
	return out
}

// listenerLine is "TLS :443 → TCP :8080 (ip targets)".
func listenerLine(ix *index, l *preview.Resource) string {
	line := listenerPort(l)
	for _, tg := range ix.Targets(l, "defaultActions") {
		line += fmt.Sprintf(" → %s%s (%s targets)", tg.Str("protocol"), portSuffix(tg, "port"), tg.Str("targetType"))
	}
	return line
}

func certificateBoxes(ix *index, c *preview.Resource) []Node {
	var out []Node
	for _, cert := range ix.under(c, "aws:acm/certificate:Certificate") {
		names := append([]string{cert.Str("domainName")}, cert.Strs("subjectAlternativeNames")...)
		out = append(out, Node{ID: "acm-" + cert.Name, Class: ClassResource,
			Label: "ACM " + strings.Join(names, ", ") + "\n" + cert.Str("validationMethod") + " validation"})
	}
	return out
}

func recordBoxes(ix *index, c *preview.Resource) []Node {
	var lines []string
	for _, t := range []string{"aws:route53/record:Record", "cloudflare:index/record:Record"} {
		for _, r := range ix.under(c, t) {
			lines = append(lines, r.Str("name")+" "+r.Str("type"))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	sort.Strings(lines)
	return []Node{{ID: "records", Label: strings.Join(lines, "\n"), Class: ClassResource}}
}

func keyBoxes(ix *index, c *preview.Resource) []Node {
	var purposes []string
	keys := ix.under(c, "aws:kms/key:Key")
	for _, k := range keys {
		purposes = append(purposes, tag(k, "coder:key-purpose"))
	}
	if len(keys) == 0 {
		return nil
	}
	lines := wrapList(counted("key", len(keys))+": ", uniqSorted(purposes), 5)
	return []Node{{ID: "keys", Label: strings.Join(lines, "\n"), Class: ClassKey}}
}

func prometheusBoxes(ix *index, c *preview.Resource) []Node {
	var parts []string
	if n := len(ix.under(c, "aws:amp/workspace:Workspace")); n > 0 {
		parts = append(parts, counted("AMP workspace", n))
	}
	if n := len(ix.under(c, "aws:amp/scraper:Scraper")); n > 0 {
		parts = append(parts, fmt.Sprintf("%s (every %s, port%s)", counted("scraper", n), c.Str("scrapeInterval"), portSuffix(c, "scrapePort")))
	}
	if n := len(ix.under(c, "aws:amp/ruleGroupNamespace:RuleGroupNamespace")); n > 0 {
		parts = append(parts, counted("rule group", n))
	}
	if len(parts) == 0 {
		return nil
	}
	return []Node{{ID: "amp", Label: strings.Join(parts, "\n"), Class: ClassResource}}
}

func monitoringBoxes(ix *index, c *preview.Resource) []Node {
	count := func(t string) int { return len(ix.under(c, t)) }
	var lines []string
	for _, x := range []struct {
		name, typ string
	}{
		{"CloudWatch alarm", "aws:cloudwatch/metricAlarm:MetricAlarm"},
		{"dashboard", "aws:cloudwatch/dashboard:Dashboard"},
		{"log group", "aws:cloudwatch/logGroup:LogGroup"},
		{"SNS topic", "aws:sns/topic:Topic"},
		{"Lambda function", "aws:lambda/function:Function"},
		{"CloudTrail trail", "aws:cloudtrail/trail:Trail"},
	} {
		if n := count(x.typ); n > 0 {
			lines = append(lines, counted(x.name, n))
		}
	}
	var charts []string
	for _, h := range ix.under(c, "kubernetes:helm.sh/v3:Release") {
		charts = append(charts, h.Str("chart"))
	}
	for _, a := range ix.under(c, "aws:eks/addon:Addon") {
		charts = append(charts, a.Str("addonName"))
	}
	lines = append(lines, wrapList("agents: ", uniqSorted(charts), 2)...)
	if len(lines) == 0 {
		return nil
	}
	return []Node{{ID: "cloudwatch", Label: strings.Join(lines, "\n"), Class: ClassResource}}
}

func coderBoxes(ix *index, c *preview.Resource) []Node {
	var out, ops []Node
	var operators []string
	for _, h := range ix.Children[c.URN] {
		if h.Type != "kubernetes:helm.sh/v3:Release" {
			continue
		}
		replicas, _ := h.Num("values.coder.replicaCount")
		switch h.Str("chart") {
		case "coder":
			name := "coderd"
			if inBool(h, "values.coder.workspaceProxy", false) {
				name = "workspace proxy"
			}
			out = append(out, Node{ID: "coderd", Label: fmt.Sprintf("%s ×%s\nnamespace %s", name, num(replicas), h.Str("namespace")), Class: ClassResource})
		case "coder-provisioner":
			out = append(out, Node{ID: "prov-" + h.Str("name"), Class: ClassResource,
				Label: fmt.Sprintf("provisioners %s ×%s\nnamespace %s", strings.TrimPrefix(h.Str("name"), "coder-provisioner-"), num(replicas), h.Str("namespace"))})
		default:
			operators = append(operators, h.Str("chart"))
		}
	}
	for _, d := range ix.under(c, "kubernetes:apps/v1:Deployment") {
		replicas, _ := d.Num("spec.replicas")
		out = append(out, Node{ID: "deploy-" + d.Name, Class: ClassResource,
			Label: fmt.Sprintf("%s ×%s\nnamespace %s", d.Str("metadata.name"), num(replicas), d.Str("metadata.namespace"))})
	}
	if len(operators) > 0 {
		ops = append(ops, Node{ID: "operators", Label: strings.Join(wrapList("charts: ", uniqSorted(operators), 2), "\n"), Class: ClassResource})
	}
	return append(out, ops...)
}
