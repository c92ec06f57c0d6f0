package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/platformeng/coder-platform/internal/standards"
	"github.com/platformeng/coder-platform/sizing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const project = "coder-platform"

func repoFile(t testing.TB, name string) string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", name)
}

func readStack(t testing.TB, name string) *StackFile {
	sf, err := ReadStackFile(repoFile(t, "Pulumi."+name+".yaml"), project)
	require.NoError(t, err)
	return sf
}

func TestCommittedStacksAreValid(t *testing.T) {
	for _, name := range []string{"prod", "workshop"} {
		t.Run(name, func(t *testing.T) {
			s, err := Load(project, name, readStack(t, name).Source())
			require.NoError(t, err)
			for _, r := range s.Regions {
				require.NotNil(t, s.Region(r.Name).Network, r.Name)
			}
		})
	}
}

func TestProdDerivedValues(t *testing.T) {
	s, err := Load(project, "prod", readStack(t, "prod").Source())
	require.NoError(t, err)
	r := s.ControlPlane()
	assert.Equal(t, 3000, s.Region(r.Name).Workspaces)
	// SW Dev S (1 vCPU / 8 GiB requested) on r5.4xlarge: CPU-bound,
	// floor(15.49 vCPU allocatable / 1) = 15.
	assert.Equal(t, 15, s.NetworkWorkload(r).WorkspacePodsPerNode)
	assert.Equal(t, "35 6 * * 1,2,3,4,5", mustDaily(t, s))
}

func mustDaily(t *testing.T, s *Plan) string {
	require.NotNil(t, s.Daily())
	up, _ := sizing.DailyActions(*s.Daily())
	return up.Recurrence
}

// mutate loads a committed stack file, applies edit to one key's decoded
// value and returns the problems Load reports.
func mutate(t *testing.T, stack, key string, edit func(v any) any) []string {
	t.Helper()
	sf := readStack(t, stack)
	var v any
	if raw, ok := sf.Values[key]; ok {
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			v = raw
		}
	}
	nv := edit(v)
	switch x := nv.(type) {
	case nil:
		delete(sf.Values, key)
	case string:
		sf.Values[key] = x
	default:
		b, err := json.Marshal(x)
		require.NoError(t, err)
		sf.Values[key] = string(b)
	}
	_, err := Load(project, stack, sf.Source())
	if err == nil {
		return nil
	}
	ve, ok := err.(*ValidationError)
	require.True(t, ok, "want *ValidationError, got %T: %v", err, err)
	out := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		out[i] = p.String()
	}
	return out
}

// override replaces the workload mix with one per-workspace request.
func override(cpu, memory string, diskGiB int) func(any) any {
	return func(v any) any {
		w := v.(map[string]any)
		delete(w, "mix")
		w["workspaceCpu"], w["workspaceMemory"], w["homeDiskGiB"] = cpu, memory, diskGiB
		return w
	}
}

func set(path string, value any) func(any) any {
	return func(v any) any {
		if path == "" {
			return value
		}
		cur := v
		parts := strings.Split(path, ".")
		for i, p := range parts {
			last := i == len(parts)-1
			switch c := cur.(type) {
			case map[string]any:
				if last {
					if value == nil {
						delete(c, p)
					} else {
						c[p] = value
					}
				} else {
					cur = c[p]
				}
			case []any:
				var idx int
				_, _ = fmt.Sscan(p, &idx)
				if last {
					c[idx] = value
				} else {
					cur = c[idx]
				}
			}
		}
		return v
	}
}

// Every config rule, with the exact message a user sees.
func TestValidationRules(t *testing.T) {
	cases := []struct {
		name  string
		stack string
		key   string
		edit  func(any) any
		want  string
	}{
		{"malformed cidr", "prod", "regions", set("0.vpcCidr", "10.40.0/16"),
			`regions[0].vpcCidr: got "10.40.0/16"; must be an IPv4 CIDR such as 10.40.0.0/16`},
		{"cidr host bits", "prod", "regions", set("0.vpcCidr", "10.40.1.0/16"),
			`regions[0].vpcCidr: got "10.40.1.0/16"; has host bits set; did you mean 10.40.0.0/16?`},
		{"public cidr", "prod", "regions", set("0.vpcCidr", "8.8.0.0/16"),
			`regions[0].vpcCidr: got "8.8.0.0/16"; must be inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)`},
		{"overlapping cidrs across regions", "workshop", "regions", set("2.vpcCidr", "10.20.0.0/16"),
			`regions[2].vpcCidr: got "10.20.0.0/16"; overlaps regions[1].vpcCidr "10.20.0.0/16"; VPCs of one stack must not overlap`},
		{"tgw overlaps vpc", "prod", "regions", set("0.transitGateway.cidrs", []any{"10.40.128.0/17"}),
			`regions[0].transitGateway.cidrs[0]: got "10.40.128.0/17"; overlaps regions[0].vpcCidr "10.40.0.0/16"; routed networks must not overlap the VPCs`},
		{"one az", "prod", "regions", set("0.availabilityZones", []any{"us-east-1a"}),
			`regions[0].availabilityZones: got ["us-east-1a"]; list 2 to 6 availability zones (NAT, Aurora and the NLB span them)`},
		{"seven azs", "prod", "regions", set("0.availabilityZones", []any{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f", "us-east-1a"}),
			`regions[0].availabilityZones: got ["us-east-1a" "us-east-1b" "us-east-1c" "us-east-1d" "us-east-1e" "us-east-1f" "us-east-1a"]; list 2 to 6 availability zones (NAT, Aurora and the NLB span them)`},
		{"az of another region", "prod", "regions", set("0.availabilityZones", []any{"us-east-1a", "us-east-1b", "us-west-2c"}),
			`regions[0].availabilityZones[2]: got "us-west-2c"; is not an availability zone of us-east-1; use one of us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f`},
		{"workspaces do not fit", "prod", "regions", set("0.vpcCidr", "10.40.0.0/20"),
			`regions[0].vpcCidr: got "10.40.0.0/20"; cannot hold 3000 workspaces: the subnet plan needs 28704 addresses (public 3 × /26, private-control 3 × /24, private-provisioner 3 × /22, private-workspace 3 × /19, database 3 × /27); use a /17 or larger, or lower workload.workspaces`},
		{"unknown instance family", "prod", "cluster", set("nodeGroups.workspace.instanceTypes", []any{"q9.2xlarge"}),
			`cluster.nodeGroups.workspace.instanceTypes[0]: got "q9.2xlarge"; unknown instance-type family "q9"; known families: [c5 c5a c6a c6g c6i c7a c7g c7i g4dn g5 m5 m5a m5n m6a m6g m6i m7a m7g m7i m8g m8i p3 p4d r5 r5a r6a r6g r6i r7a r7i t3 t3a]`},
		{"burstable control", "prod", "cluster", set("nodeGroups.control.instanceTypes", []any{"t3.large"}),
			`cluster.nodeGroups.control.instanceTypes[0]: got "t3.large"; burstable families run out of CPU credits; Coder's guidance is m5/c5-class instances`},
		{"missing access url", "prod", "coder", set("accessUrl", nil),
			`coder.accessUrl: got nothing; an https URL such as https://coder.example.com is required`},
		{"http access url", "prod", "coder", set("accessUrl", "http://coder.acme-corp.com"),
			`coder.accessUrl: got "http://coder.acme-corp.com"; must use https (Coder serves sessions and DERP over TLS only)`},
		{"access url outside domain", "prod", "coder", set("accessUrl", "https://coder.example.org"),
			`coder.accessUrl: got "https://coder.example.org"; host must be within dns.baseDomain "acme-corp.com" so its records and certificate can be managed`},
		{"proxy access url http", "workshop", "regions", set("1.accessUrl", "http://oregon-proxy.coder-workshop.dev"),
			`regions[1].accessUrl: got "http://oregon-proxy.coder-workshop.dev"; must use https (Coder serves sessions and DERP over TLS only)`},
		{"bad base domain", "prod", "dns", set("baseDomain", "acme_corp.com."),
			`dns.baseDomain: got "acme_corp.com."; must be a valid DNS name such as example.com (lower-case labels, no trailing dot)`},
		{"unknown region", "prod", "regions", set("0.name", "us-north-9"),
			`regions[0].name: got "us-north-9"; must be a commercial AWS region: ` + regionList()},
		{"proxy without control plane", "workshop", "regions", set("0.role", "proxy"),
			`regions[0].accessUrl: got nothing; an https URL such as https://coder.example.com is required`},
		{"bad dns provider", "prod", "dns", set("provider", "godaddy"),
			`dns.provider: got "godaddy"; must be "route53" or "cloudflare" (one DNS provider per stack)`},
		{"version not semver", "prod", "coder", set("version", "latest"),
			`coder.version: got "latest"; must be a Coder release tag such as v2.28.3; one version is used by coderd, proxies and provisioners`},
		{"users zero", "prod", "workload", set("users", 0),
			`workload.users: got 0; must be at least 1`},
		{"running fraction", "prod", "workload", set("runningFraction", 1.5),
			`workload.runningFraction: got 1.5; must be a fraction in (0, 1]`},
		{"workspace cpu", "prod", "workload", set("workspaceCpu", "lots"),
			`workload.workspaceCpu: got "lots"; must be a Kubernetes CPU quantity such as 500m or 2`},
		{"workspace memory", "prod", "workload", set("workspaceMemory", "2GB"),
			`workload.workspaceMemory: got "2GB"; must be a Kubernetes memory quantity with a binary suffix such as 2Gi or 512Mi`},
		{"flow log retention", "prod", "network", set("flowLogRetentionDays", 100),
			`network.flowLogRetentionDays: got 100; must be ` + logRetentionAllowed},
		{"egress cidr", "prod", "network", set("egress.allowedCidrs.0.cidr", "anywhere"),
			`network.egress.allowedCidrs[0].cidr: got "anywhere"; must be an IPv4 CIDR such as 203.0.113.0/24`},
		{"egress cidr inside the vpc", "prod", "network", set("egress.allowedCidrs.1.cidr", "10.40.0.0/16"),
			`network.egress.allowedCidrs[1].cidr: got "10.40.0.0/16"; overlaps regions[0].vpcCidr 10.40.0.0/16 without covering it; workspaces reach the VPC only through the platform's own rules`},
		{"egress port", "prod", "network", set("egress.allowedCidrs.0.ports", []any{0}),
			`network.egress.allowedCidrs[0].ports[0]: got 0; must be a TCP port 1–65535`},
		{"egress domain", "prod", "network", set("egress.allowedDomains", []any{"not a domain"}),
			`network.egress.allowedDomains[0]: got "not a domain"; must be a DNS name, optionally with a leading *.`},
		{"k8s version", "prod", "cluster", set("kubernetesVersion", "1.9"),
			`cluster.kubernetesVersion: got "1.9"; must be a Kubernetes minor this program's charts and add-ons are pinned for: 1.32, 1.33, 1.34`},
		{"public endpoint open", "prod", "cluster", set("endpointPublicAccess", true),
			`cluster.publicAccessCidrs: got nothing; list the CIDRs allowed to reach the public API endpoint, or set cluster.endpointPublicAccess to false`},
		{"public endpoint world", "workshop", "cluster", set("publicAccessCidrs", []any{"0.0.0.0/0"}),
			`cluster.publicAccessCidrs[0]: got "0.0.0.0/0"; must not open the API endpoint to the whole internet`},
		{"admin role arn", "prod", "cluster", set("adminRoleArns", []any{"platform-admin"}),
			`cluster.adminRoleArns[0]: got "platform-admin"; must be an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admin`},
		{"addon version", "prod", "cluster", set("addons.vpcCni", "latest"),
			`cluster.addons.vpcCni: got "latest"; must be an EKS add-on version such as v1.19.2-eksbuild.1, or empty for the EKS default`},
		{"min greater than max", "prod", "cluster", set("nodeGroups.workspace.minSize", 300),
			`cluster.nodeGroups.workspace.maxSize: got 200; must be at least 1 and at least minSize (300)`},
		{"control min", "prod", "cluster", set("nodeGroups.control.minSize", 1),
			`cluster.nodeGroups.control.minSize: got 1; must be at least 2`},
		{"spot provisioners", "prod", "cluster", set("nodeGroups.provisioner.spot", true),
			`cluster.nodeGroups.provisioner.spot: got true; must be false: a spot reclaim kills running Terraform builds`},
		{"gpu node group", "prod", "cluster", set("nodeGroups.workspace.instanceTypes", []any{"g5.2xlarge"}),
			`cluster.nodeGroups.workspace.instanceTypes[0]: got "g5.2xlarge"; GPU families are for workspace templates (base-ec2-gpu), not node groups`},
		{"disk too small", "prod", "cluster", set("nodeGroups.workspace.diskSizeGiB", 8),
			`cluster.nodeGroups.workspace.diskSizeGiB: got 8; must be 20–16384 GiB (gp3)`},
		{"time zone", "prod", "scaling", set("timeZone", "Eastern"),
			`scaling.timeZone: got "Eastern"; must be an IANA time zone such as America/New_York`},
		{"scale up too late", "prod", "scaling", set("scaleUpAt", "06:50"),
			`scaling.scaleUpAt: got "06:50"; scale-up capacity is in service at 06:50, less than 15m0s before the business day starts at 07:00; capacity must be in service 15m0s before the business day (scale-up fires scaling.nodeWarmupMinutes earlier)`},
		{"clock format", "prod", "scaling", set("scaleDownAt", "6pm"),
			`scaling.scaleDownAt: got "6pm"; must be a 24-hour time HH:MM`},
		{"weekday", "prod", "scaling", set("weekdays", []any{"monday"}),
			`scaling.weekdays: got ["monday"]; must list days as sun, mon, tue, wed, thu, fri, sat`},
		{"event end before start", "workshop", "scaling", set("event.end", "2026-12-10T08:00"),
			`scaling.event.end: got "2026-12-10T08:00"; must be after scaling.event.start "2026-12-10T09:00"`},
		{"warmup", "prod", "scaling", set("nodeWarmupMinutes", 500),
			`scaling.nodeWarmupMinutes: got 500; must be 1–120 minutes (EC2 launch to node Ready)`},
		{"owner tag", "prod", "tags", set("owner", ""),
			`tags.owner: got nothing; a team or person that owns the stack is required (default tag "owner")`},
		{"profile", "prod", "profile", set("", "startup"),
			`profile: got "startup"; must be "enterprise" or "workshop"`},
		{"unknown nested key", "prod", "cluster", set("nodeGroup", map[string]any{}),
			`cluster.nodeGroup: got "set"; unknown key; allowed keys here: addons, adminRoleArns, deployerRoleArn, endpointPublicAccess, imagePullQps, kubernetesVersion, logRetentionDays, nodeGroups, publicAccessCidrs`},
		{"wrong type", "prod", "workload", set("users", "many"),
			`workload.users: got a string; must be of type integer`},
		{"shares do not sum", "workshop", "regions", set("0.share", 0.9),
			`regions[*].share: got "1.400 in total"; region shares must sum to 1`},
		{"cluster log retention", "prod", "cluster", set("logRetentionDays", 45),
			`cluster.logRetentionDays: got 45; must be ` + logRetentionAllowed},
		{"image pull qps", "prod", "cluster", set("imagePullQps", 500),
			`cluster.imagePullQps: got 500; must be 1–100 image pulls per second`},
		{"home disk", "prod", "workload", override("1", "4Gi", -1),
			`workload.homeDiskGiB: got -1; must be 1–16384 GiB, the home volume of each workspace`},
		{"override beside a mix", "prod", "workload", set("workspaceCpu", "1"),
			`workload.workspaceCpu: got "1"; must be empty when workload.mix is set: declare either the mix of template sizes or one per-workspace request`},
		{"mix shares", "workshop", "workload", set("mix.1.share", 0.2),
			`workload.mix: got "shares summing to 0.900"; the shares of the sizes must sum to 1`},
		{"mix share range", "workshop", "workload", set("mix.1.share", 0),
			`workload.mix[1].share: got 0; must be a fraction in (0, 1]`},
		{"mix of an unknown size", "workshop", "workload", set("mix.1.size", "sw-dev-xxl"),
			`workload.mix[1]: got "pod-swdev/sw-dev-xxl"; must be a size of a delivered template: pod-swdev/sw-dev-s, pod-swdev/sw-dev-m, pod-swdev/sw-dev-l, pod-swdev/platform-devsecops`},
		{"no mix", "workshop", "workload", set("mix", nil),
			`workload.mix: got nothing; list the share of workspaces at each size users launch (template and size from pod-swdev/sw-dev-s, pod-swdev/sw-dev-m, pod-swdev/sw-dev-l, pod-swdev/platform-devsecops), or set workload.workspaceCpu and workspaceMemory`},
		{"headroom", "prod", "workload", set("headroom", 1.5),
			`workload.headroom: got 1.5; must be a fraction in [0, 1] of spare capacity above the planned running workspaces`},
		// The seed's m5.2xlarge (29.9 GiB allocatable) cannot start SW Dev L
		// (32 GiB, request = limit): the size is offered, so it is an error.
		{"offered size exceeds a node", "prod", "cluster", set("nodeGroups.workspace.instanceTypes", []any{"m5.2xlarge", "m5a.2xlarge", "m6i.2xlarge"}),
			`cluster.nodeGroups.workspace.instanceTypes: got "m5.2xlarge"; cannot start size sw-dev-l of template pod-swdev: it requests 4 vCPU / 32Gi, more than one m5.2xlarge node has allocatable (7.51 vCPU / 29.9 GiB, 105 pods); use a workspace instance type that holds it`},
		{"override exceeds a node", "workshop", "workload", override("20", "16Gi", 50),
			`workload.workspaceCpu: got "20"; cannot start on one workspace node: the workspace requests 20 vCPU / 16Gi, more than one m5.4xlarge node has allocatable (15.49 vCPU / 61.9 GiB, 105 pods)`},
		{"cloudflare without token", "workshop", "dns", set("cloudflare.apiTokenSecretId", nil),
			"dns.cloudflare.apiTokenSecretId: got nothing; the Cloudflare API token is missing: set a Secrets Manager secret ID here, or `pulumi config set --secret cloudflareApiToken <token>`"},
		{"cloudflare zone id", "workshop", "dns", set("cloudflare.zoneId", "example"),
			`dns.cloudflare.zoneId: got "example"; must be the 32-character hex ID of the Cloudflare zone of coder-workshop.dev`},
		{"cloudflare without block", "workshop", "dns", set("cloudflare", nil),
			`dns.cloudflare: got nothing; set zoneId and the API token (apiTokenSecretId, or the secret config key cloudflareApiToken) for Cloudflare`},
		{"route53 with cloudflare block", "prod", "dns", set("cloudflare", map[string]any{"zoneId": "3f2a9c1e5b7d4a60c8e1f2a3b4c5d6e7"}),
			`dns.cloudflare: got "set"; must be absent with dns.provider route53: one DNS provider per stack`},
		{"cloudflare create zone", "workshop", "dns", set("createZone", true),
			`dns.createZone: got true; must be false with Cloudflare; the zone is managed in Cloudflare`},
		// Versions that must match the Kubernetes minor (compat/compat.go).
		{"kubernetes minor without a version table", "prod", "cluster", set("kubernetesVersion", "1.35"),
			`cluster.kubernetesVersion: got "1.35"; must be a Kubernetes minor this program's charts and add-ons are pinned for: 1.32, 1.33, 1.34`},
		{"coredns of another minor", "prod", "cluster", set("addons.coreDns", "v1.11.4-eksbuild.14"),
			`cluster.addons.coreDns: got "v1.11.4-eksbuild.14"; does not fit Kubernetes 1.33: EKS offers v1.12.x or v1.13.x there (aws eks describe-addon-versions --kubernetes-version 1.33)`},
		{"kube-proxy of another minor", "prod", "cluster", set("kubernetesVersion", "1.34"),
			`cluster.addons.kubeProxy: got "v1.33.0-eksbuild.2"; does not fit Kubernetes 1.34: EKS offers v1.34.x there (aws eks describe-addon-versions --kubernetes-version 1.34)`},
		// The creator's access entry (defect: the deployer listed as admin).
		{"deployer missing", "prod", "cluster", set("deployerRoleArn", nil),
			"cluster.deployerRoleArn: got nothing; must be the IAM role ARN `pulumi up` runs as, such as arn:aws:iam::123456789012:role/platform-deployer: EKS makes it cluster admin when it creates the cluster"},
		{"deployer listed as admin", "prod", "cluster", set("adminRoleArns", []any{"arn:aws:iam::111122223333:role/platform-admin", "arn:aws:iam::111122223333:role/platform-deployer"}),
			`cluster.adminRoleArns[1]: got "arn:aws:iam::111122223333:role/platform-deployer"; is cluster.deployerRoleArn, which EKS already makes cluster admin when it creates the cluster (the creator's access entry); a second entry for it fails with ResourceInUseException: remove it here`},
		// Names AWS limits (names.go).
		{"organization name too long for its IAM role", "prod", "coder", set("provisioners.organizations", []any{map[string]any{"name": "platform-engineering-research-x"}}),
			`coder.provisioners.organizations[0].name: got "platform-engineering-research-x"; the provisioners' IAM role in us-east-1 would be named "coder-prod-us-east-1-prov-platform-engineering-research-x" plus Pulumi's suffix, 65 characters; IAM allows 64: use an organization name at most 30 characters long`},
		{"region too long for the load balancer name", "workshop", "regions", set("1.name", "ap-southeast-1"),
			`regions[1].name: got "ap-southeast-1"; with stack "workshop", the network load balancer and its target group name "coder-workshop-ap-southeast-1" would be 37 characters; Elastic Load Balancing allows 32 characters: use a stack name at most 3 characters long`},
		{"engine version", "prod", "database", set("engineVersion", "9.6"),
			`database.engineVersion: got "9.6"; must be an Aurora PostgreSQL major version, 13–17 (such as 16), without a minor: AWS picks the minor and upgrades it automatically`},
		// Regression: a pinned minor asked RDS for a downgrade after AWS's
		// automatic minor upgrade.
		{"engine minor pinned", "prod", "database", set("engineVersion", "16.6"),
			`database.engineVersion: got "16.6"; must be an Aurora PostgreSQL major version, 13–17 (such as 16), without a minor: AWS picks the minor and upgrades it automatically`},
		{"no reader", "prod", "database", set("readers", -1),
			`database.readers: got -1; must be 1–15: at least one reader in another AZ for automated failover`},
		{"pitr window", "prod", "database", set("backupRetentionDays", 40),
			`database.backupRetentionDays: got 40; must be 1–35 days (Aurora's point-in-time-recovery window)`},
		{"performance insights", "prod", "database", set("performanceInsightsRetentionDays", 10),
			`database.performanceInsightsRetentionDays: got 10; must be 7 or a multiple of 31 up to 731`},
		{"enhanced monitoring", "prod", "database", set("monitoringIntervalSeconds", 2),
			`database.monitoringIntervalSeconds: got 2; must be 1, 5, 10, 15, 30 or 60 (enhanced monitoring stays on)`},
		{"password rotation", "prod", "database", set("passwordRotationDays", 400),
			`database.passwordRotationDays: got 400; must be 1–365 days`},
		{"acu floor below pools", "prod", "database", set("minAcu", 0.5),
			`database.minAcu: got 0.5; must be at least 1.0 ACU so the floor sustains every coderd connection: (4 coderd + 1 surge) × CODER_PG_CONN_MAX_OPEN 30 + 0 other + 10 operator + 3 reserved = 163 connections; 1.0 ACU sustains 225`},
		{"acu max below min", "prod", "database", set("maxAcu", 0.5),
			`database.maxAcu: got 0.5; must be at least database.minAcu (1.0)`},
		{"acu step", "prod", "database", set("maxAcu", 64.3),
			`database.maxAcu: got 64.3; must be 0.5–256 in steps of 0.5`},
		{"pool size", "prod", "coder", set("pgConnMaxOpen", -1),
			`coder.pgConnMaxOpen: got -1; must be 1–500 connections per coderd replica`},
		{"backup copy region missing", "prod", "database", set("backup.copyRegion", ""),
			`database.backup.copyRegion: got nothing; a second region for the backup copy is required`},
		{"backup copy region same", "prod", "database", set("backup.copyRegion", "us-east-1"),
			`database.backup.copyRegion: got "us-east-1"; must differ from the control-plane region us-east-1`},
		{"backup schedule", "prod", "database", set("backup.schedule", "daily"),
			`database.backup.schedule: got "daily"; must be an AWS Backup cron expression such as cron(0 5 ? * * *)`},
		// Regression: a copy kept for less than the lock's minimum made every
		// copy into the locked vault fail.
		{"vault lock min over copy", "prod", "database", set("backup.copyRetentionDays", 5),
			`database.backup.vaultLock.minRetentionDays: got 7; must be 1–5 (the plan's retention, 90 days, and the copy's, 5 days, are the floor)`},
		{"vault lock max", "prod", "database", set("backup.vaultLock.maxRetentionDays", 30),
			`database.backup.vaultLock.maxRetentionDays: got 30; must be at least the plan's retention (90 days) or backups would be rejected`},
		{"vault lock grace", "prod", "database", set("backup.vaultLock.changeableForDays", 1),
			`database.backup.vaultLock.changeableForDays: got 1; must be at least 3 days (AWS Backup's grace period before compliance mode)`},
		{"tls policy", "prod", "edge", set("tlsPolicy", "ELBSecurityPolicy-2016-08"),
			`edge.tlsPolicy: got "ELBSecurityPolicy-2016-08"; must be a TLS 1.2+ ELB security policy: ` + strings.Join(standards.TLSPolicies, ", ")},
		{"access log retention", "prod", "edge", set("accessLogRetentionDays", -5),
			`edge.accessLogRetentionDays: got -5; must be at least 1 day`},
		{"chart version", "prod", "coder", set("chartVersion", "latest"),
			`coder.chartVersion: got "latest"; must be a Helm chart version such as 2.35.1`},
		{"pg auth", "prod", "coder", set("pgAuth", "trust"),
			`coder.pgAuth: got "trust"; must be "awsiamrds" (IAM database authentication) or "password"`},
		{"coderd replicas", "prod", "coder", set("coderd", map[string]any{"replicas": 12, "cpu": "4", "memory": "12Gi"}),
			`coder.coderd.replicas: got 12; must be 1–10 (Coder's 10k-user validated architecture); beyond that scale each replica up`},
		{"coderd cpu", "prod", "coder", set("coderd", map[string]any{"replicas": 4, "cpu": "four", "memory": "12Gi"}),
			`coder.coderd.cpu: got "four"; must be a Kubernetes CPU quantity such as 4`},
		{"proxy memory", "workshop", "coder", set("proxy", map[string]any{"replicas": 2, "cpu": "1", "memory": "2GB"}),
			`coder.proxy.memory: got "2GB"; must be a Kubernetes memory quantity such as 12Gi`},
		{"oidc issuer", "prod", "coder", set("oidc.issuerUrl", "http://login.acme-corp.com"),
			`coder.oidc.issuerUrl: got "http://login.acme-corp.com"; must be the https issuer URL of the identity provider`},
		{"oidc client", "prod", "coder", set("oidc.clientId", " "),
			`coder.oidc.clientId: got " "; the OIDC client ID registered with the identity provider is required`},
		{"oidc email domain", "prod", "coder", set("oidc.emailDomains", []any{"acme corp"}),
			`coder.oidc.emailDomains[0]: got "acme corp"; must be an email domain such as example.com`},
		{"oidc scopes", "prod", "coder", set("oidc.scopes", []any{"profile", "email"}),
			`coder.oidc.scopes: got ["profile" "email"]; must include "openid"`},
		{"external auth id", "prod", "coder", set("externalAuth.0.id", "GitHub Enterprise"),
			`coder.externalAuth[0].id: got "GitHub Enterprise"; must be a lower-case ID such as github (letters, digits, -)`},
		{"external auth duplicate", "prod", "coder", set("externalAuth", []any{
			map[string]any{"id": "github", "type": "github", "clientId": "a"}, map[string]any{"id": "github", "type": "gitlab", "clientId": "b"}}),
			`coder.externalAuth[1].id: got "github"; is used twice; IDs must be unique`},
		{"external auth type", "prod", "coder", set("externalAuth.0.type", "svn"),
			`coder.externalAuth[0].type: got "svn"; must be one of azure-devops, azure-devops-entra, bitbucket-cloud, bitbucket-server, gitea, github, gitlab, jfrog, slack`},
		{"external auth client", "prod", "coder", set("externalAuth.0.clientId", ""),
			`coder.externalAuth[0].clientId: got nothing; the OAuth client ID of the Git provider app is required`},
		{"quiet hours form", "prod", "coder", set("quietHours.schedule", "0 2 * * *"),
			`coder.quietHours.schedule: got "0 2 * * *"; must be "CRON_TZ=<IANA zone> <minute> <hour> * * *", such as CRON_TZ=America/New_York 0 2 * * *`},
		{"quiet hours zone", "prod", "coder", set("quietHours.schedule", "CRON_TZ=Mars/Olympus 0 2 * * *"),
			`coder.quietHours.schedule: got "CRON_TZ=Mars/Olympus 0 2 * * *"; must be "CRON_TZ=<IANA zone> <minute> <hour> * * *", such as CRON_TZ=America/New_York 0 2 * * *`},
		{"quiet hours hour", "prod", "coder", set("quietHours.schedule", "CRON_TZ=UTC 0 25 * * *"),
			`coder.quietHours.schedule: got "CRON_TZ=UTC 0 25 * * *"; must be "CRON_TZ=<IANA zone> <minute> <hour> * * *", such as CRON_TZ=America/New_York 0 2 * * *`},
		{"provisioner replicas", "prod", "coder", set("provisioners.replicas", 0),
			`coder.provisioners.replicas: got 0; must be 1–1000`},
		{"provisioner min", "prod", "coder", set("provisioners.minReplicas", -2),
			`coder.provisioners.minReplicas: got -2; must be at least 1 (0 means: from the capacity arithmetic)`},
		{"provisioner max", "prod", "coder", set("provisioners.maxReplicas", 5000),
			`coder.provisioners.maxReplicas: got 5000; must be 1–1000 (0 means: from the capacity arithmetic)`},
		{"provisioner min over max", "workshop", "coder", set("provisioners.minReplicas", 20),
			`coder.provisioners.minReplicas: got 20; must not exceed coder.provisioners.maxReplicas (15)`},
		{"provisioner org name", "workshop", "coder", set("provisioners.organizations.1.name", "Demo Org"),
			`coder.provisioners.organizations[1].name: got "Demo Org"; must be a lower-case name (letters, digits, -), at most 31 characters`},
		{"provisioner org twice", "workshop", "coder", set("provisioners.organizations.1.name", "default"),
			`coder.provisioners.organizations[1].name: got "default"; is used twice; each organization gets one release and one key`},
		{"provisioner org replicas", "workshop", "coder", set("provisioners.organizations.1.replicas", -1),
			`coder.provisioners.organizations[1].replicas: got -1; must be 0–1000 (0 means: the default for its position)`},
		{"provisioner tag", "workshop", "coder", set("provisioners.organizations.1.tags", map[string]any{"arch": "x86 64"}),
			`coder.provisioners.organizations[1].tags.arch: got "x86 64"; tag keys and values must be 1–64 letters, digits, '.', '_' or '-'`},
		{"provisioner region tag", "workshop", "coder", set("provisioners.organizations.1.tags", map[string]any{"region": "us-east-2"}),
			`coder.provisioners.organizations[1].tags.region: got "us-east-2"; is set by the platform on every key to the key's own region, which routes builds; remove it`},
		{"provisioner cache", "prod", "coder", set("provisioners.cacheGiB", 5000),
			`coder.provisioners.cacheGiB: got 5000; must be 1–1000 GiB`},
		{"provisioner grace", "prod", "coder", set("provisioners.terminationGracePeriodSeconds", 30),
			`coder.provisioners.terminationGracePeriodSeconds: got 30; must be at least 600 so a scale-down lets a running build finish`},
		{"ai gateway replicas", "workshop", "coder", set("aiGateway.replicas", 500),
			`coder.aiGateway.replicas: got 500; must be 1–100 (0 means: from the workshop table)`},
		{"ai gateway models", "workshop", "coder", set("aiGateway.models", []any{}),
			`coder.aiGateway.models: got nothing; list the Amazon Bedrock model IDs the gateway serves`},
		{"ai gateway model id", "workshop", "coder", set("aiGateway.models", []any{"Claude Sonnet"}),
			`coder.aiGateway.models[0]: got "Claude Sonnet"; must be an Amazon Bedrock model or inference-profile ID such as us.anthropic.claude-sonnet-4-20250514-v1:0`},
		{"ai gateway image latest", "workshop", "coder", set("aiGateway.image", "ghcr.io/berriai/litellm:latest"),
			`coder.aiGateway.image: got "ghcr.io/berriai/litellm:latest"; must be an image pinned to a tag, such as ghcr.io/berriai/litellm:v1.72.6-stable`},
		{"ai gateway cpu", "workshop", "coder", set("aiGateway.cpu", "2 cores"),
			`coder.aiGateway.cpu: got "2 cores"; must be a Kubernetes CPU quantity such as 2`},
		{"ai gateway memory", "workshop", "coder", set("aiGateway.memory", "lots"),
			`coder.aiGateway.memory: got "lots"; must be a Kubernetes memory quantity such as 4Gi`},
		// One version per stack: a region cannot pin its own.
		{"per-region version", "workshop", "regions", set("1.version", "v2.34.0"),
			`regions[1].version: got "set"; unknown key; allowed keys here: accessUrl, availabilityZones, name, role, share, transitGateway, vpcCidr`},
		{"duplicate region", "workshop", "regions", set("1.name", "us-east-2"),
			`regions[1].name: got "us-east-2"; duplicates regions[0]; one entry per region`},
		{"log retention", "prod", "observability", set("logRetentionDays", 45),
			`observability.logRetentionDays: got 45; must be ` + logRetentionAllowed},
		{"trail retention", "prod", "observability", set("cloudTrail.retentionDays", 30),
			`observability.cloudTrail.retentionDays: got 30; must be 90–3653 days: the audit trail outlives an investigation`},
		{"notification protocol", "prod", "observability", set("notifications.0.protocol", "slack"),
			`observability.notifications[0].protocol: got "slack"; must be one of email, https, sqs, lambda, sms`},
		{"notification email", "prod", "observability", set("notifications.0.endpoint", "oncall at acme"),
			`observability.notifications[0].endpoint: got "oncall at acme"; must be an email address such as oncall@example.com`},
		{"notification webhook http", "prod", "observability", set("notifications.1.endpoint", "http://hooks.example.com/x"),
			`observability.notifications[1].endpoint: got "http://hooks.example.com/x"; must be an https URL such as https://example.com/runbooks.md, without #fragment or credentials`},
		{"runbook url with fragment", "prod", "observability", set("runbookUrl", "https://wiki.example.com/runbooks#top"),
			`observability.runbookUrl: got "https://wiki.example.com/runbooks#top"; must be an https URL such as https://example.com/runbooks.md, without #fragment or credentials`},
		{"cpu threshold", "workshop", "observability", set("thresholds.nodeCpuPercent", 120),
			`observability.thresholds.nodeCpuPercent: got 120; must be a percentage between 0 and 100 (exclusive)`},
		{"ephemeral levels", "workshop", "observability", set("thresholds.ephemeralStoragePercent", []any{90, 70}),
			`observability.thresholds.ephemeralStoragePercent: got [90 70]; must be three rising percentages below 100: warning, high and critical (the spec's 70, 85, 95)`},
		{"p99 below p95", "workshop", "observability", set("thresholds.apiLatencyP99Ms", 300),
			`observability.thresholds.apiLatencyP99Ms: got 300; must be at least apiLatencyP95Ms (500)`},
		{"credential expiry past rotation", "workshop", "observability", set("thresholds.credentialExpiryDays", 95),
			`observability.thresholds.credentialExpiryDays: got 95; must be between 1 and 60`},
		{"licence alarms out of order", "workshop", "observability", set("thresholds.licenseExpiryCriticalDays", 30),
			`observability.thresholds.licenseExpiryCriticalDays: got 30; must be less than licenseExpiryDays (30): the critical alarm follows the warning`},
		{"scaling lag", "workshop", "observability", set("thresholds.scalingLagMinutes", 500),
			`observability.thresholds.scalingLagMinutes: got 500; must be between 1 and 120`},
		{"scaling lag not whole", "workshop", "observability", set("thresholds.scalingLagMinutes", 2.5),
			`observability.thresholds.scalingLagMinutes: got 2.5; must be a whole number between 1 and 120: it is the rule's for: duration`},
		{"build SLO of 100 % leaves no error budget", "workshop", "observability", set("thresholds.buildSuccessPercent", 100),
			`observability.thresholds.buildSuccessPercent: got 100; must be a percentage between 90 and 100 (exclusive)`},
		{"pod start threshold", "workshop", "observability", set("thresholds.podStartP95Seconds", 5),
			`observability.thresholds.podStartP95Seconds: got 5; must be between 10 and 3600`},
		{"EC2 start threshold", "workshop", "observability", set("thresholds.ec2StartP95Seconds", 7200),
			`observability.thresholds.ec2StartP95Seconds: got 7200; must be between 10 and 3600`},
		{"unknown composition", "prod", "templates", set("compositions", []any{"pod-swdev", "gpu-farm"}),
			`templates.compositions[1]: got "gpu-farm"; must be a composition in templates/compositions: ec2-datasci-gpu, ec2-datasci, ec2-windev-gui, pod-swdev`},
		{"organization without provisioners", "prod", "templates", set("organization", "research"),
			`templates.organization: got "research"; must be one of coder.provisioners.organizations, whose provisioners build its templates`},
		{"groups of an undelivered template", "workshop", "templates", set("groups.ec2-datasci", []any{"data-scientists"}),
			`templates.groups.ec2-datasci: got "ec2-datasci"; must name a delivered composition: pod-swdev`},
		{"template without groups", "workshop", "templates", set("groups.pod-swdev", []any{}),
			`templates.groups.pod-swdev: got "[]"; must list at least one group; templates are private and granted to groups only`},
		{"group name", "workshop", "templates", set("groups.pod-swdev", []any{"workshop participants"}),
			`templates.groups.pod-swdev[0]: got "workshop participants"; must be a Coder group name (letters, digits, . _ -)`},
		{"schedule day", "workshop", "templates", set("schedule.days", []any{"mon"}),
			`templates.schedule.days[0]: got "mon"; must be a weekday name in lower case, such as monday`},
		{"schedule stops before it starts", "workshop", "templates", set("schedule.autostop", "06:00"),
			`templates.compositions[0]: got "pod-swdev"; must compose: compose pod-swdev: settings.schedule: autostop 06:00 must be after autostart 08:00`},
		{"pod images without a repository", "prod", "templates", set("imageRepository", nil),
			`templates.imageRepository: got nothing; is required for pod-swdev (base base-k8s runs the hardened workspace images tagged by image id)`},
		{"pod images in another region's registry", "prod", "templates", set("imageRepository", "111122223333.dkr.ecr.us-west-2.amazonaws.com/coder/workspace"),
			`templates.imageRepository: got "111122223333.dkr.ecr.us-west-2.amazonaws.com/coder/workspace"; must be in the control plane's region (us-east-1): with images.ecr on, the program creates the repository there and replicates it to every other region`},
		{"pod images repository with a tag", "prod", "templates", set("imageRepository", "111122223333.dkr.ecr.us-east-1.amazonaws.com/coder/workspace:latest"),
			`templates.imageRepository: got "111122223333.dkr.ecr.us-east-1.amazonaws.com/coder/workspace:latest"; must be a repository without a tag or digest, such as 111122223333.dkr.ecr.us-east-1.amazonaws.com/coder/workspace`},
		{"quiet hours after the templates stop", "prod", "coder", set("quietHours.schedule", "CRON_TZ=America/New_York 0 2 * * *"),
			`coder.quietHours.schedule: got "CRON_TZ=America/New_York 0 2 * * *"; must begin when template pod-swdev stops workspaces (18:00 America/New_York): CRON_TZ=America/New_York 0 18 * * *`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mutate(t, c.stack, c.key, c.edit)
			assert.Contains(t, got, c.want)
		})
	}
}

// A proxy with no control plane in the stack is named on its role.
// The stack name is part of every physical name.
func TestStackNameFitsAWSNames(t *testing.T) {
	src := readStack(t, "prod").Source()
	for name, want := range map[string]string{
		"Prod":          `(stack name): got "Prod"; must be lowercase letters, digits and single hyphens, starting with a letter, at most 47 characters`,
		"prod.eu":       `(stack name): got "prod.eu"; must be lowercase letters`,
		"prod--2":       `(stack name): got "prod--2"; must be lowercase letters`,
		"engineering-1": `regions[0].name: got "us-east-1"; with stack "engineering-1", the network load balancer and its target group name "coder-engineering-1-us-east-1" would be 37 characters; Elastic Load Balancing allows 32 characters: use a stack name at most 8 characters long`,
	} {
		_, err := Load(project, name, src)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), want, name)
	}
	_, err := Load(project, "prod-2", src)
	require.NoError(t, err, "a short lowercase name fits")
}

func TestProxyWithoutControlPlane(t *testing.T) {
	got := mutate(t, "workshop", "regions", func(v any) any {
		regions := v.([]any)
		return regions[1:] // drop the control plane
	})
	assert.Contains(t, got, `regions[0].role: got "proxy"; a proxy region needs a region with role "control-plane" in the same stack to register with`)
	assert.Contains(t, got, `regions[1].role: got "proxy"; a proxy region needs a region with role "control-plane" in the same stack to register with`)
}

// Every problem is reported in one pass.
func TestAllProblemsAtOnce(t *testing.T) {
	sf := readStack(t, "prod")
	var coder map[string]any
	require.NoError(t, json.Unmarshal([]byte(sf.Values["coder"]), &coder))
	coder["version"], coder["accessUrl"] = "latest", "http://x"
	b, err := json.Marshal(coder)
	require.NoError(t, err)
	sf.Values["coder"] = string(b)
	sf.Values["dns"] = `{"baseDomain":"-bad-"}`
	_, err = Load(project, "prod", sf.Source())
	require.Error(t, err)
	ve := err.(*ValidationError)
	assert.Len(t, ve.Problems, 3, err.Error())
	assert.True(t, strings.HasPrefix(err.Error(), `stack "prod" config is invalid (3 problem(s)); nothing was created:`))
}

func TestPreflightMode(t *testing.T) {
	sf := readStack(t, "prod")
	cfg, err := Load("coder-platform", "prod", sf.Source())
	require.NoError(t, err)
	assert.Equal(t, PreflightBlock, cfg.Preflight, "a shortfall stops `pulumi up` unless the stack says otherwise")
	sf.Values["preflight"] = "skip"
	_, err = Load("coder-platform", "prod", sf.Source())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `preflight: got "skip"; must be "block" (a quota shortfall stops `+"`pulumi up`"+`) or "warn" (it is reported and the update goes on)`)
}

func TestUnknownTopLevelKey(t *testing.T) {
	got := mutate(t, "prod", "clusters", set("", `{}`))
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0], `clusters: got "set"; unknown key; allowed keys: `), got[0])
}

func TestSecureValueForPlainKeyIsRejected(t *testing.T) {
	sf := readStack(t, "prod")
	sf.Secrets["dns"] = true
	_, err := Load(project, "prod", sf.Source())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `dns: got [secret]; is not a secret setting; set it with pulumi config set (without --secret)`)
}

func TestCloudflareTokenSources(t *testing.T) {
	// Both the secret config key and a Secrets Manager ID: one source only.
	sf := readStack(t, "workshop")
	sf.Values["cloudflareApiToken"] = "[secret]"
	sf.Secrets["cloudflareApiToken"] = true
	_, err := Load(project, "workshop", sf.Source())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `dns.cloudflare.apiTokenSecretId: got "coder/workshop/cloudflare-api-token"; must be empty when the secret config key cloudflareApiToken is set; use one token source`)

	// The secret config key alone is accepted and is never rendered.
	sf.Values["dns"] = `{"provider":"cloudflare","baseDomain":"coder-workshop.dev","cloudflare":{"zoneId":"3f2a9c1e5b7d4a60c8e1f2a3b4c5d6e7"}}`
	s, err := Load(project, "workshop", sf.Source())
	require.NoError(t, err)
	assert.Equal(t, SecretReadable, s.Secret(SecretCloudflareToken))

	// Given in plain text it is rejected, without echoing it.
	sf.Values["cloudflareApiToken"] = "plain-token-value"
	sf.Secrets["cloudflareApiToken"] = false
	_, err = Load(project, "workshop", sf.Source())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cloudflareApiToken: got [secret]; must be set as a secret: pulumi config set --secret cloudflareApiToken ...")
	assert.NotContains(t, err.Error(), "plain-token-value")

	// With Route 53 the token has no place.
	sf = readStack(t, "prod")
	sf.Values["cloudflareApiToken"] = "[secret]"
	sf.Secrets["cloudflareApiToken"] = true
	_, err = Load(project, "prod", sf.Source())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cloudflareApiToken: got [secret]; is only used with dns.provider cloudflare: one DNS provider per stack")
}

func TestDatabaseDefaultsFollowGuidance(t *testing.T) {
	s, err := Load(project, "prod", readStack(t, "prod").Source())
	require.NoError(t, err)
	assert.Equal(t, 64.0, *s.Database.MaxACU, "Coder 3k: 120 GB → 60 ACU → 64")
	assert.Equal(t, 1.0, *s.Database.MinACU)
	assert.Equal(t, 163, s.DatabaseSizing().ConnectionsNeeded)
	w, err := Load(project, "workshop", readStack(t, "workshop").Source())
	require.NoError(t, err)
	assert.Equal(t, 4.0, *w.Database.MaxACU)
}

// Pulumi.yaml declares every plain key the program reads, with its type and
// a description; the optional secret keys stay undeclared.
func TestPulumiYamlDeclaresEveryKey(t *testing.T) {
	data, err := os.ReadFile(repoFile(t, "Pulumi.yaml"))
	require.NoError(t, err)
	var project struct {
		Config map[string]struct {
			Type        string `json:"type"`
			Secret      bool   `json:"secret"`
			Description string `json:"description"`
		} `json:"config"`
	}
	require.NoError(t, yaml.Unmarshal(data, &project))
	plain, secret := TopLevelKeys()
	var declared []string
	for k, v := range project.Config {
		declared = append(declared, k)
		assert.NotEmpty(t, v.Type, k)
		assert.NotEmpty(t, v.Description, k)
		// Regression: the CLI requires every declared key that has no
		// default, and refuses a (plain) default for a secret key, so a
		// declared optional secret made every stack without it fail
		// ("Stack 'prod' is missing configuration values ...").
		assert.NotContains(t, secret, k, "optional secret keys must not be declared")
	}
	want := slices.Clone(plain)
	sort.Strings(want)
	sort.Strings(declared)
	assert.Equal(t, want, declared)
}

// proxySessionTokens is checked for shape and coverage, and never echoed.
func TestProxyTokenValidation(t *testing.T) {
	load := func(raw string) (*Plan, []string) {
		sf := readStack(t, "workshop")
		sf.Values[SecretProxyTokens] = raw
		sf.Secrets[SecretProxyTokens] = true
		s, err := Load(project, "workshop", sf.Source())
		if err == nil {
			return s, nil
		}
		var out []string
		for _, p := range err.(*ValidationError).Problems {
			out = append(out, p.String())
		}
		return nil, out
	}
	s, probs := load(`{"us-west-2": "tok-oregon"}`)
	require.Empty(t, probs)
	assert.Equal(t, map[string]bool{"us-west-2": true}, s.ProxyTokenRegions(), "eu-west-2 reads Secrets Manager")

	_, probs = load(`not json tok-secret`)
	assert.Equal(t, []string{`proxySessionTokens: got [secret]; must be a JSON object of proxy region to session token, such as {"us-west-2": "..."}`}, probs)
	_, probs = load(`{"us-east-2": "tok-a", "us-west-2": "", "eu-west-2": "tok-a2"}`)
	assert.Equal(t, []string{
		`proxySessionTokens.us-east-2: got [secret]; names no proxy region of this stack; proxy regions: us-west-2, eu-west-2`,
		`proxySessionTokens.us-west-2: got [secret]; is empty; paste the token coder wsproxy create printed`,
	}, probs)
	_, probs = load(`{"us-west-2": "tok-same", "eu-west-2": "tok-same"}`)
	assert.Equal(t, []string{`proxySessionTokens.us-west-2: got [secret]; is the token of eu-west-2 too; every proxy needs its own token`}, probs)
	for _, p := range probs {
		assert.NotContains(t, p, "tok-")
	}
}

// A secure: value read without the secrets provider is sealed: present,
// unreadable, and it covers every proxy region (the offline preview).
func TestSealedProxyTokensCoverEveryProxy(t *testing.T) {
	data := []byte("config:\n  coder-platform:proxySessionTokens:\n    secure: v1:abc\n")
	sealed, err := ParseStackFile(data, project)
	require.NoError(t, err)
	sf := readStack(t, "workshop")
	sf.Values[SecretProxyTokens] = sealed.Values[SecretProxyTokens]
	sf.Secrets[SecretProxyTokens] = sealed.Secrets[SecretProxyTokens]
	sf.Sealed = sealed.Sealed
	s, err := Load(project, "workshop", sf.Source())
	require.NoError(t, err)
	assert.Equal(t, SecretSealed, s.Secret(SecretProxyTokens))
	assert.Equal(t, map[string]bool{"us-west-2": true, "eu-west-2": true}, s.ProxyTokenRegions())
	assert.Equal(t, SecretAbsent, s.Secret(SecretCloudflareToken))
}
