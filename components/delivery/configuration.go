package delivery

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platformeng/coder-platform/components/tokens"
)

// ConfigurationArgs is the Day-2 configuration a stack declares in coderd:
// its licence, its owners, and its groups with their quota allowances.
type ConfigurationArgs struct {
	// Owners are the people allowed the owner role (coder.identity.owners),
	// besides the automation account whose token the Job uses.
	Owners []string
	// Groups are created when missing and held at their allowance.
	Groups []Group
	// SuspendInactiveDays suspends accounts not seen for this many days
	// (0 = never); owners and the automation account are never suspended.
	SuspendInactiveDays int
	// GroupSync is written into the organization's IdP sync settings;
	// nil leaves them alone.
	GroupSync *GroupSync
	// LicenseSecret is the Kubernetes secret (key "license") with the
	// licence JWT; "" for an unlicensed stack.
	LicenseSecret string
	// LicenseVersion is the licence secret's current Secrets Manager
	// version: a renewed licence changes it, and the Job runs again.
	LicenseVersion string
	// Schedule re-applies the configuration (cron, UTC): a renewed licence
	// or an owner granted by hand is seen within a day.
	Schedule string
	Runner
}

// Group is one Coder group; Everyone (every member of the organization)
// carries the members' quota.
type Group struct {
	Organization, Name string
	QuotaAllowance     int
}

// GroupSync is an organization's group sync from the IdP claim Field:
// Mapping renames IdP groups to Coder groups, RegexFilter drops the rest,
// AutoCreate creates a group at its first member's sign-in.
type GroupSync struct {
	Organization, Field, RegexFilter string
	AutoCreate                       bool
	Mapping                          map[string]string
}

// Everyone is the name of each organization's all-members group.
const Everyone = "Everyone"

// Configuration is the Day-2 configuration of coderd.
type Configuration struct {
	pulumi.ResourceState

	JobName pulumi.StringOutput `pulumi:"jobName"`
}

// NewConfiguration runs configure.sh once per change, and on Schedule.
func NewConfiguration(ctx *pulumi.Context, name string, args *ConfigurationArgs, opts ...pulumi.ResourceOption) (*Configuration, error) {
	c := &Configuration{}
	groups := pulumi.Array{}
	for _, g := range args.Groups {
		groups = append(groups, pulumi.Map{"organization": pulumi.String(g.Organization), "name": pulumi.String(g.Name),
			"quotaAllowance": pulumi.Int(g.QuotaAllowance)})
	}
	if err := ctx.RegisterComponentResourceV2(tokens.Configuration, name, pulumi.Map{
		"owners": pulumi.ToStringArray(args.Owners), "groups": groups, "licensed": pulumi.Bool(args.LicenseSecret != ""),
		"licensedFeatures": pulumi.ToStringArray(args.LicensedFeatures), "schedule": pulumi.String(args.Schedule),
		"suspendInactiveDays": pulumi.Int(args.SuspendInactiveDays),
	}, c, opts...); err != nil {
		return nil, err
	}
	spec := jobSpec{container: "configure", script: ConfigureScript(), env: ConfigureEnv(args)}
	if args.LicenseSecret != "" {
		spec.secretEnv = append(spec.secretEnv, secretEnv("CODER_LICENSE", args.LicenseSecret, "license", false))
	}
	spec.meta = &metav1.ObjectMetaArgs{Namespace: pulumi.String(args.Namespace),
		Labels: pulumi.StringMap{"app.kubernetes.io/name": pulumi.String("coder-configuration")}}
	once := spec
	once.name = name + "-configure"
	once.podAnnotations = map[string]string{"coder.com/license-version": args.LicenseVersion}
	job, err := args.Runner.job(ctx, once, args.Runner.opts(c)...)
	if err != nil {
		return nil, fmt.Errorf("configuration %s: %w", name, err)
	}
	daily := spec
	daily.name = name + "-reconfigure"
	if _, err := args.Runner.cronJob(ctx, daily, args.Schedule, args.Runner.opts(c, job)...); err != nil {
		return nil, fmt.Errorf("configuration %s: %w", name, err)
	}
	c.JobName = job.Metadata.Name().Elem()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"jobName": c.JobName}); err != nil {
		return nil, err
	}
	return c, nil
}

// ConfigureEnv is the Job's own plain environment.
func ConfigureEnv(args *ConfigurationArgs) [][2]string {
	lines := make([]string, 0, len(args.Groups))
	for _, g := range args.Groups {
		lines = append(lines, fmt.Sprintf("%s %s %d", g.Organization, g.Name, g.QuotaAllowance))
	}
	env := [][2]string{{"OWNERS", strings.Join(args.Owners, ",")}, {"DAY2_GROUPS", strings.Join(lines, "\n")},
		{"SUSPEND_INACTIVE_DAYS", fmt.Sprint(args.SuspendInactiveDays)}}
	if g := args.GroupSync; g != nil {
		var mapping []string
		for _, idp := range slices.Sorted(maps.Keys(g.Mapping)) {
			mapping = append(mapping, idp+"\t"+g.Mapping[idp])
		}
		env = append(env, [2]string{"DAY2_ORGANIZATION", g.Organization}, [2]string{"DAY2_GROUP_SYNC_FIELD", g.Field},
			[2]string{"DAY2_GROUP_SYNC_REGEX", g.RegexFilter}, [2]string{"DAY2_GROUP_SYNC_AUTO_CREATE", fmt.Sprint(g.AutoCreate)},
			[2]string{"DAY2_GROUP_SYNC_MAPPING", strings.Join(mapping, "\n")})
	}
	return env
}
