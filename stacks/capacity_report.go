package stacks

import (
	"fmt"
	"math"

	"github.com/platformeng/coder-platform/sizing"
	"github.com/platformeng/coder-platform/stacks/config"
)

// CapacityRow is one line of the capacity recommendation.
type CapacityRow struct {
	Scope       string // "stack" or a region
	Item        string
	Recommended string
	Declared    string
	// Gap is empty when the declared capacity covers the recommendation.
	Gap   string
	Basis string
}

// CapacityReport recommends capacity for users concurrent users from Coder's
// guidance (workshop requirement 3.5) and compares it with what the stack
// declares. Workspaces scale with users at the stack's declared ratio.
func CapacityReport(cfg *config.Stack, users int) []CapacityRow {
	w := cfg.Workload
	workspaces := int(math.Ceil(float64(users) * float64(w.Workspaces) / float64(w.Users)))
	load := sizing.Workload{Users: users, Workspaces: workspaces, RunningFraction: *w.RunningFraction,
		BuildConcurrency: *w.BuildConcurrency, WorkspaceRequest: w.Request}
	var rows []CapacityRow
	add := func(scope, item, rec, decl, gap, basis string) {
		rows = append(rows, CapacityRow{Scope: scope, Item: item, Recommended: rec, Declared: decl, Gap: gap, Basis: basis})
	}

	cd := sizing.Coderd(users)
	declared := cfg.Coder.CoderdPlan
	declaredBuilds := int(math.Ceil(float64(w.Users) * *w.BuildConcurrency))
	add("stack", "concurrent builds", fmt.Sprint(load.ConcurrentBuilds()), fmt.Sprintf("%d (workload.users %d)", declaredBuilds, w.Users), "",
		fmt.Sprintf("%d users × workload.buildConcurrency %.2f", users, *w.BuildConcurrency))
	add("stack", "coderd", deployment(cd), deployment(declared), deploymentGap(cd, declared, "coder.coderd"), cd.Basis)

	db := sizing.Database(sizing.DatabaseInput{Users: users, CoderdReplicas: cd.Replicas, PoolMaxOpen: cfg.Coder.PgConnMaxOpen, SurgeReplicas: 1})
	dbGap := ""
	if *cfg.Database.MaxACU < db.MaxACU {
		dbGap = fmt.Sprintf("raise database.maxAcu to %.0f", db.MaxACU)
	}
	if *cfg.Database.MinACU < db.MinACU {
		dbGap = joinGap(dbGap, fmt.Sprintf("raise database.minAcu to %.1f", db.MinACU))
	}
	add("stack", "database ACU", fmt.Sprintf("%.1f–%.0f", db.MinACU, db.MaxACU),
		fmt.Sprintf("%.1f–%.0f", *cfg.Database.MinACU, *cfg.Database.MaxACU), dbGap, db.Basis+"; "+db.ConnectionBasis)

	if cfg.Coder.AIGateway.Enabled {
		ai := sizing.AIGateway(users)
		decl := aiGatewaySize(cfg).Replicas
		gap := ""
		if decl < ai.Replicas {
			gap = fmt.Sprintf("raise coder.aiGateway.replicas to %d", ai.Replicas)
		}
		add("stack", "AI gateway", fmt.Sprintf("%d × %s", ai.Replicas, ai.Resources), fmt.Sprintf("%d × %s", decl, cfg.Coder.AIGateway.Resources), gap, ai.Basis)
	}

	ng := cfg.Cluster.NodeGroups
	for i := range cfg.Regions {
		rc := &cfg.Regions[i]
		share := *rc.Share
		ru := int(math.Ceil(float64(users) * share))
		rw := load
		rw.Users, rw.Workspaces = ru, int(math.Ceil(float64(workspaces)*share))
		scope := rc.Name
		if rc.Role == config.RoleProxy {
			px := sizing.Proxy(ru)
			decl := proxySize(cfg, rc)
			add(scope, "workspace proxy", deployment(px), deployment(decl), deploymentGap(px, decl, "coder.proxy"), px.Basis)
		}
		prov := sizing.Provisioners(rw)
		declProv := regionProvisioners(cfg, rc)
		gap := ""
		if declProv < prov.Replicas {
			gap = fmt.Sprintf("raise coder.provisioners.maxReplicas (or replicas) to %d", prov.Replicas)
		}
		add(scope, "provisioners", fmt.Sprintf("%d × %s", prov.Replicas, prov.Resources), fmt.Sprintf("up to %d", declProv), gap, prov.Basis)

		provNodes := sizing.Nodes(ng.Provisioner.Primary(), prov.Replicas, prov.Resources)
		add(scope, "provisioner nodes", nodes(provNodes, ng.Provisioner.Primary().Name), fmt.Sprintf("max %d × %s", ng.Provisioner.Max(), ng.Provisioner.Primary().Name),
			nodeGap(provNodes.Nodes, ng.Provisioner.Max(), "cluster.nodeGroups.provisioner.maxSize"), provNodes.Basis)

		wsNodes := sizing.Nodes(ng.Workspace.Primary(), rw.RunningWorkspaces(), w.Request)
		add(scope, "workspace nodes", nodes(wsNodes, ng.Workspace.Primary().Name), fmt.Sprintf("max %d × %s", ng.Workspace.Max(), ng.Workspace.Primary().Name),
			nodeGap(wsNodes.Nodes, ng.Workspace.Max(), "cluster.nodeGroups.workspace.maxSize"),
			fmt.Sprintf("%d running workspaces (%d × %.0f%%): %s", rw.RunningWorkspaces(), rw.Workspaces, *w.RunningFraction*100, wsNodes.Basis))

		rcap := RegionCapacity{Coderd: cd}
		what := fmt.Sprintf("%d coderd × %s", cd.Replicas, cd.Resources)
		if rc.Role == config.RoleProxy {
			rcap.Coderd = sizing.Proxy(ru)
			what = fmt.Sprintf("%d proxies × %s", rcap.Coderd.Replicas, rcap.Coderd.Resources)
		} else if cfg.Coder.AIGateway.Enabled {
			rcap.AIGateway = sizing.AIGateway(users)
			rcap.AIGateway.Resources = cfg.Coder.AIGateway.Resources
			what += fmt.Sprintf(" + %d AI gateway × %s", rcap.AIGateway.Replicas, rcap.AIGateway.Resources)
		}
		ctlType := ng.Control.Primary().Name
		ctlNodes := sizing.Pack(ng.Control.Primary(), controlPods(rcap))
		ctlGap := nodeGap(ctlNodes, ng.Control.Max(), "cluster.nodeGroups.control.maxSize")
		if ctlNodes == 0 {
			ctlType, ctlNodes = fittingControl(ng.Control.Primary().Family.Name, rcap)
			ctlGap = fmt.Sprintf("use %d × %s in cluster.nodeGroups.control", ctlNodes, ctlType)
		}
		add(scope, "control nodes", fmt.Sprintf("%d × %s", ctlNodes, ctlType), fmt.Sprintf("max %d × %s", ng.Control.Max(), ng.Control.Primary().Name),
			ctlGap, fmt.Sprintf("first-fit packing of %s + %s of add-ons on %s", what, AddonOverhead, ctlType))
	}
	return rows
}

// regionProvisioners is the most provisioners the config lets a region run.
func regionProvisioners(cfg *config.Stack, rc *config.Region) int {
	pc := cfg.Coder.Provisioners
	if pc.MaxReplicas > 0 {
		return pc.MaxReplicas
	}
	if pc.Replicas != nil {
		return *pc.Replicas
	}
	w := sizing.Workload{Users: rc.Users, BuildConcurrency: *cfg.Workload.BuildConcurrency}
	return sizing.Provisioners(w).Replicas
}

func deployment(d sizing.Deployment) string { return fmt.Sprintf("%d × %s", d.Replicas, d.Resources) }

func deploymentGap(rec, decl sizing.Deployment, key string) string {
	var gaps []string
	if decl.Replicas < rec.Replicas {
		gaps = append(gaps, fmt.Sprintf("%d replicas", rec.Replicas))
	}
	if decl.Resources.MilliCPU < rec.Resources.MilliCPU || decl.Resources.MiB < rec.Resources.MiB {
		gaps = append(gaps, rec.Resources.String()+" each")
	}
	if len(gaps) == 0 {
		return ""
	}
	return fmt.Sprintf("set %s to %s", key, joinGap(gaps...))
}

func nodes(n sizing.NodeCount, typ string) string {
	if n.PodsPerNode == 0 {
		return "does not fit on " + typ
	}
	return fmt.Sprintf("%d × %s", n.Nodes, typ)
}

func nodeGap(need, have int, key string) string {
	if need <= have {
		return ""
	}
	return fmt.Sprintf("raise %s to %d", key, need)
}

func joinGap(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += "; "
		}
		out += p
	}
	return out
}
