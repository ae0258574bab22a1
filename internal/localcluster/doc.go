// Package localcluster runs a real Kubernetes cluster on loopback for tests
// and the demo: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler built from the Kubernetes Go modules at pinned versions, and
// kwok standing in for the kubelets of every node. Nodes are added to named
// pools with the kubelet version and container runtime they should report,
// and the control plane can be upgraded in place on the same etcd data, as a
// real control-plane upgrade does. A container's log (the pods/log
// subresource) holds the lines a test sets with SetContainerLogs, served by
// kwok as a kubelet would serve them.
package localcluster
