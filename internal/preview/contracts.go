package preview

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Component contracts: pulumi-eks is a remote component written in
// TypeScript, and the mock answers it without running its input checks. The
// checks below are those of pulumi-eks v3.9.1 (nodejs/eks) that this
// program's inputs can reach, with the component's own messages, so the
// offline preview rejects what the component would reject at `pulumi up`.

const tEKSCluster = "eks:index:Cluster"

// contract checks one registration's inputs.
type contract func(in resource.PropertyMap) error

var contracts = map[string][]contract{
	tEKSCluster: {eksPublicAccessCidrs, eksAuthenticationMode, eksAPIModeMappings, eksAccessEntriesNeedAPI,
		eksInstanceRoles, eksSubnets, eksDefaultNodeGroupSecurityGroup},
}

// checkContracts runs the contracts of res's type.
func checkContracts(res *Resource) error {
	for _, c := range contracts[res.Type] {
		if err := c(res.Inputs); err != nil {
			return fmt.Errorf("%s %s: %w", res.Type, res.Name, err)
		}
	}
	return nil
}

// set reports whether an input was sent at all: JavaScript truthiness of a
// non-null value, so an empty list or map counts.
func set(in resource.PropertyMap, k string) bool {
	v, ok := in[resource.PropertyKey(k)]
	return ok && !v.IsNull()
}

func boolOr(in resource.PropertyMap, k string, def bool) bool {
	v, ok := in[resource.PropertyKey(k)]
	if !ok || !v.IsBool() {
		return def
	}
	return v.BoolValue()
}

func nonEmpty(in resource.PropertyMap, k string) bool {
	v, ok := in[resource.PropertyKey(k)]
	switch {
	case !ok || v.IsNull():
		return false
	case v.IsArray():
		return len(v.ArrayValue()) > 0
	case v.IsObject():
		return len(v.ObjectValue()) > 0
	}
	return true
}

func authMode(in resource.PropertyMap) string {
	if v, ok := in["authenticationMode"]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

// cluster/cluster.ts:702-714: any non-null publicAccessCidrs, [] included,
// while endpointPublicAccess (default true) is false.
func eksPublicAccessCidrs(in resource.PropertyMap) error {
	if set(in, "publicAccessCidrs") && !boolOr(in, "endpointPublicAccess", true) {
		return fmt.Errorf("`publicAccessCidrs` can only be set when `endpointPublicAccess` is true")
	}
	return nil
}

// cluster/authenticationMode.ts:27-36.
func eksAuthenticationMode(in resource.PropertyMap) error {
	switch m := authMode(in); m {
	case "", "CONFIG_MAP", "API_AND_CONFIG_MAP", "API":
		return nil
	default:
		return fmt.Errorf("Invalid value for authenticationMode: %s. Allowed values are: CONFIG_MAP, API_AND_CONFIG_MAP, API.", m)
	}
}

// cluster/authenticationMode.ts:38-52.
func eksAPIModeMappings(in resource.PropertyMap) error {
	if authMode(in) != "API" {
		return nil
	}
	for _, prop := range []string{"roleMappings", "userMappings", "instanceRoles"} {
		if nonEmpty(in, prop) {
			return fmt.Errorf("The '%s' property does not support non-empty values when 'authenticationMode' is set to 'API'.", prop)
		}
	}
	return nil
}

// cluster/authenticationMode.ts:54-67.
func eksAccessEntriesNeedAPI(in resource.PropertyMap) error {
	if !set(in, "accessEntries") {
		return nil
	}
	switch m := authMode(in); m {
	case "API", "API_AND_CONFIG_MAP":
		return nil
	case "":
		return fmt.Errorf("The 'accessEntries' property is not supported when 'authenticationMode' is not set.")
	default:
		return fmt.Errorf("The 'accessEntries' property is not supported when 'authenticationMode' is set to '%s'.", m)
	}
}

// cluster/cluster.ts:424-428.
func eksInstanceRoles(in resource.PropertyMap) error {
	if set(in, "instanceRole") && set(in, "instanceRoles") {
		return fmt.Errorf("instanceRole and instanceRoles are mutually exclusive, and cannot both be set.")
	}
	return nil
}

// cluster/cluster.ts:430-434.
func eksSubnets(in resource.PropertyMap) error {
	if set(in, "subnetIds") && (set(in, "publicSubnetIds") || set(in, "privateSubnetIds")) {
		return fmt.Errorf("subnetIds, and the use of publicSubnetIds and/or privateSubnetIds are mutually exclusive. Choose a single approach.")
	}
	return nil
}

// cluster/cluster.ts:2099-2105: the default node group needs the cluster
// security group the component skips with skipDefaultSecurityGroups.
func eksDefaultNodeGroupSecurityGroup(in resource.PropertyMap) error {
	if !boolOr(in, "skipDefaultNodeGroup", false) && boolOr(in, "skipDefaultSecurityGroups", false) && !set(in, "clusterSecurityGroup") {
		return fmt.Errorf("clusterSecurityGroup is required when creating the default node group.")
	}
	return nil
}

// accessEntryKey names an EKS access entry: one per cluster and principal.
func accessEntryKey(cluster, principal string) string { return cluster + "|" + principal }

// creatorRole turns the caller identity the mocks answer with (an STS
// assumed-role ARN) into the IAM role ARN EKS gives the creator's entry.
func creatorRole(callerArn string) string {
	// arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION → arn:aws:iam::ACCOUNT:role/NAME
	parts := strings.SplitN(callerArn, ":", 6)
	if len(parts) < 6 || parts[2] != "sts" || !strings.HasPrefix(parts[5], "assumed-role/") {
		return callerArn
	}
	name := strings.Split(strings.TrimPrefix(parts[5], "assumed-role/"), "/")[0]
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", parts[4], name)
}
