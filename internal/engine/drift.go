package engine

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Drifted is one resource whose state in the cloud differs from the state
// Pulumi recorded.
type Drifted struct {
	URN        string
	Type       string
	Component  string // the nearest component ancestor's URN, or the stack
	Properties []string
}

// Drift runs refresh in preview mode (nothing is written to the state) and
// returns the resources whose cloud state differs, by component.
func Drift(ctx context.Context, s auto.Stack) ([]Drifted, error) {
	ch := make(chan events.EngineEvent)
	var (
		mu      sync.Mutex
		found   = map[string]*Drifted{}
		parents = map[string]string{}
		custom  = map[string]bool{}
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range ch {
			var md apitype.StepEventMetadata
			switch {
			case e.ResourcePreEvent != nil:
				md = e.ResourcePreEvent.Metadata
			case e.ResOutputsEvent != nil:
				// A refresh step knows its diff once the provider has read.
				md = e.ResOutputsEvent.Metadata
			default:
				continue
			}
			st := md.Old
			if md.New != nil {
				st = md.New
			}
			mu.Lock()
			if st != nil {
				parents[md.URN] = st.Parent
				custom[md.URN] = st.Custom
			}
			props := append([]string(nil), md.Diffs...)
			for k := range md.DetailedDiff {
				props = append(props, k)
			}
			if len(props) > 0 && md.Op != "same" {
				found[md.URN] = &Drifted{URN: md.URN, Type: md.Type, Properties: uniq(props)}
			}
			mu.Unlock()
		}
	}()
	res, err := s.PreviewRefresh(ctx, optrefresh.EventStreams(ch))
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
	if err != nil {
		return nil, fmt.Errorf("refresh preview: %w\n%s", err, quiet(res.StdErr+res.StdOut))
	}
	mu.Lock()
	defer mu.Unlock()
	out := make([]Drifted, 0, len(found))
	for _, d := range found {
		d.Component = component(d.URN, parents, custom)
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Component != out[j].Component {
			return out[i].Component < out[j].Component
		}
		return out[i].URN < out[j].URN
	})
	return out, nil
}

// component is the nearest ancestor that is a component resource.
func component(urn string, parents map[string]string, custom map[string]bool) string {
	for p := parents[urn]; p != ""; p = parents[p] {
		if !custom[p] {
			return p
		}
	}
	return ""
}

func uniq(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// WriteDrift prints drifted resources grouped by component and property.
func WriteDrift(w io.Writer, drifted []Drifted) {
	if len(drifted) == 0 {
		fmt.Fprintln(w, "No drift: every resource matches the recorded state.")
		return
	}
	fmt.Fprintf(w, "Drift in %d resource(s):\n", len(drifted))
	last := "-"
	for _, d := range drifted {
		if d.Component != last {
			name := "(stack)"
			if d.Component != "" {
				u := resource.URN(d.Component)
				name = fmt.Sprintf("%s %s", u.Type(), u.Name())
			}
			fmt.Fprintf(w, "  %s\n", name)
			last = d.Component
		}
		u := resource.URN(d.URN)
		fmt.Fprintf(w, "    %s %s: %s\n", u.Type(), u.Name(), strings.Join(d.Properties, ", "))
	}
}
