package execute

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// Transient reports whether err is likely to pass by itself: the API
// server restarting (as it does during a control-plane upgrade of a
// single-server cluster), overloaded, or a connection cut.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	switch {
	case utilnet.IsConnectionRefused(err), utilnet.IsConnectionReset(err), utilnet.IsProbableEOF(err):
		return true
	case apierrors.IsServerTimeout(err), apierrors.IsTimeout(err), apierrors.IsServiceUnavailable(err),
		apierrors.IsInternalError(err), apierrors.IsTooManyRequests(err):
		return true
	case errors.As(err, &netErr) && netErr.Timeout():
		return true
	}
	return strings.Contains(err.Error(), "connection refused")
}

// retryTransient runs f until it succeeds, fails for good, or transient
// failures have lasted longer than budget; it backs off between tries.
func retryTransient(ctx context.Context, budget time.Duration, progress func(string, ...any), f func() error) error {
	deadline := time.Now().Add(budget)
	delay := 500 * time.Millisecond
	for {
		err := f()
		if err == nil || !Transient(err) || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		progress("again in %s: %v", delay, err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Second)
	}
}
