// Package tokens holds the type token of every component resource, once:
// the components register with them, and the policy pack, the preview and
// the staged deploy find components by them.
package tokens

// Type tokens (package:module:Type).
const (
	Region        = "coder:stacks:Region"
	Keys          = "coder:security:Keys"
	Vpc           = "coder:network:Vpc"
	Cluster       = "coder:cluster:Cluster"
	Aurora        = "coder:database:Aurora"
	Standby       = "coder:database:Standby"
	HomeBackup    = "coder:resilience:HomeBackup"
	HomeRestore   = "coder:resilience:HomeRestore"
	Zone          = "coder:dns:Zone"
	Certificate   = "coder:dns:Certificate"
	Records       = "coder:dns:Records"
	LoadBalancer  = "coder:edge:LoadBalancer"
	Coder         = "coder:coder:Coder"
	Template      = "coder:templates:Template"
	Configuration = "coder:delivery:Configuration"
	BuildRetries  = "coder:delivery:BuildRetries"
	Prometheus    = "coder:observability:Prometheus"
	Monitoring    = "coder:observability:Monitoring"
	Dashboards    = "coder:observability:Dashboards"
	CostControl   = "coder:costcontrol:CostControl"
	Guard         = "coder:guard:Guard"
	Scaletest     = "coder:scaletest:Scaletest"
	Registry      = "coder:registry:Registry"
	StateBackend  = "coder:state:Backend"
	StateReplica  = "coder:state:Replica"
	GitHub        = "coder:state:GitHub"
)
