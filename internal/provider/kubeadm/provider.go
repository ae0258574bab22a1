package kubeadm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/provider"
)

var _ provider.Provider = (*Nodes)(nil)

// Nodes is kubeadm as the executor's provider.Provider: the control plane
// step upgrades every control plane host, in-place pool steps upgrade each
// cordoned, drained worker. Plans carry minors ("1.27"); Nodes resolves a
// minor to the full version `kubeadm upgrade plan` offers, and, once the
// control plane is there, to the cluster's own version, so that every
// kubelet lands on the version the control plane runs.
type Nodes struct {
	*Kubeadm
	// Hosts maps node names to the hosts the Runner reaches; a node not
	// listed is reached by its name.
	Hosts map[string]string
	// Version is the full release to install ("1.27.1") when a step asks
	// for its minor; "" takes the one `kubeadm upgrade plan` offers, which
	// needs the new kubeadm installed on the first control plane already.
	Version string
}

// Name implements provider.Provider.
func (n *Nodes) Name() string { return "kubeadm" }

// UpgradeControlPlane implements provider.Provider: the first control
// plane with `kubeadm upgrade apply`, then each other one with `kubeadm
// upgrade node`, each step skipped where it is done already.
func (n *Nodes) UpgradeControlPlane(ctx context.Context, ver string) error {
	full, err := n.resolve(ctx, ver)
	if err != nil {
		return err
	}
	if err := n.UpgradeFirstControlPlane(ctx, full); err != nil {
		return err
	}
	for _, host := range n.ControlPlanes[1:] {
		if err := n.Kubeadm.UpgradeNode(ctx, host, full); err != nil {
			return err
		}
	}
	return nil
}

// UpgradeNode implements provider.Provider.
func (n *Nodes) UpgradeNode(ctx context.Context, node, ver string) error {
	full, err := n.resolve(ctx, ver)
	if err != nil {
		return err
	}
	host := node
	if h, ok := n.Hosts[node]; ok {
		host = h
	}
	return n.Kubeadm.UpgradeNode(ctx, host, full)
}

// AddNodes implements provider.Provider; kubeadm clusters upgrade their
// nodes in place.
func (n *Nodes) AddNodes(context.Context, string, int, string, *corev1.Node) ([]string, error) {
	return nil, fmt.Errorf("kubeadm adds no nodes: give every pool strategy inplace: %w", errors.ErrUnsupported)
}

// RemoveNode implements provider.Provider; kubeadm clusters upgrade their
// nodes in place.
func (n *Nodes) RemoveNode(context.Context, string) error {
	return fmt.Errorf("kubeadm removes no nodes: give every pool strategy inplace: %w", errors.ErrUnsupported)
}

// resolve turns a minor into the full version to install: the cluster's
// own when it runs that minor, else the one `kubeadm upgrade plan` offers
// for it. A full version is taken as it is.
func (n *Nodes) resolve(ctx context.Context, ver string) (string, error) {
	want, err := version.ParseGeneric(strings.TrimPrefix(strings.TrimSpace(ver), "v"))
	if err != nil {
		return "", fmt.Errorf("kubeadm: %q is not a Kubernetes version: %w", ver, err)
	}
	if strings.Count(strings.TrimPrefix(ver, "v"), ".") >= 2 {
		return ver, nil
	}
	if n.Version != "" {
		if !sameMinor(n.Version, want) {
			return "", fmt.Errorf("kubeadm: the profile's release %s is not a %d.%d release", n.Version, want.Major(), want.Minor())
		}
		return n.Version, nil
	}
	plan, err := n.Plan(ctx)
	if err != nil {
		return "", err
	}
	if sameMinor(plan.ClusterVersion, want) {
		return plan.ClusterVersion, nil
	}
	var offered []string
	for _, u := range plan.Upgrades {
		if sameMinor(u.Version, want) {
			return u.Version, nil
		}
		offered = append(offered, u.Version)
	}
	return "", fmt.Errorf("kubeadm: the cluster runs %s and kubeadm upgrade plan offers no %d.%d release (offered: %s); install a kubeadm of %d.%d on %s first",
		plan.ClusterVersion, want.Major(), want.Minor(), orNone(strings.Join(offered, ", ")), want.Major(), want.Minor(), n.ControlPlanes[0])
}

func sameMinor(s string, want *version.Version) bool {
	v, err := version.ParseGeneric(strings.TrimPrefix(s, "v"))
	return err == nil && v.Major() == want.Major() && v.Minor() == want.Minor()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
