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

// StartControlPlaneUpgrade implements provider.Cloud with
// UpdateClusterVersion. version may be "1.24", "v1.24" or "1.24.7": EKS
// takes the minor.
//
// When EKS refuses because an update is in flight
// (ResourceInUseException), it returns that update, found with ListUpdates
// and DescribeUpdate, and an error wrapping provider.ErrOperationInProgress.
// When EKS refuses the version (InvalidParameterException) and the control
// plane already runs it, as after a crash between the update's end and its
// journal entry, it returns a Successful operation without an ID.
func (e *EKS) StartControlPlaneUpgrade(ctx context.Context, version string) (provider.Operation, error) {
	v, err := minor(version)
	if err != nil {
		return provider.Operation{}, e.errorf("control plane upgrade: %w", err)
	}
	t := target{kind: KindControlPlane, version: v}
	out, err := e.api.UpdateClusterVersion(ctx, &awseks.UpdateClusterVersionInput{
		Name:    aws.String(e.cluster),
		Version: aws.String(v),
	})
	if err != nil {
		return e.refused(ctx, t, err)
	}
	return e.operation(t, out.Update)
}

// StartPoolUpgrade implements provider.Cloud with UpdateNodegroupVersion:
// the Kubernetes minor of version, opts.ReleaseVersion (the AMI release;
// EKS picks the latest for the version when it is empty) and opts.Force.
//
// UpdateNodegroupVersion has no update config of its own, so when
// opts.MaxUnavailable or opts.MaxUnavailablePercent is set and the node
// group's update config differs, it first calls UpdateNodegroupConfig and
// waits (every PollInterval) for that ConfigUpdate to succeed: EKS allows
// one update at a time on a node group, and the version update reads the
// config when it starts. A ConfigUpdate already in flight is waited for
// too; a VersionUpdate in flight is returned with an error wrapping
// provider.ErrOperationInProgress, as when UpdateNodegroupVersion itself
// is refused with ResourceInUseException.
func (e *EKS) StartPoolUpgrade(ctx context.Context, pool, version string, opts provider.PoolUpgrade) (provider.Operation, error) {
	v, err := minor(version)
	if err != nil {
		return provider.Operation{}, e.errorf("node group %s: upgrade: %w", pool, err)
	}
	t := target{kind: KindPool, name: pool, version: v, release: opts.ReleaseVersion}
	want, err := updateConfig(opts)
	if err != nil {
		return provider.Operation{}, e.errorf("%s: upgrade: %w", t, err)
	}
	if want != nil {
		if op, err := e.ensureUpdateConfig(ctx, t, want); err != nil {
			return op, err
		}
	}
	in := &awseks.UpdateNodegroupVersionInput{
		ClusterName:   aws.String(e.cluster),
		NodegroupName: aws.String(pool),
		Version:       aws.String(v),
		Force:         opts.Force,
	}
	if opts.ReleaseVersion != "" {
		in.ReleaseVersion = aws.String(opts.ReleaseVersion)
	}
	out, err := e.api.UpdateNodegroupVersion(ctx, in)
	if err != nil {
		return e.refused(ctx, t, err)
	}
	return e.operation(t, out.Update)
}

// UpdateAddon implements provider.Cloud with UpdateAddon at version (an
// add-on version such as "v1.8.7-eksbuild.4"), resolving conflicts with
// PRESERVE: changes the operator made to the add-on's Kubernetes objects
// are kept, never overwritten. An add-on update in flight is returned with
// an error wrapping provider.ErrOperationInProgress.
func (e *EKS) UpdateAddon(ctx context.Context, name, version string) (provider.Operation, error) {
	t := target{kind: KindAddon, name: name, version: version}
	if version == "" {
		return provider.Operation{}, e.errorf("%s: update: no version given", t)
	}
	out, err := e.api.UpdateAddon(ctx, &awseks.UpdateAddonInput{
		ClusterName:      aws.String(e.cluster),
		AddonName:        aws.String(name),
		AddonVersion:     aws.String(version),
		ResolveConflicts: types.ResolveConflictsPreserve,
	})
	if err != nil {
		return e.refused(ctx, t, err)
	}
	return e.operation(t, out.Update)
}

// refused handles an error starting t's update: re-attach to the update in
// flight, or see whether t is already at its version (or size).
func (e *EKS) refused(ctx context.Context, t target, err error) (provider.Operation, error) {
	switch {
	case isInUse(err):
		return e.attach(ctx, t, err)
	case isInvalidParameter(err):
		if op, ok := e.alreadyAt(ctx, t); ok {
			return op, nil
		}
	}
	return provider.Operation{}, e.errorf("%s: %s: %w", t, t.change(), err)
}

// attach returns the update in flight on t with an error wrapping
// provider.ErrOperationInProgress; refusal is EKS's ResourceInUseException.
func (e *EKS) attach(ctx context.Context, t target, refusal error) (provider.Operation, error) {
	u, err := e.inFlight(ctx, t)
	if err != nil {
		return provider.Operation{}, e.errorf("%s: %s refused (%v), and the update in flight could not be read: %w", t, t.change(), refusal, err)
	}
	if u == nil {
		return provider.Operation{}, e.errorf("%s: %s: %w (no update is in flight any more: try again)", t, t.change(), refusal)
	}
	op, err := e.operation(t, u)
	if err != nil {
		return provider.Operation{}, err
	}
	if u.Type != t.updateType() {
		return provider.Operation{}, e.errorf("%s: %s: %s update %s is in flight, try again once it ends: %w", t, t.change(), u.Type, op.ID, refusal)
	}
	return op, e.errorf("%s: %s: %w: update %s%s", t, t.change(), provider.ErrOperationInProgress, op.ID, updateText(u))
}

// updateText describes an update's change for messages: " (to 1.24)", or
// its params for a config update.
func updateText(u *types.Update) string {
	if v := updateVersion(u); v != "" {
		return " (to " + v + ")"
	}
	var params []string
	for _, p := range u.Params {
		params = append(params, string(p.Type)+"="+aws.ToString(p.Value))
	}
	if len(params) == 0 {
		return ""
	}
	return " (" + strings.Join(params, ", ") + ")"
}

// alreadyAt reports whether t already runs its version (and release), or
// has its size, in which case the returned operation is a Successful one
// without an ID.
func (e *EKS) alreadyAt(ctx context.Context, t target) (provider.Operation, bool) {
	var at bool
	switch t.kind {
	case KindControlPlane:
		out, err := e.api.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String(e.cluster)})
		at = err == nil && out.Cluster != nil && aws.ToString(out.Cluster.Version) == t.version
	case KindPool:
		ng, err := e.nodegroup(ctx, t.name)
		at = err == nil && aws.ToString(ng.Version) == t.version &&
			(t.release == "" || aws.ToString(ng.ReleaseVersion) == t.release)
	case KindPoolScale:
		size, err := e.PoolSize(ctx, t.name)
		at = err == nil && size == t.size
	case KindAddon:
		a, err := e.addon(ctx, t.name)
		at = err == nil && aws.ToString(a.AddonVersion) == t.version
	}
	return provider.Operation{Kind: t.kind, Target: t.name, Version: t.version, Status: provider.OpSuccessful}, at
}

// maxUnavailableLimit is the largest maxUnavailable (count or percentage)
// EKS accepts.
const maxUnavailableLimit = 100

// updateConfig is the node group update config opts ask for, nil when
// they leave EKS's own.
func updateConfig(opts provider.PoolUpgrade) (*types.NodegroupUpdateConfig, error) {
	switch {
	case opts.MaxUnavailablePercent < 0 || opts.MaxUnavailablePercent > maxUnavailableLimit:
		return nil, fmt.Errorf("max unavailable percentage %d is not between 1 and %d", opts.MaxUnavailablePercent, maxUnavailableLimit)
	case opts.MaxUnavailablePercent > 0:
		return &types.NodegroupUpdateConfig{MaxUnavailablePercentage: aws.Int32(int32(opts.MaxUnavailablePercent))}, nil
	case opts.MaxUnavailable < 0 || opts.MaxUnavailable > maxUnavailableLimit:
		return nil, fmt.Errorf("max unavailable %d is not between 1 and %d", opts.MaxUnavailable, maxUnavailableLimit)
	case opts.MaxUnavailable > 0:
		return &types.NodegroupUpdateConfig{MaxUnavailable: aws.Int32(int32(opts.MaxUnavailable))}, nil
	}
	return nil, nil
}

// sameUpdateConfig reports whether the node group's config already is
// want.
func sameUpdateConfig(cur, want *types.NodegroupUpdateConfig) bool {
	if cur == nil {
		return false
	}
	if want.MaxUnavailablePercentage != nil {
		return cur.MaxUnavailablePercentage != nil && *cur.MaxUnavailablePercentage == *want.MaxUnavailablePercentage
	}
	return cur.MaxUnavailablePercentage == nil && cur.MaxUnavailable != nil && *cur.MaxUnavailable == aws.ToInt32(want.MaxUnavailable)
}

func configText(c *types.NodegroupUpdateConfig) string {
	if c.MaxUnavailablePercentage != nil {
		return fmt.Sprintf("max unavailable %d%%", *c.MaxUnavailablePercentage)
	}
	return fmt.Sprintf("max unavailable %d", aws.ToInt32(c.MaxUnavailable))
}

// configAttempts bounds how often ensureUpdateConfig waits for another
// config update and looks again.
const configAttempts = 3

// ensureUpdateConfig gives t's node group the update config want, waiting
// for the ConfigUpdate to succeed; see StartPoolUpgrade.
func (e *EKS) ensureUpdateConfig(ctx context.Context, t target, want *types.NodegroupUpdateConfig) (provider.Operation, error) {
	cfg := target{kind: KindPool, name: t.name}
	for range configAttempts {
		ng, err := e.nodegroup(ctx, t.name)
		if err != nil {
			return provider.Operation{}, err
		}
		if sameUpdateConfig(ng.UpdateConfig, want) {
			return provider.Operation{}, nil
		}
		out, err := e.api.UpdateNodegroupConfig(ctx, &awseks.UpdateNodegroupConfigInput{
			ClusterName:   aws.String(e.cluster),
			NodegroupName: aws.String(t.name),
			UpdateConfig:  want,
		})
		var op provider.Operation
		switch {
		case err == nil:
			if op, err = e.operation(cfg, out.Update); err != nil {
				return op, err
			}
			if op, err = e.Wait(ctx, op, nil); err != nil {
				return op, e.errorf("%s: update config (%s): %w", t, configText(want), err)
			}
			return provider.Operation{}, nil
		case !isInUse(err):
			return provider.Operation{}, e.errorf("%s: update config (%s): %w", t, configText(want), err)
		}
		u, err := e.inFlight(ctx, cfg)
		if err != nil {
			return provider.Operation{}, err
		}
		if u == nil {
			continue
		}
		if u.Type == types.UpdateTypeVersionUpdate {
			op, err := e.operation(t, u)
			if err != nil {
				return op, err
			}
			return op, e.errorf("%s: upgrade to %s: %w: update %s (to %s)", t, t.version, provider.ErrOperationInProgress, op.ID, op.Version)
		}
		if op, err = e.operation(cfg, u); err != nil {
			return op, err
		}
		if op, err = e.Wait(ctx, op, nil); err != nil {
			return op, e.errorf("%s: waiting for %s update %s in flight: %w", t, u.Type, op.ID, err)
		}
	}
	return provider.Operation{}, e.errorf("%s: update config (%s): the node group stayed busy after %d attempts", t, configText(want), configAttempts)
}
