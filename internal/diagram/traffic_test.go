package diagram

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/platformeng/coder-platform/internal/preview"
)

// The entry path: users reach each load balancer on its listener's port
// with TLS (read from the listener's inputs), through the DNS records that
// point at it, and it forwards to coderd or the proxy on the target
// group's port, without TLS.
func TestDiagramTrafficEntryFromListenerInputs(t *testing.T) {
	for _, stack := range stacksUnderTest {
		t.Run(stack, func(t *testing.T) {
			ix := newIndex(previewOf(t, stack))
			g := build(t, stack, Traffic)
			listeners := ix.OfType(tListener)
			require.NotEmpty(t, listeners)
			for _, l := range listeners {
				port, _ := l.Num("port")
				require.Equal(t, 443.0, port, "the NLB listens on 443")
				require.Equal(t, "TLS", l.Str("protocol"))
				lb := ix.ByURN[l.Parent]
				rid := regionID(ix.Region(lb))
				lbID := rid + "/lb-" + lb.Name
				assert.Contains(t, labelOf(g, lbID), l.Str("sslPolicy"))
				entry := edgesBetween(g, "users", lbID)
				require.Len(t, entry, 1)
				assert.Equal(t, "TLS :443", entry[0].Label)
				assert.Equal(t, EdgeTLS, entry[0].Class)

				dns := edgesBetween(g, rid+"/dns-", lbID)
				require.NotEmpty(t, dns, "a record points at %s", lb.Name)
				assert.NotEmpty(t, edgesBetween(g, "users", dns[0].From), "users look the name up")

				tg := ix.target(l, "defaultActions")
				require.NotNil(t, tg)
				back := edgesBetween(g, lbID, rid+"/coder")
				require.Len(t, back, 1, "the load balancer forwards to coderd or the proxy")
				assert.Equal(t, "TCP"+portSuffix(tg, "port")+" (TLS ends at the load balancer)", back[0].Label)
				assert.Equal(t, EdgePlain, back[0].Class)
			}
		})
	}
}

// coderd ↔ Aurora on the cluster's port, with the sslmode and IAM
// authentication coderd's values set; provisioners reach coderd in the
// cluster over plain HTTP; every region's traffic leaves through its NAT
// gateways to the internet.
func TestDiagramTrafficBackendsAndEgress(t *testing.T) {
	for _, stack := range stacksUnderTest {
		t.Run(stack, func(t *testing.T) {
			res := previewOf(t, stack)
			ix := newIndex(res)
			g := build(t, stack, Traffic)
			control := regionID(res.Config.Regions[0].Name)
			db := ix.OfType("aws:rds/cluster:Cluster")[0]
			toDB := edgesBetween(g, control+"/coder", control+"/db-")
			require.Len(t, toDB, 1)
			assert.True(t, toDB[0].Both)
			assert.Equal(t, "PostgreSQL"+portSuffix(db, "port")+" · sslmode=require · IAM auth", toDB[0].Label)
			assert.Equal(t, EdgeTLS, toDB[0].Class)

			prov := edgesBetween(g, control+"/coder-provisioner-default", control+"/coder")
			require.NotEmpty(t, prov)
			assert.Contains(t, prov[0].Label, "HTTP :80 (CODER_URL)")
			assert.Equal(t, EdgePlain, prov[0].Class)

			for _, reg := range res.Config.Regions {
				rid := regionID(reg.Name)
				assert.NotEmpty(t, edgesBetween(g, rid+"/nat", "internet"), reg.Name)
				ws := edgesBetween(g, rid+"/workspaces", rid+"/nat")
				require.Len(t, ws, 1, reg.Name)
				assert.Contains(t, ws[0].Label, "udp 1024–65535", "direct connections after STUN")
				assert.NotEmpty(t, edgesBetween(g, rid+"/workspaces", rid+"/lb-"), "agents reach their region's access URL")
			}
		})
	}
}

// Workshop proxies, their provisioners and their regions' agents all dial
// the control plane's load balancer, found through the primary access
// URL's DNS record and the agents' security-group rules.
func TestDiagramTrafficProxiesReachTheControlPlane(t *testing.T) {
	res := previewOf(t, "workshop")
	g := build(t, "workshop", Traffic)
	control := regionID(res.Config.Regions[0].Name)
	proxies := 0
	for _, reg := range res.Config.Regions[1:] {
		rid := regionID(reg.Name)
		proxies++
		var proxy []Edge
		for _, e := range edgesBetween(g, rid+"/coder", control+"/lb-") {
			if e.From == rid+"/coder" {
				proxy = append(proxy, e)
			}
		}
		require.Len(t, proxy, 1, reg.Name)
		assert.Contains(t, proxy[0].Label, "HTTPS :443 (CODER_PRIMARY_ACCESS_URL)")
		assert.Equal(t, EdgeTLS, proxy[0].Class)
		assert.NotEmpty(t, edgesBetween(g, rid+"/coder-provisioner-", control+"/lb-"), reg.Name)
		agents := edgesBetween(g, rid+"/workspaces", control+"/lb-")
		require.Len(t, agents, 1, reg.Name)
		assert.Equal(t, "TLS :443", agents[0].Label)
	}
	assert.Equal(t, 2, proxies)
}

// A reference the inputs do not record draws no edge, and a value the
// mocks leave unknown prints nothing in its place.
func TestDiagramTrafficDrawsOnlyWhatInputsShow(t *testing.T) {
	res := previewOf(t, "prod")
	mutated := *res
	mutated.Resources = nil
	for _, r := range res.Resources {
		c := *r
		switch r.Type {
		case "aws:route53/record:Record":
			c.PropertyDependencies = nil
		case tListener:
			c.Inputs = r.Inputs.Copy()
			c.Inputs["port"] = resourceComputed()
		}
		mutated.Resources = append(mutated.Resources, &c)
	}
	g, err := Build(&mutated, Traffic)
	require.NoError(t, err)
	for _, e := range g.Edges() {
		assert.False(t, strings.HasPrefix(e.From, "region/us-east-1/dns-"), "no record references the load balancer: %v", e)
	}
	// With the listener's port unknown, the entry is what the security
	// group admits, no longer matched to a listener.
	entry := edgesBetween(g, "users", "region/us-east-1/lb-")
	require.NotEmpty(t, entry)
	assert.Equal(t, "tcp 443", entry[0].Label)
	assert.Contains(t, labelOf(g, entry[0].To), "listener TLS\n")
	for _, out := range []string{D2(g), Mermaid(g)} {
		assert.NotContains(t, out, preview.UnknownText)
		assert.NotContains(t, out, ":0")
	}
}
