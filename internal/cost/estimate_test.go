package cost

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/platformeng/coder-platform/internal/preview"
	"github.com/platformeng/coder-platform/stacks/config"
)

var (
	previewsOnce sync.Once
	previews     map[string]*preview.Result
	previewsErr  error
)

// previewOf runs the committed stack through the offline preview once.
func previewOf(t *testing.T, stack string) *preview.Result {
	t.Helper()
	previewsOnce.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			previewsErr = err
			return
		}
		proj, err := preview.FindProject(wd)
		if err != nil {
			previewsErr = err
			return
		}
		previews = map[string]*preview.Result{}
		for _, s := range []string{"prod", "workshop"} {
			res, err := preview.Run(proj, s, "")
			if err != nil {
				previewsErr = err
				return
			}
			previews[s] = res
		}
	})
	if previewsErr != nil {
		t.Fatal(previewsErr)
	}
	return previews[stack]
}

func estimateOf(t *testing.T, stack string, table *Table) *Estimate {
	t.Helper()
	if table == nil {
		var err error
		if table, err = DefaultTable(); err != nil {
			t.Fatal(err)
		}
	}
	e, err := New(previewOf(t, stack), table)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCostEveryTypeIsPricedOrFree(t *testing.T) {
	for _, stack := range []string{"prod", "workshop"} {
		for typ := range previewOf(t, stack).ByType() {
			_, free := FreeTypes[typ]
			switch {
			case Priced(typ) && free:
				t.Errorf("%s: %s is both priced and listed as free", stack, typ)
			case !Priced(typ) && !free:
				t.Errorf("%s: %s is neither priced nor listed as free", stack, typ)
			}
		}
	}
	for typ, reason := range FreeTypes {
		if strings.TrimSpace(reason) == "" {
			t.Errorf("free type %s has no reason", typ)
		}
	}
}

func findLines(e *Estimate, typ, item, nameSuffix string) []Line {
	var out []Line
	for _, l := range e.Lines {
		if l.Type == typ && l.Item == item && strings.HasSuffix(l.URN, nameSuffix) {
			out = append(out, l)
		}
	}
	return out
}

func wantMonthly(t *testing.T, lines []Line, n int, usd float64) {
	t.Helper()
	if len(lines) != n {
		t.Fatalf("got %d lines, want %d: %+v", len(lines), n, lines)
	}
	for _, l := range lines {
		if l.Monthly == nil || *l.Monthly != usd {
			t.Errorf("%s %s: got %v, want $%.2f (%s)", l.URN, l.Item, l.Monthly, usd, l.Basis)
		}
	}
}

// The figures below are worked by hand from the committed table.
func TestCostPinnedLines(t *testing.T) {
	prod := estimateOf(t, "prod", nil)
	// $0.10 per cluster-hour × 730 h.
	wantMonthly(t, findLines(prod, "eks:index:Cluster", "control plane", ""), 1, 73.00)
	// us-east-1: $0.045 per NAT gateway-hour × 730 h, three gateways.
	wantMonthly(t, findLines(prod, "aws:ec2/natGateway:NatGateway", "hours", ""), 3, 32.85)
	// 3,000 users × 2 GB ÷ 3 gateways = 2,000 GB × $0.045.
	wantMonthly(t, findLines(prod, "aws:ec2/natGateway:NatGateway", "data processed", ""), 3, 90.00)
	// Serverless v2 writer: min 1, max 64 ACU → 1 + 0.25 × 63 = 16.75 ACU
	// × 730 h × $0.12 = $1,467.30.
	wantMonthly(t, findLines(prod, "aws:rds/clusterInstance:ClusterInstance", "ACU-hours", "-writer"), 1, 1467.30)
	// Aurora storage: 3,000 users × 20 MB = 60 GB × $0.10.
	wantMonthly(t, findLines(prod, "aws:rds/cluster:Cluster", "storage", ""), 1, 6.00)
	// Twelve customer-managed keys at $1: ten purposes in us-east-1 (ecr
	// among them), the backup-copy and DR secrets keys in us-west-2.
	wantMonthly(t, findLines(prod, "aws:kms/key:Key", "key", ""), 12, 1.00)

	ws := estimateOf(t, "workshop", nil)
	wantMonthly(t, findLines(ws, "eks:index:Cluster", "control plane", ""), 3, 73.00)
	// eu-west-2 NAT gateways: $0.050 × 730 h.
	wantMonthly(t, findLines(ws, "aws:ec2/natGateway:NatGateway", "hours", "eu-west-2a"), 1, 36.50)
	if got := len(findLines(ws, "coder:coder:Coder", "inter-region transfer", "")); got != 2 {
		t.Errorf("workshop: %d inter-region lines, want one per proxy region (2)", got)
	}
	for _, e := range []*Estimate{prod, ws} {
		total, _ := e.Total()
		if total <= 0 || e.PerUser() <= 0 {
			t.Errorf("%s: total %.2f, per user %.2f", e.Stack, total, e.PerUser())
		}
	}
}

func TestCostUnknownPriceIsNotZero(t *testing.T) {
	table, err := DefaultTable()
	if err != nil {
		t.Fatal(err)
	}
	delete(table.Regions, "us-east-1")
	e := estimateOf(t, "prod", table)
	nat := findLines(e, "aws:ec2/natGateway:NatGateway", "hours", "")
	if len(nat) == 0 || nat[0].Monthly != nil || !strings.Contains(nat[0].Basis, "unknown") {
		t.Fatalf("a region the table lacks must price NAT as unknown, got %+v", nat)
	}
	// Prices AWS charges alike everywhere stay known.
	wantMonthly(t, findLines(e, "eks:index:Cluster", "control plane", ""), 1, 73.00)
	var doc struct {
		UnknownLines int `json:"unknownLines"`
		Lines        []struct {
			Monthly *float64 `json:"monthly"`
		} `json:"lines"`
	}
	var b strings.Builder
	if err := e.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatal(err)
	}
	nulls := 0
	for _, l := range doc.Lines {
		if l.Monthly == nil {
			nulls++
		}
	}
	if nulls == 0 || nulls != doc.UnknownLines || !strings.Contains(b.String(), `"monthly": null`) {
		t.Errorf("unknown lines: %d null, unknownLines %d", nulls, doc.UnknownLines)
	}
}

func TestCostTableRegionsAreAccepted(t *testing.T) {
	table, err := DefaultTable()
	if err != nil {
		t.Fatal(err)
	}
	if table.Date == "" || table.Source == "" {
		t.Fatal("the price table must name its date and source")
	}
	for _, r := range []string{"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1"} {
		if table.Regions[r] == nil {
			t.Errorf("the table does not cover %s", r)
		}
	}
	for _, r := range table.RegionNames() {
		if !config.KnownRegion(r) {
			t.Errorf("the table prices %s, which the config does not accept", r)
		}
	}
	// Any other accepted region is priced as unknown, never zero.
	if p := table.Service("ap-southeast-2", "natHour"); p.Known {
		t.Errorf("ap-southeast-2 natHour: %+v, want unknown", p)
	}
}
