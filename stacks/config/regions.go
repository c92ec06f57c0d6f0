package config

import (
	"sort"
	"strings"
)

// regionAZs lists the commercial AWS regions and the AZ letters they
// publish. AZ names map to zones per account, so this checks that a name can
// exist in the region; `aws ec2 describe-availability-zones` is the live check.
var regionAZs = map[string]string{
	"us-east-1": "abcdef", "us-east-2": "abc", "us-west-1": "abc", "us-west-2": "abcd",
	"ca-central-1": "abd", "ca-west-1": "abc", "mx-central-1": "abc", "sa-east-1": "abc",
	"eu-west-1": "abc", "eu-west-2": "abc", "eu-west-3": "abc", "eu-central-1": "abc",
	"eu-central-2": "abc", "eu-north-1": "abc", "eu-south-1": "abc", "eu-south-2": "abc",
	"ap-south-1": "abc", "ap-south-2": "abc", "ap-southeast-1": "abc", "ap-southeast-2": "abc",
	"ap-southeast-3": "abc", "ap-southeast-4": "abc", "ap-southeast-5": "abc", "ap-southeast-7": "abc",
	"ap-northeast-1": "acd", "ap-northeast-2": "abcd", "ap-northeast-3": "abc", "ap-east-1": "abc",
	"me-south-1": "abc", "me-central-1": "abc", "il-central-1": "abc", "af-south-1": "abc",
}

// KnownRegion reports whether name is a commercial AWS region.
func KnownRegion(name string) bool { _, ok := regionAZs[name]; return ok }

// regionList is the sorted region names, for error messages.
func regionList() string {
	out := make([]string, 0, len(regionAZs))
	for r := range regionAZs {
		out = append(out, r)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// azInRegion reports whether az names a zone of region.
func azInRegion(az, region string) bool {
	letters, ok := regionAZs[region]
	if !ok || len(az) != len(region)+1 || !strings.HasPrefix(az, region) {
		return false
	}
	return strings.ContainsRune(letters, rune(az[len(az)-1]))
}

// regionAZNames lists the AZ names of a region.
func regionAZNames(region string) []string {
	var out []string
	for _, l := range regionAZs[region] {
		out = append(out, region+string(l))
	}
	return out
}
