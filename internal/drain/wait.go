package drain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
)

// ErrNotDrained is returned when a node could not be drained: a pod is
// refused, or a budget still blocks when the context ends.
var ErrNotDrained = errors.New("node not drained")

// Node drains a node that is already cordoned: it makes passes every
// interval until the node is empty, a pod is refused, or ctx ends. The
// error then names the pods and the budgets that block, never a silent
// hang. waiting, when set, is told each time what the drain waits on
// changes (the pods a budget holds back), so a person sees it.
func Node(ctx context.Context, client kubernetes.Interface, node string, opts Options, interval time.Duration, waiting func(*Result)) (*Result, error) {
	last := ""
	var prev *Result
	for {
		r, err := Pass(ctx, client, node, opts)
		if err != nil {
			if prev != nil && (ctx.Err() != nil || outOfTime(ctx, err)) {
				// Time ran out during a pass: what blocked the last
				// complete one still blocks.
				cause := ctx.Err()
				if cause == nil {
					cause = context.DeadlineExceeded
				}
				return prev, fmt.Errorf("%w: node %s: %s: %w", ErrNotDrained, node, prev.Summary(), cause)
			}
			return r, err
		}
		prev = r
		if summary := r.blockedSummary(); waiting != nil && summary != last && summary != "" {
			waiting(r)
			last = summary
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

func (r *Result) blockedSummary() string {
	var b strings.Builder
	for _, p := range r.Blocked {
		b.WriteString(p.String() + " " + p.Reason + ";")
	}
	return b.String()
}

// outOfTime reports whether err is the client's rate limiter refusing a
// request it could not send before ctx's deadline: client-go then fails
// at once ("would exceed context deadline") instead of waiting for the
// deadline, and the drain's time is up all the same.
func outOfTime(ctx context.Context, err error) bool {
	_, hasDeadline := ctx.Deadline()
	return hasDeadline && strings.Contains(err.Error(), "would exceed context deadline")
}
