// Package inventory is one typed snapshot of what an upgrade depends on:
// the server version; nodes with their pool, kubelet version, container
// runtime and conditions; workloads and their pods; PodDisruptionBudgets;
// Helm releases; CRDs; TLS certificates; and live objects that were last
// written through an older API version. It is read from a cluster with
// paged lists, or from a snapshot file, so that every command can also run
// offline.
package inventory
