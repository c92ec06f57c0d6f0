package deploy

import (
	"encoding/json"
	"strings"
)

// ReleaseVersions reads a stack's exported deployment (its state) and
// returns, per region, the distinct versions of the Coder Helm releases
// (the coder and coder-provisioner charts, whose versions follow Coder's)
// in that region's component.
func ReleaseVersions(deployment []byte) (map[string][]string, error) {
	var d struct {
		Resources []struct {
			URN    string         `json:"urn"`
			Type   string         `json:"type"`
			Parent string         `json:"parent"`
			Inputs map[string]any `json:"inputs"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(deployment, &d); err != nil {
		return nil, err
	}
	parent := map[string]string{}
	for _, r := range d.Resources {
		parent[r.URN] = r.Parent
	}
	seen := map[string]bool{}
	out := map[string][]string{}
	for _, r := range d.Resources {
		chart, _ := r.Inputs["chart"].(string)
		version, _ := r.Inputs["version"].(string)
		if r.Type != "kubernetes:helm.sh/v3:Release" || (chart != "coder" && chart != "coder-provisioner") || version == "" {
			continue
		}
		for p := r.Parent; p != ""; p = parent[p] {
			if _, region, ok := strings.Cut(p, "::"+RegionType+"::"); ok {
				v := "v" + strings.TrimPrefix(version, "v")
				if !seen[region+v] {
					seen[region+v] = true
					out[region] = append(out[region], v)
				}
				break
			}
		}
	}
	return out, nil
}

// DeployedVersion is the Coder version the control plane runs according to
// the state: "" when the stack has no coderd release yet (a first deploy,
// or coderd still held back for its secrets).
func DeployedVersion(deployment []byte, controlPlane string) (string, error) {
	versions, err := ReleaseVersions(deployment)
	if err != nil {
		return "", err
	}
	if v := versions[controlPlane]; len(v) > 0 {
		return v[0], nil
	}
	return "", nil
}
