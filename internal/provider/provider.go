// Package provider is the one small interface through which kubehop moves
// a cluster's control plane and nodes, whatever runs it: the local test
// cluster, EKS, AKS, GKE, Anthos on bare metal or kubeadm. Draining, gates
// and the journal stay in the executor; a provider only does what the
// platform must do.
package provider

import (
	"context"

	corev1 "k8s.io/api/core/v1"
)

// Provider moves a cluster's control plane and nodes. Every method is
// idempotent: called again after a crash, it finishes or re-attaches to
// what it started.
type Provider interface {
	// Name is the provider's name in profiles ("local").
	Name() string
	// UpgradeControlPlane moves the control plane to version (a minor such
	// as "1.37") and returns once it serves that version.
	UpgradeControlPlane(ctx context.Context, version string) error
	// AddNodes adds count nodes to pool, running version and shaped like
	// template (its labels and taints), and returns once they are Ready.
	AddNodes(ctx context.Context, pool string, count int, version string, template *corev1.Node) ([]string, error)
	// UpgradeNode upgrades a cordoned, drained node in place.
	UpgradeNode(ctx context.Context, node, version string) error
	// RemoveNode deletes a drained node.
	RemoveNode(ctx context.Context, node string) error
}
