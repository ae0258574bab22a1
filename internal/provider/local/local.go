// Package local is the provider of kubehop's local cluster: it upgrades
// the control plane through the cluster's control socket, as a cloud API
// would, and adds, upgrades and removes kwok nodes through the API server.
package local

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/localcluster"
	"github.com/kubehop/kubehop/internal/provider"
)

var _ provider.Provider = (*Local)(nil)

// Local drives a cluster started by internal/localcluster.
type Local struct {
	client  kubernetes.Interface
	control *localcluster.ControlClient
	// PollInterval is how often operations are polled.
	PollInterval time.Duration
}

// New returns the provider for the local cluster whose control socket is
// at socket.
func New(client kubernetes.Interface, socket string) *Local {
	return &Local{client: client, control: localcluster.NewControlClient(socket), PollInterval: 500 * time.Millisecond}
}

// Name implements provider.Provider.
func (l *Local) Name() string { return "local" }

// UpgradeControlPlane starts the upgrade, or attaches to one in flight,
// and waits until the API server reports the version.
func (l *Local) UpgradeControlPlane(ctx context.Context, v string) error {
	target, err := localcluster.PinnedVersions().Resolve(v)
	if err != nil {
		return err
	}
	if cur, err := l.serverVersion(); err == nil && cur == target {
		return nil
	}
	op, err := l.control.StartUpgrade(ctx, target)
	if err != nil && !errors.Is(err, localcluster.ErrOperationInProgress) {
		return fmt.Errorf("start control plane upgrade to %s: %w", target, err)
	}
	err = wait.PollUntilContextCancel(ctx, l.PollInterval, true, func(ctx context.Context) (bool, error) {
		cur, err := l.control.Operation(ctx, op.ID)
		if err != nil {
			return false, nil // the owner may be busy; keep polling
		}
		switch cur.Status {
		case "Failed":
			return false, fmt.Errorf("control plane upgrade to %s failed: %s", cur.Target, cur.Error)
		case "Succeeded":
			if cur.Target != target {
				return false, fmt.Errorf("another upgrade (to %s) was in flight; run again", cur.Target)
			}
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	// The API server must answer at the new version before anything else.
	return wait.PollUntilContextCancel(ctx, l.PollInterval, true, func(ctx context.Context) (bool, error) {
		cur, err := l.serverVersion()
		return err == nil && cur == target, nil
	})
}

func (l *Local) serverVersion() (string, error) {
	v, err := l.client.Discovery().ServerVersion()
	if err != nil {
		return "", err
	}
	return v.GitVersion, nil
}

// AddNodes registers new kwok nodes in pool at version.
func (l *Local) AddNodes(ctx context.Context, pool string, count int, v string, template *corev1.Node) ([]string, error) {
	kubelet, err := l.kubeletVersion(v)
	if err != nil {
		return nil, err
	}
	spec := localcluster.NodeSpec{Pool: pool, Count: count, KubeletVersion: kubelet}
	if template != nil {
		spec.Labels = maps.Clone(template.Labels)
		delete(spec.Labels, "kubernetes.io/hostname")
		// Taints the node's own state put there (not ready, cordoned)
		// are the cluster's, not the pool's.
		for _, t := range template.Spec.Taints {
			if !strings.HasPrefix(t.Key, "node.kubernetes.io/") {
				spec.Taints = append(spec.Taints, t)
			}
		}
		spec.Runtime = template.Status.NodeInfo.ContainerRuntimeVersion
		spec.CPU = template.Status.Allocatable[corev1.ResourceCPU]
		spec.Memory = template.Status.Allocatable[corev1.ResourceMemory]
	}
	return localcluster.AddNodes(ctx, l.client, spec)
}

// UpgradeNode makes the node's kubelet report version.
func (l *Local) UpgradeNode(ctx context.Context, node, v string) error {
	kubelet, err := l.kubeletVersion(v)
	if err != nil {
		return err
	}
	return localcluster.SetKubeletVersion(ctx, l.client, node, kubelet)
}

// RemoveNode deletes the node.
func (l *Local) RemoveNode(ctx context.Context, node string) error {
	err := l.client.CoreV1().Nodes().Delete(ctx, node, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete node %s: %w", node, err)
	}
	return nil
}

// kubeletVersion is the full version nodes run for a minor: the pinned
// patch of the local cluster's binaries.
func (l *Local) kubeletVersion(v string) (string, error) {
	parsed, err := version.ParseGeneric(v)
	if err != nil {
		return "", fmt.Errorf("version %q: %w", v, err)
	}
	return localcluster.PinnedVersions().Resolve(fmt.Sprintf("%d.%d", parsed.Major(), parsed.Minor()))
}
