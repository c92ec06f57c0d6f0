package cost

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"
)

// ProductsAPI is the one Price List call the refresh makes.
type ProductsAPI interface {
	GetProducts(ctx context.Context, in *pricing.GetProductsInput, opts ...func(*pricing.Options)) (*pricing.GetProductsOutput, error)
}

// liveQuery finds one figure in the Price List API.
type liveQuery struct {
	service string
	// usage is a substring of the usagetype (which carries a region
	// prefix such as USE2- outside us-east-1).
	usage string
	extra map[string]string
}

// liveQueries are the service figures a refresh looks up; the others
// keep the table's value.
var liveQueries = map[string]liveQuery{
	"eksClusterHour":        {service: "AmazonEKS", usage: "AmazonEKS-Hours:perCluster"},
	"natHour":               {service: "AmazonEC2", usage: "NatGateway-Hours"},
	"natGB":                 {service: "AmazonEC2", usage: "NatGateway-Bytes"},
	"nlbHour":               {service: "AWSELB", usage: "LoadBalancerUsage", extra: map[string]string{"productFamily": "Load Balancer-Network"}},
	"nlcuHour":              {service: "AWSELB", usage: "LCUUsage", extra: map[string]string{"productFamily": "Load Balancer-Network"}},
	"gp3GBMonth":            {service: "AmazonEC2", usage: "EBS:VolumeUsage.gp3"},
	"auroraACUHour":         {service: "AmazonRDS", usage: "Aurora:ServerlessV2Usage"},
	"auroraStorageGBMonth":  {service: "AmazonRDS", usage: "Aurora:StorageUsage"},
	"interfaceEndpointHour": {service: "AmazonVPC", usage: "VpcEndpoint-Hours"},
	"publicIPv4Hour":        {service: "AmazonVPC", usage: "PublicIPv4:InUseAddress"},
	"kmsKeyMonth":           {service: "awskms", usage: "KMS-Keys"},
	"secretMonth":           {service: "AWSSecretsManager", usage: "AWSSecretsManager-Secrets"},
	"logsIngestGB":          {service: "AmazonCloudWatch", usage: "DataProcessing-Bytes"},
	"ampCollectorHour":      {service: "AmazonPrometheus", usage: "CollectorHours"},
}

// locations are the Price List API's names of the regions.
var locations = map[string]string{
	"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-1": "US West (N. California)",
	"us-west-2": "US West (Oregon)", "ca-central-1": "Canada (Central)", "eu-west-1": "EU (Ireland)",
	"eu-west-2": "EU (London)", "eu-west-3": "EU (Paris)", "eu-central-1": "EU (Frankfurt)",
	"eu-north-1": "EU (Stockholm)", "ap-south-1": "Asia Pacific (Mumbai)", "ap-southeast-1": "Asia Pacific (Singapore)",
	"ap-southeast-2": "Asia Pacific (Sydney)", "ap-northeast-1": "Asia Pacific (Tokyo)", "sa-east-1": "South America (Sao Paulo)",
}

// NewLiveClient is a Price List client in us-east-1, where the API is
// served; endpoint, when set, replaces the service's address.
func NewLiveClient(cfg aws.Config, endpoint string) *pricing.Client {
	return pricing.NewFromConfig(cfg, func(o *pricing.Options) {
		o.Region = "us-east-1"
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// Refresh replaces the table's figures for regions with the Price List
// API's current on-demand prices. A figure the API does not return keeps
// the table's value (or stays unknown); an API error stops the refresh.
func Refresh(ctx context.Context, api ProductsAPI, t *Table, regions []string) error {
	for _, region := range regions {
		loc, ok := locations[region]
		if !ok {
			continue
		}
		keys := make([]string, 0, len(liveQueries))
		for k := range liveQueries {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			q := liveQueries[key]
			filters := []types.Filter{term("location", loc), {Type: types.FilterTypeContains, Field: aws.String("usagetype"), Value: aws.String(q.usage)}}
			for f, v := range q.extra {
				filters = append(filters, term(f, v))
			}
			usd, found, err := lookup(ctx, api, q.service, filters)
			if err != nil {
				return fmt.Errorf("price list %s %s in %s: %w", q.service, key, region, err)
			}
			if found {
				t.set(region, key, false, usd)
			}
		}
		var itypes []string
		if rp := t.Regions[region]; rp != nil {
			for it := range rp.Instances {
				itypes = append(itypes, it)
			}
		}
		sort.Strings(itypes)
		for _, it := range itypes {
			name, os := it, "Linux"
			if n, ok := cutSuffix(it, "/windows"); ok {
				name, os = n, "Windows"
			}
			usd, found, err := lookup(ctx, api, "AmazonEC2", []types.Filter{term("location", loc), term("instanceType", name),
				term("operatingSystem", os), term("tenancy", "Shared"), term("preInstalledSw", "NA"), term("capacitystatus", "Used")})
			if err != nil {
				return fmt.Errorf("price list AmazonEC2 %s in %s: %w", it, region, err)
			}
			if found {
				t.set(region, it, true, usd)
			}
		}
	}
	return nil
}

func cutSuffix(s, suf string) (string, bool) {
	if len(s) > len(suf) && s[len(s)-len(suf):] == suf {
		return s[:len(s)-len(suf)], true
	}
	return s, false
}

func term(field, value string) types.Filter {
	return types.Filter{Type: types.FilterTypeTermMatch, Field: aws.String(field), Value: aws.String(value)}
}

// lookup returns the first-tier on-demand USD price of the first product
// that has one.
func lookup(ctx context.Context, api ProductsAPI, service string, filters []types.Filter) (float64, bool, error) {
	out, err := api.GetProducts(ctx, &pricing.GetProductsInput{ServiceCode: aws.String(service), Filters: filters,
		FormatVersion: aws.String("aws_v1"), MaxResults: aws.Int32(10)})
	if err != nil {
		return 0, false, err
	}
	for _, doc := range out.PriceList {
		usd, ok, err := OnDemandUSD(doc)
		if err != nil {
			return 0, false, err
		}
		if ok {
			return usd, true, nil
		}
	}
	return 0, false, nil
}

// priceItem is the part of a Price List product document the refresh reads.
type priceItem struct {
	Terms struct {
		OnDemand map[string]struct {
			PriceDimensions map[string]struct {
				BeginRange   string            `json:"beginRange"`
				PricePerUnit map[string]string `json:"pricePerUnit"`
			} `json:"priceDimensions"`
		} `json:"OnDemand"`
	} `json:"terms"`
}

// OnDemandUSD reads terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD
// of one priceList entry: the lowest tier with a non-zero price (a free
// first tier is not the price).
func OnDemandUSD(doc string) (float64, bool, error) {
	var it priceItem
	if err := json.Unmarshal([]byte(doc), &it); err != nil {
		return 0, false, fmt.Errorf("reading a price list entry: %w", err)
	}
	best, bestBegin, found := 0.0, math.Inf(1), false
	for _, term := range it.Terms.OnDemand {
		for _, d := range term.PriceDimensions {
			s, ok := d.PricePerUnit["USD"]
			if !ok {
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, false, fmt.Errorf("price %q: %w", s, err)
			}
			begin, _ := strconv.ParseFloat(d.BeginRange, 64)
			if v > 0 && begin < bestBegin {
				best, bestBegin, found = v, begin, true
			}
		}
	}
	return best, found, nil
}
