// Package e2e holds kubehop's end-to-end tests. They run against the real
// local cluster (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok built by hack/build-bins.sh); `make test` builds
// those binaries first.
package e2e
