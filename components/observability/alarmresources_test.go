package observability

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
)

// An NLB alarm's dimensions follow its metric, wherever it stands in the
// list (they were assigned by position: a new alarm in front would have
// given the unhealthy-hosts alarm the load balancer's dimensions only).
func TestLoadBalancerAlarmDimensions(t *testing.T) {
	lb := &LoadBalancerRefs{ArnSuffix: pulumi.String("net/lb/1"), TargetGroupArnSuffix: pulumi.String("targetgroup/tg/2")}
	alarms := LoadBalancerAlarms(Thresholds{})
	for _, order := range [][]Alarm{alarms, {alarms[1], alarms[0]}} {
		for _, al := range order {
			dims := lb.dimensions(al)
			_, hasTG := dims["TargetGroup"]
			assert.Equal(t, al.Metric == "UnHealthyHostCount", hasTG, al.Name)
			assert.Contains(t, dims, "LoadBalancer", al.Name)
		}
	}
}
