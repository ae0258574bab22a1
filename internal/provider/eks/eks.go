// Package eks is kubehop's provider.Cloud for Amazon EKS, built on the
// official aws-sdk-go-v2 EKS client. It moves the control plane with
// UpdateClusterVersion, managed node groups with UpdateNodegroupVersion
// (after UpdateNodegroupConfig when the plan sets how many nodes may be
// unavailable) and managed add-ons with UpdateAddon, and reads what the
// runbook's operator checks by hand: the cluster, its node groups, its
// add-ons and the versions EKS offers for them, and EKS upgrade insights
// (deprecated API usage).
//
// Every EKS change is an "update" with an ID: that ID is the
// provider.Operation's ID, so resume re-attaches with Poll, and a start
// refused because an update is in flight (ResourceInUseException) returns
// that update instead.
//
// It is also a provider.PoolLifecycle, for the 1.23 -> 1.24 dockershim
// migration's temporary node groups: CreatePool copies a node group with
// CreateNodegroup (with a launch template whose user data starts the
// kubelet on containerd), ScalePool resizes one with UpdateNodegroupConfig
// (an update like any other) and DeletePool removes one with
// DeleteNodegroup. Creation and deletion are no EKS updates: their
// operations ("create/<node group>", "delete/<node group>") are polled by
// the node group's status.
//
// Throttling is the SDK's business: its standard retryer retries
// ThrottlingException and HTTP 429 (and 5xx) with backoff, so the client
// the caller builds decides how hard to retry.
package eks

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/kubehop/kubehop/internal/provider"
)

var (
	_ provider.Cloud         = (*EKS)(nil)
	_ provider.PoolLifecycle = (*EKS)(nil)
)

// DefaultPollInterval is how often updates are polled unless PollInterval
// says otherwise. EKS updates take minutes (a control plane 20 to 40), so
// polling faster only spends API quota.
const DefaultPollInterval = 15 * time.Second

// Operation kinds (provider.Operation.Kind).
const (
	KindControlPlane = "control-plane"
	KindPool         = "pool"
	KindAddon        = "addon"
	// KindPoolCreate and KindPoolDelete are a node group's creation and
	// deletion, KindPoolScale the config update that resizes it.
	KindPoolCreate = provider.KindPoolCreate
	KindPoolScale  = provider.KindPoolScale
	KindPoolDelete = provider.KindPoolDelete
)

// EKS drives one EKS cluster.
type EKS struct {
	api     *awseks.Client
	cluster string
	// PollInterval is how often Wait and StartPoolUpgrade (waiting for a
	// node group's config update) poll an update.
	PollInterval time.Duration
}

// New returns the provider for cluster, talking through client (built by
// the caller with its region, credentials and retry settings).
func New(client *awseks.Client, cluster string) *EKS {
	return &EKS{api: client, cluster: cluster, PollInterval: DefaultPollInterval}
}

// Name implements provider.Cloud.
func (e *EKS) Name() string { return "eks" }

// Cluster is the name of the cluster this provider drives.
func (e *EKS) Cluster() string { return e.cluster }

// Wait waits for op with provider.Wait, polling every PollInterval; an
// operation that ends without success is an error wrapping
// provider.ErrOperationFailed that names the cluster and what failed.
func (e *EKS) Wait(ctx context.Context, op provider.Operation, progress func(provider.Operation)) (provider.Operation, error) {
	done, err := provider.Wait(ctx, e, op, e.interval(), progress)
	if errors.Is(err, provider.ErrOperationFailed) {
		err = e.errorf("%s: %w", opTarget(op), err)
	}
	return done, err
}

func (e *EKS) interval() time.Duration {
	if e.PollInterval > 0 {
		return e.PollInterval
	}
	return DefaultPollInterval
}

// errorf prefixes an error with the cluster it is about.
func (e *EKS) errorf(format string, args ...any) error {
	return fmt.Errorf("eks cluster %s: %w", e.cluster, fmt.Errorf(format, args...))
}

// minor turns a Kubernetes version ("1.24", "v1.24", "1.24.7") into the
// minor EKS takes for clusters and node groups ("1.24").
func minor(version string) (string, error) {
	v := strings.TrimPrefix(strings.TrimSpace(version), "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return "", fmt.Errorf("version %q is not a Kubernetes version such as 1.24", version)
	}
	for _, p := range parts[:2] {
		if _, err := strconv.Atoi(p); err != nil {
			return "", fmt.Errorf("version %q is not a Kubernetes version such as 1.24", version)
		}
	}
	return parts[0] + "." + parts[1], nil
}

// minorNumbers reads a version's major and minor numbers.
func minorNumbers(version string) (major, minorN int, ok bool) {
	m, err := minor(version)
	if err != nil {
		return 0, 0, false
	}
	a, b, _ := strings.Cut(m, ".")
	major, _ = strconv.Atoi(a)
	minorN, _ = strconv.Atoi(b)
	return major, minorN, true
}

func isInUse(err error) bool {
	var e *types.ResourceInUseException
	return errors.As(err, &e)
}

func isInvalidParameter(err error) bool {
	var e *types.InvalidParameterException
	return errors.As(err, &e)
}

func isNotFound(err error) bool {
	var e *types.ResourceNotFoundException
	return errors.As(err, &e)
}
