package report

import (
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/platformeng/coder-platform/internal/preview"
)

// helmRelease is the type token of a Helm release.
const helmRelease = "kubernetes:helm.sh/v3:Release"

// Release is one Helm release with its values as registered, masked.
type Release struct {
	Name, Namespace, Chart, Version, Repo, Region string
	Values                                        string
}

func releases(r *preview.Result) ([]Release, error) {
	var out []Release
	for _, rel := range r.OfType(helmRelease) {
		x := Release{Name: str(rel, "name"), Namespace: str(rel, "namespace"), Chart: str(rel, "chart"),
			Version: str(rel, "version"), Repo: str(rel, "repositoryOpts.repo"), Region: r.RegionOf(rel)}
		if v, ok := rel.Input("values"); ok {
			data, err := yaml.Marshal(Mask(preview.PlainValue(v)))
			if err != nil {
				return nil, fmt.Errorf("values of Helm release %s: %w", rel.Name, err)
			}
			x.Values = strings.TrimRight(string(data), "\n")
		}
		out = append(out, x)
	}
	return out, nil
}
