package eks

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/kubehop/kubehop/internal/provider"
)

// target is what an operation changes: the control plane, a node group or
// an add-on, and the version or (KindPoolScale) the size asked for.
type target struct {
	kind string
	// name is the node group or add-on ("" for the control plane).
	name    string
	version string
	// release is the node group's AMI release asked for, if any.
	release string
	// size is the node group's scaling asked for (KindPoolScale).
	size provider.PoolSize
}

func (t target) String() string {
	switch t.kind {
	case KindPool, KindPoolScale, KindPoolCreate, KindPoolDelete:
		return "node group " + t.name
	case KindAddon:
		return "add-on " + t.name
	}
	return "control plane"
}

// change is what t's update does, for messages: "update to 1.24", "scale
// to desired 0 (min 0, max 6)".
func (t target) change() string {
	if t.kind == KindPoolScale {
		return "scale to " + sizeText(t.size)
	}
	return "update to " + t.version
}

// nodegroupScoped reports whether t's updates are scoped to a node group.
func (t target) nodegroupScoped() bool { return t.kind == KindPool || t.kind == KindPoolScale }

// updateType is the type of update that makes t's change.
func (t target) updateType() types.UpdateType {
	switch t.kind {
	case KindAddon:
		return types.UpdateTypeAddonUpdate
	case KindPoolScale:
		return types.UpdateTypeConfigUpdate
	}
	return types.UpdateTypeVersionUpdate
}

func opTarget(op provider.Operation) target {
	return target{kind: op.Kind, name: op.Target, version: op.Version}
}

// Poll implements provider.Cloud with DescribeUpdate, scoped to the node
// group or add-on of pool, pool-scale and add-on operations as EKS
// requires; a node group's creation or deletion is read from its status
// (see pollPool). An operation without an ID that has ended (one a start
// found already done) is returned as it is.
func (e *EKS) Poll(ctx context.Context, op provider.Operation) (provider.Operation, error) {
	t := opTarget(op)
	switch {
	case op.ID == "" && op.Done():
		return op, nil
	case op.Kind == KindPoolCreate || op.Kind == KindPoolDelete:
		return e.pollPool(ctx, op)
	case op.ID == "":
		return op, e.errorf("%s: the operation has no update ID", t)
	}
	in := &awseks.DescribeUpdateInput{Name: aws.String(e.cluster), UpdateId: aws.String(op.ID)}
	switch op.Kind {
	case KindPool, KindPoolScale:
		in.NodegroupName = aws.String(op.Target)
	case KindAddon:
		in.AddonName = aws.String(op.Target)
	case KindControlPlane:
	default:
		return op, e.errorf("update %s: unknown operation kind %q", op.ID, op.Kind)
	}
	out, err := e.api.DescribeUpdate(ctx, in)
	if err != nil {
		return op, e.errorf("%s: update %s: describe: %w", t, op.ID, err)
	}
	cur, err := e.operation(t, out.Update)
	if err != nil {
		return op, err
	}
	if cur.Version == "" {
		cur.Version = op.Version
	}
	return cur, nil
}

// statuses maps EKS update statuses onto operation states.
var statuses = map[types.UpdateStatus]string{
	types.UpdateStatusInProgress: provider.OpInProgress,
	types.UpdateStatusSuccessful: provider.OpSuccessful,
	types.UpdateStatusFailed:     provider.OpFailed,
	types.UpdateStatusCancelled:  provider.OpCancelled,
}

// operation turns an EKS update about t into an Operation: its ID, state,
// the version its params name and its errors.
func (e *EKS) operation(t target, u *types.Update) (provider.Operation, error) {
	if u == nil || aws.ToString(u.Id) == "" {
		return provider.Operation{}, e.errorf("%s: the answer has no update", t)
	}
	id := aws.ToString(u.Id)
	status, ok := statuses[u.Status]
	if !ok {
		return provider.Operation{}, e.errorf("%s: update %s has unknown status %q", t, id, u.Status)
	}
	op := provider.Operation{ID: id, Kind: t.kind, Target: t.name, Version: updateVersion(u), Status: status}
	for _, d := range u.Errors {
		op.Errors = append(op.Errors, errorText(d))
	}
	return op, nil
}

// updateVersion is the version an update moves to: its Version param, or
// AddonVersion for an add-on update.
func updateVersion(u *types.Update) string {
	for _, want := range []types.UpdateParamType{types.UpdateParamTypeVersion, types.UpdateParamTypeAddonVersion} {
		for _, p := range u.Params {
			if p.Type == want {
				return aws.ToString(p.Value)
			}
		}
	}
	return ""
}

// errorText is "code: message (resources: a, b)".
func errorText(d types.ErrorDetail) string {
	return detailText(string(d.ErrorCode), aws.ToString(d.ErrorMessage), d.ResourceIds)
}

func detailText(code, message string, resources []string) string {
	s := fmt.Sprintf("%s: %s", code, message)
	if len(resources) > 0 {
		s += " (resources: " + strings.Join(resources, ", ") + ")"
	}
	return s
}

// inFlight finds the update in progress on t's control plane, node group
// (KindPool, KindPoolScale) or add-on (ListUpdates, then DescribeUpdate on
// each), nil when none is.
func (e *EKS) inFlight(ctx context.Context, t target) (*types.Update, error) {
	in := &awseks.ListUpdatesInput{Name: aws.String(e.cluster)}
	describe := &awseks.DescribeUpdateInput{Name: aws.String(e.cluster)}
	switch {
	case t.nodegroupScoped():
		in.NodegroupName, describe.NodegroupName = aws.String(t.name), aws.String(t.name)
	case t.kind == KindAddon:
		in.AddonName, describe.AddonName = aws.String(t.name), aws.String(t.name)
	}
	p := awseks.NewListUpdatesPaginator(e.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, e.errorf("%s: list updates: %w", t, err)
		}
		for _, id := range page.UpdateIds {
			q := *describe
			q.UpdateId = aws.String(id)
			out, err := e.api.DescribeUpdate(ctx, &q)
			if err != nil {
				return nil, e.errorf("%s: update %s: describe: %w", t, id, err)
			}
			if out.Update != nil && out.Update.Status == types.UpdateStatusInProgress {
				return out.Update, nil
			}
		}
	}
	return nil, nil
}
