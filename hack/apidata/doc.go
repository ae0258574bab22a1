// Command apidata regenerates internal/apidata/removed-apis.yaml, the list of
// Kubernetes API versions and kinds that were removed (or are deprecated with
// a scheduled removal) since Kubernetes 1.16. It downloads, through the Go
// module proxy, one release per Kubernetes minor of k8s.io/kubernetes (whose
// api/openapi-spec/swagger.json says which kinds the kube-apiserver served)
// and of k8s.io/api, k8s.io/apiextensions-apiserver and k8s.io/kube-aggregator
// (whose register.go and zz_generated.prerelease-lifecycle.go files say which
// kinds exist and when each was deprecated, removed and replaced), derives one
// entry per removed kind, applies the hand-maintained corrections in
// overrides.yaml and writes the YAML. See README.md for the rules and the
// command to run.
package main
