package gke

import (
	"context"
	"fmt"
	"strings"

	"cloud.google.com/go/container/apiv1/containerpb"
	"google.golang.org/genproto/googleapis/rpc/code"

	"github.com/kubehop/kubehop/internal/provider"
)

// target is what an operation changes, the control plane or a node pool,
// and the version asked for.
type target struct {
	kind string
	// name is the node pool ("" for the control plane).
	name    string
	version string
}

func (t target) String() string {
	switch t.kind {
	case KindPool:
		return "node pool " + t.name
	case KindAddon:
		return "add-on " + t.name
	}
	return "control plane"
}

// opType is the type of the GKE operation that upgrades the target.
func (t target) opType() containerpb.Operation_Type {
	if t.kind == KindPool {
		return containerpb.Operation_UPGRADE_NODES
	}
	return containerpb.Operation_UPGRADE_MASTER
}

// done is a Successful operation without an ID: the target is at its
// version already.
func (t target) done() provider.Operation {
	return provider.Operation{Kind: t.kind, Target: t.name, Version: t.version, Status: provider.OpSuccessful}
}

func opTarget(op provider.Operation) target {
	return target{kind: op.Kind, name: op.Target, version: op.Version}
}

// Poll implements provider.Cloud with GetOperation on the operation's
// full name (an ID without "projects/…" is taken to be in the cluster's
// location). GKE operations do not say which version they move to, so the
// result keeps op's Version. An operation without an ID that has ended
// (one a start found already done) is returned as it is.
func (g *GKE) Poll(ctx context.Context, op provider.Operation) (provider.Operation, error) {
	t := opTarget(op)
	if op.ID == "" {
		if op.Done() {
			return op, nil
		}
		return op, g.errorf("%s: the operation has no ID", t)
	}
	if op.Kind != KindControlPlane && op.Kind != KindPool {
		return op, g.errorf("operation %s: unknown operation kind %q", op.ID, op.Kind)
	}
	pb, err := g.api.GetOperation(ctx, &containerpb.GetOperationRequest{Name: g.operationName(op.ID)}, g.reads()...)
	if err != nil {
		return op, g.errorf("%s: operation %s: %w", t, op.ID, err)
	}
	return g.operation(t, pb)
}

// operation turns a GKE operation about t into an Operation: its full
// name, its state and its errors.
func (g *GKE) operation(t target, pb *containerpb.Operation) (provider.Operation, error) {
	if pb.GetName() == "" {
		return provider.Operation{}, g.errorf("%s: the answer has no operation", t)
	}
	op := provider.Operation{ID: g.operationName(pb.GetName()), Kind: t.kind, Target: t.name, Version: t.version}
	switch {
	case running(pb):
		op.Status = provider.OpInProgress
	case pb.GetStatus() == containerpb.Operation_DONE:
		op.Status, op.Errors = outcome(pb)
	default:
		return provider.Operation{}, g.errorf("%s: operation %s has unknown status %s", t, op.ID, pb.GetStatus())
	}
	return op, nil
}

// outcome is how a DONE operation ended: Successful, or Failed (Cancelled
// when its error is CANCELLED) with its errors. An error is the
// operation's error status, or, as the API documented before it had one,
// a status message.
func outcome(pb *containerpb.Operation) (string, []string) {
	var errs []string
	st := pb.GetError()
	if c := code.Code(st.GetCode()); c != code.Code_OK {
		errs = append(errs, fmt.Sprintf("%s: %s", c, st.GetMessage()))
	}
	// The status message is deprecated in favour of the error, but it is
	// all an older operation has; when both are there and differ, both
	// are kept.
	if msg := pb.GetStatusMessage(); msg != "" && msg != st.GetMessage() {
		errs = append(errs, msg)
	}
	switch {
	case code.Code(st.GetCode()) == code.Code_CANCELLED:
		return provider.OpCancelled, errs
	case len(errs) > 0:
		return provider.OpFailed, errs
	}
	return provider.OpSuccessful, nil
}

// running reports whether an operation has not ended (ABORTING is still
// running: it ends DONE).
func running(pb *containerpb.Operation) bool {
	s := pb.GetStatus()
	return s == containerpb.Operation_PENDING || s == containerpb.Operation_RUNNING || s == containerpb.Operation_ABORTING
}

// inFlight lists the operations running on the cluster (ListOperations in
// its location), the one named id first when there is one.
func (g *GKE) inFlight(ctx context.Context, id string) ([]*containerpb.Operation, error) {
	resp, err := g.api.ListOperations(ctx, &containerpb.ListOperationsRequest{Parent: g.parent()}, g.reads()...)
	if err != nil {
		return nil, g.errorf("list operations: %w", err)
	}
	var out []*containerpb.Operation
	for _, pb := range resp.GetOperations() {
		if !running(pb) || !g.onCluster(pb) {
			continue
		}
		if id != "" && pb.GetName() == id {
			out = append([]*containerpb.Operation{pb}, out...)
			continue
		}
		out = append(out, pb)
	}
	return out, nil
}

// onCluster reports whether an operation's target is this cluster or one
// of its node pools.
func (g *GKE) onCluster(pb *containerpb.Operation) bool {
	l, ok := parseLink(pb.GetTargetLink())
	return ok && l.cluster == g.cluster && (l.location == "" || l.location == g.location)
}

// isFor reports whether an operation is the upgrade of t.
func (g *GKE) isFor(pb *containerpb.Operation, t target) bool {
	l, _ := parseLink(pb.GetTargetLink())
	return pb.GetOperationType() == t.opType() && l.pool == t.name
}

// link is what an operation's target link names.
type link struct {
	location, cluster, pool string
}

// parseLink reads a target link such as
// https://container.googleapis.com/v1/projects/123/zones/europe-west1-b/clusters/c/nodePools/p
// (a project number or ID, "zones" or "locations"; a node pool's link may
// go on to one of its nodes).
func parseLink(s string) (link, bool) {
	parts := strings.Split(s, "/")
	var l link
	for i := 0; i+1 < len(parts); i++ {
		switch parts[i] {
		case "zones", "locations":
			l.location = parts[i+1]
		case "clusters":
			l.cluster = parts[i+1]
		case "nodePools":
			l.pool = parts[i+1]
			return l, l.cluster != ""
		}
	}
	return l, l.cluster != ""
}

// describe names an operation in errors: "UPGRADE_NODES operation
// operation-123 on node pool p".
func describe(pb *containerpb.Operation) string {
	l, _ := parseLink(pb.GetTargetLink())
	on := "the cluster"
	if l.pool != "" {
		on = "node pool " + l.pool
	}
	return fmt.Sprintf("%s operation %s on %s", pb.GetOperationType(), pb.GetName(), on)
}
