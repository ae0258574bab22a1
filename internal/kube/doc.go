// Package kube holds the small readings of Kubernetes objects that several
// packages share, such as whether a node or a pod is ready.
package kube
