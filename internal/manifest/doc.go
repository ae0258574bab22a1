// Package manifest reads Kubernetes objects from multi-document YAML or JSON
// and applies them to a cluster with server-side apply.
package manifest
