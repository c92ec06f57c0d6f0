package observability

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/components/observability/thresholds"
)

// An NLB alarm's dimensions follow its metric, wherever it stands in the
// list (they were assigned by position: a new alarm in front would have
// given the unhealthy-hosts alarm the load balancer's dimensions only).
func TestLoadBalancerAlarmDimensions(t *testing.T) {
	lb := &LoadBalancerRefs{ArnSuffix: pulumi.String("net/lb/1"), TargetGroupArnSuffix: pulumi.String("targetgroup/tg/2")}
	alarms := scope{t: thresholds.Defaults()}.alarms(thresholds.LoadBalancer)
	require.Len(t, alarms, 2)
	for _, order := range [][]Alarm{alarms, {alarms[1], alarms[0]}} {
		for _, al := range order {
			dims := lb.dimensions(al)
			_, hasTG := dims["TargetGroup"]
			assert.Equal(t, al.Metric == "UnHealthyHostCount", hasTG, al.Name)
			assert.Contains(t, dims, "LoadBalancer", al.Name)
		}
	}
}
