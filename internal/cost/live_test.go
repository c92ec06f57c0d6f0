package cost

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// fakePriceList speaks the Price List API's AWS JSON 1.1 protocol for
// GetProducts, answering from prices keyed by "service usage-or-type".
type fakePriceList struct {
	mu      sync.Mutex
	prices  map[string]string
	targets map[string]bool
}

func (f *fakePriceList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.targets[r.Header.Get("X-Amz-Target")] = true
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256") {
		http.Error(w, `{"__type":"AccessDeniedException"}`, http.StatusForbidden)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var in struct {
		ServiceCode string
		Filters     []struct{ Type, Field, Value string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, `{"__type":"InvalidParameterException"}`, http.StatusBadRequest)
		return
	}
	var list []string
	for _, flt := range in.Filters {
		if flt.Field != "usagetype" && flt.Field != "instanceType" {
			continue
		}
		if usd, ok := f.prices[in.ServiceCode+" "+flt.Value]; ok {
			list = append(list, fmt.Sprintf(`{"product":{"sku":"SKU1"},"terms":{"OnDemand":{"SKU1.JRTCKXETXF":{"priceDimensions":{
				"SKU1.JRTCKXETXF.6YS6EN2CT7":{"unit":"Hrs","beginRange":"0","endRange":"Inf","pricePerUnit":{"USD":"%s"}}}}}}}`, usd))
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	out, _ := json.Marshal(map[string]any{"FormatVersion": "aws_v1", "PriceList": list})
	_, _ = w.Write(out)
}

func TestCostLiveRefreshFromPriceListAPI(t *testing.T) {
	fake := &fakePriceList{targets: map[string]bool{}, prices: map[string]string{
		"AmazonEKS AmazonEKS-Hours:perCluster": "0.1100000000",
		"AmazonEC2 NatGateway-Hours":           "0.0500000000",
		"AmazonEC2 m5.2xlarge":                 "0.4000000000",
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")}
	client := NewLiveClient(cfg, srv.URL)

	table, err := DefaultTable()
	if err != nil {
		t.Fatal(err)
	}
	if err := Refresh(context.Background(), client, table, []string{"us-east-1"}); err != nil {
		t.Fatal(err)
	}
	if !fake.targets["AWSPriceListService.GetProducts"] || len(fake.targets) != 1 {
		t.Errorf("targets: %v", fake.targets)
	}
	for key, want := range map[string]float64{"eksClusterHour": 0.11, "natHour": 0.05} {
		if p := table.Service("us-east-1", key); !p.Known || p.USD != want {
			t.Errorf("%s: %+v, want %v", key, p, want)
		}
	}
	if p := table.Instance("us-east-1", "m5.2xlarge"); p.USD != 0.40 {
		t.Errorf("m5.2xlarge: %+v", p)
	}
	// What the API did not return keeps the table's figure.
	if p := table.Service("us-east-1", "natGB"); p.USD != 0.045 {
		t.Errorf("natGB: %+v", p)
	}
	if len(table.Refreshed) != 3 {
		t.Errorf("refreshed: %v", table.Refreshed)
	}
	e := estimateOf(t, "prod", table)
	wantMonthly(t, findLines(e, "eks:index:Cluster", "control plane", ""), 1, 80.30)
}

func TestCostOnDemandUSDSkipsAFreeTier(t *testing.T) {
	doc := `{"terms":{"OnDemand":{"T":{"priceDimensions":{
		"a":{"beginRange":"0","pricePerUnit":{"USD":"0.0000000000"}},
		"b":{"beginRange":"10","pricePerUnit":{"USD":"0.5000000000"}}}}}}}`
	usd, ok, err := OnDemandUSD(doc)
	if err != nil || !ok || usd != 0.5 {
		t.Fatalf("got %v %v %v", usd, ok, err)
	}
	if _, _, err := OnDemandUSD("{"); err == nil {
		t.Fatal("a malformed entry must fail")
	}
}
