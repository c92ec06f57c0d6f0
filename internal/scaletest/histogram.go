package scaletest

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// APILatencyMetric is coderd's API latency histogram
// (coderd_api_request_latencies_seconds{method,path}: coder/coder v2.35.1
// coderd/httpmw/prometheus.go:86-92, as in v2.30.0), the one the latency
// alerts read.
const APILatencyMetric = "coderd_api_request_latencies_seconds"

// APILatencyQuery is what to export for the report over a run's window W
// (its start to its end, e.g. [3h] at the end time): the bucket counts of
// every API request in the window, summed over routes and replicas.
const APILatencyQuery = "sum by (le) (increase(" + APILatencyMetric + "_bucket[W]))"

// Bucket is one cumulative histogram bucket: Count observations at most
// LE seconds.
type Bucket struct {
	LE    float64
	Count float64
}

// Histogram is the buckets of an export, by LE.
type Histogram []Bucket

// promResponse is the Prometheus HTTP API's answer to an instant query
// (/api/v1/query, as Amazon Managed Service for Prometheus serves it):
// {"status":"success","data":{"resultType":"vector","result":[{"metric":
// {...},"value":[ts,"v"]}]}}.
type promResponse struct {
	Status string `json:"status"`
	Data   struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	} `json:"data"`
}

func decodeHistogram(b []byte) (Histogram, error) {
	var r promResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("a Prometheus query result of an unexpected shape: %w", err)
	}
	if r.Status != "success" || r.Data.ResultType != "vector" {
		return nil, fmt.Errorf("a Prometheus answer with status %q and result type %q; export the instant query %s", r.Status, r.Data.ResultType, APILatencyQuery)
	}
	var h Histogram
	for _, s := range r.Data.Result {
		le, ok := s.Metric["le"]
		if !ok {
			return nil, fmt.Errorf("a sample without an le label: not histogram buckets; export %s", APILatencyQuery)
		}
		bound, err := strconv.ParseFloat(le, 64) // "+Inf" parses
		if err != nil {
			return nil, fmt.Errorf("bucket le %q: %w", le, err)
		}
		v, _ := s.Value[1].(string)
		count, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("bucket le %q: value %v: %w", le, s.Value[1], err)
		}
		h = append(h, Bucket{LE: bound, Count: count})
	}
	sort.Slice(h, func(i, j int) bool { return h[i].LE < h[j].LE })
	if len(h) < 2 || !math.IsInf(h[len(h)-1].LE, 1) {
		return nil, fmt.Errorf("%d buckets without +Inf: not a whole histogram; export %s", len(h), APILatencyQuery)
	}
	return h, nil
}

// Total is the number of observations.
func (h Histogram) Total() float64 { return h[len(h)-1].Count }

// Quantile is PromQL's histogram_quantile(q) of the buckets: linear
// interpolation within the bucket that holds the rank, the lower bound of
// the first bucket 0, and the highest finite bound when the rank falls in
// +Inf. NaN without observations.
func (h Histogram) Quantile(q float64) float64 {
	total := h.Total()
	if total <= 0 {
		return math.NaN()
	}
	rank := q * total
	lower, below := 0.0, 0.0
	for i, b := range h {
		if b.Count >= rank {
			if math.IsInf(b.LE, 1) {
				return h[i-1].LE
			}
			if b.Count == below {
				return b.LE
			}
			return lower + (b.LE-lower)*(rank-below)/(b.Count-below)
		}
		lower, below = b.LE, b.Count
	}
	return h[len(h)-2].LE
}
