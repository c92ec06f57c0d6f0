package deploy

import (
	"context"
	"io"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

// AutoEngine is an Automation API stack as an Engine; progress goes to Out.
type AutoEngine struct {
	Stack auto.Stack
	Out   io.Writer
}

// Preview runs `pulumi preview` and returns its change summary.
func (e AutoEngine) Preview(ctx context.Context) (map[string]int, error) {
	res, err := e.Stack.Preview(ctx, optpreview.ProgressStreams(e.Out))
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for op, n := range res.ChangeSummary {
		out[string(op)] = n
	}
	return out, nil
}

// Up runs `pulumi up --exclude URN... --exclude-dependents`.
func (e AutoEngine) Up(ctx context.Context, exclude []string) error {
	opts := []optup.Option{optup.ProgressStreams(e.Out)}
	if len(exclude) > 0 {
		opts = append(opts, optup.Exclude(exclude), optup.ExcludeDependents())
	}
	_, err := e.Stack.Up(ctx, opts...)
	return err
}
