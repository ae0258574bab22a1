package provider

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Cloud is a managed Kubernetes service that upgrades whole node pools
// itself (EKS managed node groups, AKS agent pools, GKE node pools). Its
// upgrades are long operations: each call that starts one returns an
// Operation whose ID the executor journals before it waits, so that resume
// re-attaches to the operation in flight instead of starting another.
type Cloud interface {
	// Name is the provider's name in profiles ("eks").
	Name() string
	// Describe reads the cluster and its pools.
	Describe(ctx context.Context) (*ClusterInfo, error)
	// StartControlPlaneUpgrade asks for the control plane at version (a
	// minor such as "1.24", or a full version where the service wants one).
	// When an upgrade is already in flight it returns that operation with
	// an error wrapping ErrOperationInProgress.
	StartControlPlaneUpgrade(ctx context.Context, version string) (Operation, error)
	// StartPoolUpgrade asks for a pool at version, with its update settings.
	StartPoolUpgrade(ctx context.Context, pool, version string, opts PoolUpgrade) (Operation, error)
	// Poll reads an operation's current state.
	Poll(ctx context.Context, op Operation) (Operation, error)
	// Addons lists the cluster's managed add-ons with the versions the
	// service offers for kubernetesVersion.
	Addons(ctx context.Context, kubernetesVersion string) ([]Addon, error)
	// UpdateAddon moves an add-on to version.
	UpdateAddon(ctx context.Context, name, version string) (Operation, error)
}

// ClusterInfo is a managed cluster as its service describes it.
type ClusterInfo struct {
	Name    string     `json:"name"`
	Version string     `json:"version"`
	Status  string     `json:"status"`
	Pools   []PoolInfo `json:"pools"`
}

// PoolInfo is one node pool (EKS managed node group, AKS agent pool).
type PoolInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Status  string `json:"status"`
	// ReleaseVersion is the node image's release (EKS AMI release).
	ReleaseVersion string `json:"releaseVersion,omitempty"`
	Nodes          int    `json:"nodes"`
}

// PoolUpgrade are a pool upgrade's settings; zero values leave the
// service's own.
type PoolUpgrade struct {
	// MaxSurge is how many nodes the service may add (AKS); MaxUnavailable
	// how many may be unavailable at once, as a count or, when
	// MaxUnavailablePercent is set, a percentage (EKS update config).
	MaxSurge              int
	MaxUnavailable        int
	MaxUnavailablePercent int
	// DrainTimeout bounds each node's drain (AKS).
	DrainTimeout time.Duration
	// ReleaseVersion pins the node image release (EKS AMI release).
	ReleaseVersion string
	// Force upgrades even when pods cannot be drained (EKS); kubehop never
	// sets it on its own.
	Force bool
}

// Operation states.
const (
	OpInProgress = "InProgress"
	OpSuccessful = "Successful"
	OpFailed     = "Failed"
	OpCancelled  = "Cancelled"
)

// Operation is a long-running change the service carries out.
type Operation struct {
	// ID is the service's identifier of the operation (an EKS update ID).
	ID string `json:"id"`
	// Kind is "control-plane", "pool" or "addon"; Target names the pool or
	// add-on.
	Kind   string `json:"kind"`
	Target string `json:"target,omitempty"`
	// Version is what the operation moves to.
	Version string   `json:"version,omitempty"`
	Status  string   `json:"status"`
	Errors  []string `json:"errors,omitempty"`
}

// Done reports whether the operation has ended, well or not.
func (o Operation) Done() bool { return o.Status != OpInProgress && o.Status != "" }

// Addon is a managed add-on and the versions on offer.
type Addon struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Status  string `json:"status,omitempty"`
	// Default is the service's default version for the Kubernetes version
	// asked about; Compatible every version it supports there.
	Default    string   `json:"default,omitempty"`
	Compatible []string `json:"compatible,omitempty"`
}

// ErrOperationInProgress is returned when the service refuses to start an
// operation because another is in flight on the same resource.
var ErrOperationInProgress = errors.New("an operation is already in progress")

// ErrOperationFailed is returned by Wait for an operation that ended
// without success.
var ErrOperationFailed = errors.New("operation failed")

// Wait polls an operation every interval until it ends, telling progress
// each time its status changes, and returns its last state; an operation
// that ends without success is an error wrapping ErrOperationFailed.
// Errors reading the operation are returned as they are: a caller may
// journal the operation and Wait again.
func Wait(ctx context.Context, c Cloud, op Operation, interval time.Duration, progress func(Operation)) (Operation, error) {
	last := ""
	for {
		cur, err := c.Poll(ctx, op)
		if err != nil {
			return op, fmt.Errorf("poll %s operation %s: %w", op.Kind, op.ID, err)
		}
		op = cur
		if op.Status != last && progress != nil {
			progress(op)
		}
		last = op.Status
		if op.Done() {
			if op.Status != OpSuccessful {
				return op, fmt.Errorf("%w: %s operation %s on %s: %s %v", ErrOperationFailed, op.Kind, op.ID, op.Target, op.Status, op.Errors)
			}
			return op, nil
		}
		select {
		case <-ctx.Done():
			return op, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// PoolLifecycle is a Cloud that can also create, resize and delete pools:
// what the EKS 1.23 -> 1.24 dockershim migration does with its temporary
// containerd node groups. Each call starts a long operation, journalled
// and polled like any other (Poll knows their kinds).
type PoolLifecycle interface {
	Cloud
	// CreatePool creates pool spec.Name with the settings of pool
	// spec.From (subnets, role, instance types, labels, taints, size),
	// changed as spec says. A pool of that name that exists already is
	// not an error: its creation's operation is returned, so that a
	// resumed step re-attaches.
	CreatePool(ctx context.Context, spec NewPool) (Operation, error)
	// ScalePool sets a pool's size.
	ScalePool(ctx context.Context, pool string, size PoolSize) (Operation, error)
	// DeletePool deletes a pool; one already gone is not an error.
	DeletePool(ctx context.Context, pool string) (Operation, error)
	// PoolSize reads a pool's size.
	PoolSize(ctx context.Context, pool string) (PoolSize, error)
}

// Operation kinds of a PoolLifecycle.
const (
	KindPoolCreate = "pool-create"
	KindPoolScale  = "pool-scale"
	KindPoolDelete = "pool-delete"
)

// NewPool is a pool to create from another.
type NewPool struct {
	Name string `json:"name"`
	From string `json:"from"`
	// LaunchTemplate replaces the source pool's (EKS: a launch template
	// whose user data starts the kubelet with --container-runtime
	// containerd).
	LaunchTemplate LaunchTemplate `json:"launchTemplate,omitempty"`
	// Labels are added to the source pool's.
	Labels map[string]string `json:"labels,omitempty"`
}

// LaunchTemplate names an EC2 launch template: by ID or name, at a version
// ("" is its default version).
type LaunchTemplate struct {
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

// PoolSize is a pool's scaling: its bounds and the size wanted.
type PoolSize struct {
	Min     int `json:"min"`
	Max     int `json:"max"`
	Desired int `json:"desired"`
}
