package observability

import (
	"embed"
	"io/fs"
	"sort"
)

// dashboardFS holds the Grafana dashboards, one JSON model a file. Each
// query names only metrics of thresholds.Exported or recordings of
// thresholds.Recordings (dashboards_test.go checks every one), coderd's
// panels read CoderdDatasource and the per-region panels repeat over
// RegionVariable.
//
//go:embed dashboards/*.json
var dashboardFS embed.FS

// DashboardFile is one dashboard: its file name and JSON model.
type DashboardFile struct {
	Name string
	JSON []byte
}

// DashboardFiles are the dashboards, by file name.
func DashboardFiles() ([]DashboardFile, error) {
	names, err := fs.Glob(dashboardFS, "dashboards/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]DashboardFile, 0, len(names))
	for _, n := range names {
		b, err := dashboardFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, DashboardFile{Name: n, JSON: b})
	}
	return out, nil
}
