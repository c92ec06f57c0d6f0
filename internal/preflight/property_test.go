package preflight_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"pgregory.net/rapid"

	"github.com/platformeng/coder-platform/internal/fakeaws"
	"github.com/platformeng/coder-platform/internal/preflight"
)

// Property (quota pre-flight validation): whatever the account holds, a
// need is reported short exactly when the other usage plus the need exceeds
// the quota, and the request asks for a value that holds both.
func TestPreflightProperty(t *testing.T) {
	t.Parallel()
	s := fakeaws.New(t)
	rapid.Check(t, func(rt *rapid.T) {
		r := s.Region("us-east-1")
		*r = fakeaws.Region{Subnets: map[string]string{}}
		vpcs := rapid.IntRange(0, 6).Draw(rt, "otherVPCs")
		for i := 0; i < vpcs; i++ {
			r.VPCs = append(r.VPCs, fakeaws.Tagged{ID: fmt.Sprintf("vpc-%d", i)})
		}
		r.VPCs = append(r.VPCs, fakeaws.Tagged{ID: "vpc-own", Tags: ownTags()}) // never counted
		eips := rapid.IntRange(0, 8).Draw(rt, "otherEIPs")
		for i := 0; i < eips; i++ {
			r.Addresses = append(r.Addresses, fakeaws.Tagged{ID: fmt.Sprintf("eip-%d", i)})
		}
		gib := rapid.IntRange(0, 80*1024).Draw(rt, "otherGiB")
		r.Volumes = []fakeaws.Volume{{ID: "vol-x", Type: "gp3", SizeGiB: gib}}
		quota := map[string]float64{
			"vpc/L-F678F1CE": float64(rapid.IntRange(0, 10).Draw(rt, "vpcQuota")),
			"ec2/L-0263D0A3": float64(rapid.IntRange(0, 10).Draw(rt, "eipQuota")),
			"ebs/L-7A658B76": float64(rapid.IntRange(0, 100).Draw(rt, "gp3QuotaTiB")),
		}
		s.Defaults = quota
		needs := []preflight.Need{
			need(preflight.VPCs, rapid.IntRange(0, 3).Draw(rt, "vpcNeed"), "", ""),
			need(preflight.ElasticIPs, rapid.IntRange(0, 6).Draw(rt, "eipNeed"), "", ""),
			need(preflight.GP3Storage, rapid.IntRange(0, 60*1024).Draw(rt, "gp3NeedGiB"), "", ""),
		}
		other := map[string]int{"L-F678F1CE": vpcs, "L-0263D0A3": eips, "L-7A658B76": gib}
		per := map[string]float64{"L-F678F1CE": 1, "L-0263D0A3": 1, "L-7A658B76": 1024}
		rep, err := preflight.Check(context.Background(), preflight.NewAccount(s.Config(), owner), needs)
		if err != nil {
			rt.Fatal(err)
		}
		if len(rep.Rows) != len(needs) {
			rt.Fatalf("%d rows for %d needs", len(rep.Rows), len(needs))
		}
		for _, row := range rep.Rows {
			code := row.Quota.Code
			if row.Used != other[code] {
				rt.Fatalf("%s: used %d, the account holds %d besides the stack", code, row.Used, other[code])
			}
			q := quota[row.Quota.Service+"/"+code]
			short := float64(row.Used+row.Amount) > q*per[code]
			if row.Short() != short {
				rt.Fatalf("%s: short=%v for %d used + %d needed against %g × %g", code, row.Short(), row.Used, row.Amount, q, per[code])
			}
			if want := int(math.Ceil(float64(row.Used+row.Amount) / per[code])); row.Desired() != want {
				rt.Fatalf("%s: desired %d, want (%d used + %d needed) / %g rounded up = %d", code, row.Desired(), row.Used, row.Amount, per[code], want)
			}
		}
	})
}
