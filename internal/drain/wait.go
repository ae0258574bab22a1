package drain

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/client-go/kubernetes"
)

// ErrNotDrained is returned when a node could not be drained: a pod is
// refused, or a budget still blocks when the context ends.
var ErrNotDrained = errors.New("node not drained")

// Node drains a node that is already cordoned: it makes passes every
// interval until the node is empty, a pod is refused, or ctx ends. The
// error then names the pods and the budgets that block, never a silent
// hang.
func Node(ctx context.Context, client kubernetes.Interface, node string, opts Options, interval time.Duration) (*Result, error) {
	for {
		r, err := Pass(ctx, client, node, opts)
		if err != nil {
			return r, err
		}
		if r.Done() {
			return r, nil
		}
		if len(r.Refused) > 0 {
			return r, fmt.Errorf("%w: node %s: %s", ErrNotDrained, node, r.Summary())
		}
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("%w: node %s: %s: %w", ErrNotDrained, node, r.Summary(), ctx.Err())
		case <-time.After(interval):
		}
	}
}
