package gke

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"time"

	"cloud.google.com/go/container/apiv1/containerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/kubehop/kubehop/internal/provider"
)

// StartControlPlaneUpgrade implements provider.Cloud with UpdateMaster.
// version is passed on as GKE takes it, a leading "v" dropped: "1.30"
// (GKE picks the newest patch of the minor it offers), "1.30.5",
// "1.30.5-gke.1014001" or "latest"; anything else is refused before any
// call.
//
// It reads the cluster first (GetCluster): when the control plane already
// runs version and the cluster is RUNNING, as after a crash between the
// upgrade's end and its journal entry, it returns a Successful operation
// without an ID and sends nothing. A minor or a patch counts as reached
// when the control plane runs any version of it.
//
// GKE runs one operation at a time on a cluster. When it refuses because
// one runs, the error wraps provider.ErrOperationInProgress (and GKE's
// refusal). If that operation is this very upgrade (an UPGRADE_MASTER
// on the cluster, as when a start was sent but its answer lost), the
// returned Operation re-attaches to it; GKE operations do not say which
// version they move to, so it carries the version asked for. When
// anything else runs (a node pool's upgrade, an auto-upgrade, a resize)
// there is nothing of this upgrade to re-attach to: the Operation is zero
// and the error names what runs; start again once it ends.
func (g *GKE) StartControlPlaneUpgrade(ctx context.Context, version string) (provider.Operation, error) {
	v, err := masterVersion(version)
	if err != nil {
		return provider.Operation{}, g.errorf("control plane upgrade: %w", err)
	}
	t := target{kind: KindControlPlane, version: v}
	c, err := g.getCluster(ctx)
	if err != nil {
		return provider.Operation{}, err
	}
	if c.GetStatus() == containerpb.Cluster_RUNNING && matches(v, c.GetCurrentMasterVersion()) {
		return t.done(), nil
	}
	pb, err := g.api.UpdateMaster(ctx, &containerpb.UpdateMasterRequest{Name: g.Cluster(), MasterVersion: v}, g.writes()...)
	if err != nil {
		return g.refused(ctx, t, err)
	}
	return g.operation(t, pb)
}

// StartPoolUpgrade implements provider.Cloud with one UpdateNodePool
// request carrying the pool's new version (NodeVersion: version as
// StartControlPlaneUpgrade takes it, or "-" for the control plane's) and,
// when they change, its upgrade settings. UpdateNodePoolRequest takes
// both at once (unlike UpdateCluster, whose ClusterUpdate allows one field
// per request), so the settings apply to this very upgrade without an
// operation of their own.
//
// The settings sent are the pool's own, read with GetCluster, with what
// the plan changes (they replace the pool's, so they are sent whole):
//   - BlueGreen set: strategy BLUE_GREEN with those settings; opts'
//     surge counts are not used;
//   - else opts.MaxSurge or opts.MaxUnavailable set: strategy SURGE with
//     the counts set (one left zero keeps the pool's);
//   - else the pool's settings stay as they are and none are sent.
//
// GKE takes node counts only: opts.MaxUnavailablePercent, and
// opts.ReleaseVersion (an EKS AMI release), are refused. opts.DrainTimeout
// and opts.Force are not sent: GKE drains each node respecting
// PodDisruptionBudgets for up to an hour, then goes on regardless.
//
// A pool already at version and RUNNING returns a Successful operation
// without an ID and sends nothing. A refusal because an operation runs on
// the cluster is handled as in StartControlPlaneUpgrade, re-attaching to
// an UPGRADE_NODES operation on this pool.
func (g *GKE) StartPoolUpgrade(ctx context.Context, pool, version string, opts provider.PoolUpgrade) (provider.Operation, error) {
	v, err := nodeVersion(version)
	if err != nil {
		return provider.Operation{}, g.errorf("node pool %s: upgrade: %w", pool, err)
	}
	t := target{kind: KindPool, name: pool, version: v}
	if err := g.checkPoolUpgrade(opts); err != nil {
		return provider.Operation{}, g.errorf("%s: upgrade to %s: %w", t, v, err)
	}
	c, err := g.getCluster(ctx)
	if err != nil {
		return provider.Operation{}, err
	}
	np, err := g.nodePool(c, pool)
	if err != nil {
		return provider.Operation{}, err
	}
	want := v
	if v == versionMaster {
		want = c.GetCurrentMasterVersion()
	}
	if np.GetStatus() == containerpb.NodePool_RUNNING && matches(want, np.GetVersion()) {
		return t.done(), nil
	}
	pb, err := g.api.UpdateNodePool(ctx, &containerpb.UpdateNodePoolRequest{
		Name:            g.poolName(pool),
		NodeVersion:     v,
		UpgradeSettings: g.upgradeSettings(np.GetUpgradeSettings(), opts),
	}, g.writes()...)
	if err != nil {
		return g.refused(ctx, t, err)
	}
	return g.operation(t, pb)
}

// checkPoolUpgrade refuses the settings GKE cannot take.
func (g *GKE) checkPoolUpgrade(opts provider.PoolUpgrade) error {
	switch {
	case opts.MaxSurge < 0 || opts.MaxSurge > math.MaxInt32:
		return fmt.Errorf("max surge %d is not a node count", opts.MaxSurge)
	case opts.MaxUnavailable < 0 || opts.MaxUnavailable > math.MaxInt32:
		return fmt.Errorf("max unavailable %d is not a node count", opts.MaxUnavailable)
	case opts.MaxUnavailablePercent != 0:
		return fmt.Errorf("max unavailable %d%%: GKE takes a node count, not a percentage", opts.MaxUnavailablePercent)
	case opts.ReleaseVersion != "":
		return fmt.Errorf("release version %s: GKE has none; give the full version (1.30.5-gke.1014001) instead", opts.ReleaseVersion)
	}
	if g.BlueGreen != nil {
		return g.BlueGreen.check()
	}
	return nil
}

// upgradeSettings are the pool's settings cur with what BlueGreen or opts
// change, nil when nothing changes; see StartPoolUpgrade.
func (g *GKE) upgradeSettings(cur *containerpb.NodePool_UpgradeSettings, opts provider.PoolUpgrade) *containerpb.NodePool_UpgradeSettings {
	out := &containerpb.NodePool_UpgradeSettings{}
	if cur != nil {
		out = proto.Clone(cur).(*containerpb.NodePool_UpgradeSettings)
	}
	switch {
	case g.BlueGreen != nil:
		out.Strategy = containerpb.NodePoolUpdateStrategy_BLUE_GREEN.Enum()
		out.BlueGreenSettings = g.BlueGreen.proto()
	case opts.MaxSurge > 0 || opts.MaxUnavailable > 0:
		out.Strategy = containerpb.NodePoolUpdateStrategy_SURGE.Enum()
		if opts.MaxSurge > 0 {
			out.MaxSurge = int32(opts.MaxSurge)
		}
		if opts.MaxUnavailable > 0 {
			out.MaxUnavailable = int32(opts.MaxUnavailable)
		}
	default:
		return nil
	}
	if proto.Equal(out, cur) {
		return nil
	}
	return out
}

// BlueGreenSettings ask for a blue-green node pool upgrade: GKE creates a
// green pool at the new version next to the blue one, drains the blue
// pool batch by batch, soaks, then deletes the blue pool. A zero field
// leaves GKE's default.
type BlueGreenSettings struct {
	// BatchPercentage is the share of the blue pool drained in each batch,
	// more than 0 and at most 1; BatchNodeCount a number of nodes instead.
	// At most one may be set.
	BatchPercentage float64
	BatchNodeCount  int
	// BatchSoakDuration is how long GKE waits after each batch.
	BatchSoakDuration time.Duration
	// NodePoolSoakDuration is how long GKE waits, once the blue pool is
	// drained, before it deletes the blue pool: the time left to roll
	// back.
	NodePoolSoakDuration time.Duration
}

func (b *BlueGreenSettings) check() error {
	switch {
	case b.BatchPercentage < 0 || b.BatchPercentage > 1:
		return fmt.Errorf("blue-green batch percentage %g is not in (0, 1]", b.BatchPercentage)
	case b.BatchNodeCount < 0 || b.BatchNodeCount > math.MaxInt32:
		return fmt.Errorf("blue-green batch node count %d is not a node count", b.BatchNodeCount)
	case b.BatchPercentage > 0 && b.BatchNodeCount > 0:
		return fmt.Errorf("blue-green batch percentage %g and node count %d: set one", b.BatchPercentage, b.BatchNodeCount)
	case b.BatchSoakDuration < 0 || b.NodePoolSoakDuration < 0:
		return fmt.Errorf("blue-green soak durations %s and %s: negative", b.BatchSoakDuration, b.NodePoolSoakDuration)
	}
	return nil
}

// proto is the settings as GKE takes them: a standard rollout policy.
func (b *BlueGreenSettings) proto() *containerpb.BlueGreenSettings {
	policy := &containerpb.BlueGreenSettings_StandardRolloutPolicy{}
	switch {
	case b.BatchPercentage > 0:
		policy.UpdateBatchSize = &containerpb.BlueGreenSettings_StandardRolloutPolicy_BatchPercentage{BatchPercentage: float32(b.BatchPercentage)}
	case b.BatchNodeCount > 0:
		policy.UpdateBatchSize = &containerpb.BlueGreenSettings_StandardRolloutPolicy_BatchNodeCount{BatchNodeCount: int32(b.BatchNodeCount)}
	}
	if b.BatchSoakDuration > 0 {
		policy.BatchSoakDuration = durationpb.New(b.BatchSoakDuration)
	}
	out := &containerpb.BlueGreenSettings{
		RolloutPolicy: &containerpb.BlueGreenSettings_StandardRolloutPolicy_{StandardRolloutPolicy: policy},
	}
	if b.NodePoolSoakDuration > 0 {
		out.NodePoolSoakDuration = durationpb.New(b.NodePoolSoakDuration)
	}
	return out
}

// operationRE finds the operation a refusal names; busyRE recognizes
// GKE's refusals because an operation runs on the cluster.
var (
	operationRE = regexp.MustCompile(`operation-[0-9A-Za-z-]+`)
	busyRE      = regexp.MustCompile(`incompatible operation|Operation operation-\S+ is currently`)
)

// busy reports whether err is GKE refusing a change because an operation
// runs on the cluster, and the operation it names. GKE answers
// FAILED_PRECONDITION with a message such as "Cluster is running
// incompatible operation operation-1718024305921-fd4f65ea" or "Operation
// operation-1596064640049-1b03e177 is currently upgrading cluster c.
// Please wait and try again once it is done."; over the REST transport
// that is an HTTP 400, which the client reports as INVALID_ARGUMENT, so
// both codes are read, and the message decides.
func busy(err error) (id string, ok bool) {
	switch status.Code(err) {
	case codes.FailedPrecondition, codes.InvalidArgument:
	default:
		return "", false
	}
	msg := status.Convert(err).Message()
	if !busyRE.MatchString(msg) {
		return "", false
	}
	return operationRE.FindString(msg), true
}

// refused handles an error starting t's upgrade: when GKE refused
// because an operation runs on the cluster, re-attach to it if it is t's
// upgrade (see StartControlPlaneUpgrade).
func (g *GKE) refused(ctx context.Context, t target, err error) (provider.Operation, error) {
	id, ok := busy(err)
	if !ok {
		return provider.Operation{}, g.errorf("%s: upgrade to %s: %w", t, t.version, err)
	}
	ops, lerr := g.inFlight(ctx, id)
	switch {
	case lerr != nil:
		return provider.Operation{}, g.errorf("%s: upgrade to %s refused (%v), and the operation in flight could not be read: %w", t, t.version, err, lerr)
	case len(ops) == 0:
		return provider.Operation{}, g.errorf("%s: upgrade to %s: %w (no operation runs on the cluster any more: try again)", t, t.version, err)
	}
	for _, pb := range ops {
		if !g.isFor(pb, t) {
			continue
		}
		op, oerr := g.operation(t, pb)
		if oerr != nil {
			return provider.Operation{}, oerr
		}
		return op, g.errorf("%s: upgrade to %s: %w: operation %s", t, t.version, provider.ErrOperationInProgress, op.ID)
	}
	return provider.Operation{}, g.errorf("%s: upgrade to %s: %w: %s; start again once it ends (%w)", t, t.version, provider.ErrOperationInProgress, describe(ops[0]), err)
}
