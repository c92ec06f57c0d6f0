package observability_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/observability"
	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// dashboard is the part of a Grafana dashboard model the tests read.
type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name, Type, Query string
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title      string `json:"title"`
	Type       string `json:"type"`
	Repeat     string `json:"repeat"`
	Datasource *struct {
		Type, UID string
	} `json:"datasource"`
	Targets []struct {
		Expr       string `json:"expr"`
		Datasource *struct {
			Type, UID string
		} `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

func loadDashboards(t *testing.T) map[string]dashboard {
	t.Helper()
	files, err := observability.DashboardFiles()
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string]dashboard{}
	for _, f := range files {
		var d dashboard
		require.NoError(t, json.Unmarshal(f.JSON, &d), f.Name)
		out[f.Name] = d
	}
	return out
}

func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// Every query of every dashboard names only metrics the pinned versions
// export (thresholds.Exported, each with its source file) or recordings
// the platform defines, with labels those series have.
func TestDashboardQueriesNameExportedMetrics(t *testing.T) {
	t.Parallel()
	queries := 0
	for name, d := range loadDashboards(t) {
		for _, p := range allPanels(d.Panels) {
			for _, q := range p.Targets {
				queries++
				for _, problem := range queryProblems(q.Expr) {
					t.Errorf("%s, panel %q: %s", name, p.Title, problem)
				}
			}
		}
	}
	assert.Greater(t, queries, 20)
}

// The check catches a made-up metric, a label the metric lacks and a value
// a label never takes: it is not a check that passes anything.
func TestQueryCheckRejectsMadeUpNames(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string]string{
		`sum(rate(coderd_workspace_builds_failed_total[5m]))`:                                     "coderd_workspace_builds_failed_total is not a metric",
		`histogram_quantile(0.95, sum by (le) (rate(coderd_api_request_latencies_seconds[5m])))`:  "coderd_api_request_latencies_seconds is not a metric", // a histogram without its suffix
		`sum by (region) (coderd_provisionerd_num_daemons)`:                                       "groups by region",
		`coderd_provisionerd_workspace_build_timings_seconds_count{transition="START"}`:           "has no label transition",
		`coderd_provisionerd_workspace_build_timings_seconds_count{workspace_transition="start"}`: `is never "start"`,
		`coder:workspace_start_seconds:p95_1h{kind="windows"}`:                                    `is never "windows"`,
		`max(coderd_api_workspace_latest_build{status=~"pending|queued"})`:                        `is never "queued"`,
		`cluster_autoscaler_node_count`:                                                           "cluster_autoscaler_node_count is not a metric",
	} {
		problems := queryProblems(expr)
		assert.NotEmpty(t, problems, expr)
		assert.Contains(t, strings.Join(problems, "\n"), want, expr)
	}
	assert.Empty(t, queryProblems(`sum by (status) (increase(coderd_provisionerd_workspace_build_timings_seconds_count{status="failed"}[1h]))`))
}

// Every alert and recording rule reads only exported metrics and
// recordings; an SLO rule of every region reads only what every region
// has: the provisioners' metrics and the recordings made from them.
func TestRulesNameExportedMetrics(t *testing.T) {
	t.Parallel()
	fill := strings.NewReplacer("{threshold}", "1", "{budget}", "0.005")
	check := func(what string, on thresholds.Source, expr string) {
		for _, problem := range queryProblems(fill.Replace(expr)) {
			t.Errorf("%s: %s", what, problem)
		}
		if on != thresholds.ProvisionerMetrics {
			return
		}
		sels, _ := parseQuery(fill.Replace(expr))
		for _, s := range sels {
			series, ok := thresholds.Lookup(s.name)
			if !ok {
				continue
			}
			if series.Recording != nil {
				assert.Equal(t, thresholds.ProvisionerMetrics, series.Recording.On, "%s reads %s, which only the control plane records", what, s.name)
			} else {
				assert.True(t, strings.HasSuffix(thresholds.Exported[series.Metric].Source, "provisionerd/provisionerd.go"),
					"%s runs in every region but reads %s, which only coderd exports", what, s.name)
			}
		}
	}
	for _, r := range thresholds.Table {
		if r.Alarm.On.Prometheus() {
			check("alert "+r.Alarm.Name, r.Alarm.On, r.Alarm.Expr)
		}
	}
	for i, r := range thresholds.Recordings {
		check("recording "+r.Record, r.On, r.Expr)
		// A recording reads only recordings evaluated before it.
		sels, _ := parseQuery(fill.Replace(r.Expr))
		for _, s := range sels {
			if series, ok := thresholds.Lookup(s.name); ok && series.Recording != nil {
				assert.Less(t, indexOfRecord(series.Recording.Record), i, "%s reads %s, recorded after it", r.Record, s.name)
			}
		}
	}
}

func indexOfRecord(name string) int {
	for i, r := range thresholds.Recordings {
		if r.Record == name {
			return i
		}
	}
	return -1
}

// Each dashboard has its own UID; coderd's panels read the control
// plane's data source, and the per-region panels repeat over the region
// variable, which every dashboard that uses it declares.
func TestDashboardsDataSources(t *testing.T) {
	t.Parallel()
	uids := map[string]string{}
	for name, d := range loadDashboards(t) {
		require.NotEmpty(t, d.UID, name)
		assert.Empty(t, uids[d.UID], "%s and %s share the UID %s", name, uids[d.UID], d.UID)
		uids[d.UID] = name
		hasRegion := false
		for _, v := range d.Templating.List {
			if v.Name == "region" {
				hasRegion = true
				assert.Equal(t, "datasource", v.Type, name)
				assert.Equal(t, observability.AMPDatasourceType, v.Query, name)
			}
		}
		for _, p := range allPanels(d.Panels) {
			if p.Type == "row" {
				continue
			}
			require.NotNil(t, p.Datasource, "%s, panel %q has no data source", name, p.Title)
			assert.Equal(t, observability.AMPDatasourceType, p.Datasource.Type, "%s, panel %q", name, p.Title)
			switch p.Datasource.UID {
			case observability.CoderdDatasource:
				assert.Empty(t, p.Repeat, "%s, panel %q: coderd's panels do not repeat", name, p.Title)
			case observability.RegionVariable:
				assert.True(t, hasRegion, "%s uses the region variable without declaring it", name)
				assert.Equal(t, "region", p.Repeat, "%s, panel %q reads one region: it repeats over them", name, p.Title)
			default:
				t.Errorf("%s, panel %q reads %q: only %s or %s", name, p.Title, p.Datasource.UID, observability.CoderdDatasource, observability.RegionVariable)
			}
			for _, q := range p.Targets {
				if q.Datasource != nil {
					assert.Equal(t, p.Datasource.UID, q.Datasource.UID, "%s, panel %q: its queries read its data source", name, p.Title)
				}
				if p.Datasource.UID == observability.RegionVariable {
					sels, _ := parseQuery(q.Expr)
					for _, s := range sels {
						assert.True(t, everyRegionHas(s.name), "%s, panel %q repeats over every region but reads %s, which only the control plane has", name, p.Title, s.name)
					}
				}
			}
		}
	}
}

// everyRegionHas reports whether every region's workspace has the series:
// the provisioners' and the cluster autoscaler's metrics, and the
// recordings every region makes.
func everyRegionHas(name string) bool {
	series, ok := thresholds.Lookup(name)
	switch {
	case !ok:
		return true // reported by the metric check
	case series.Recording != nil:
		return series.Recording.On == thresholds.ProvisionerMetrics
	}
	src := thresholds.Exported[series.Metric].Source
	return strings.HasSuffix(src, "provisionerd/provisionerd.go") || strings.HasPrefix(src, "kubernetes/autoscaler")
}
