// Package scan finds Kubernetes objects that use removed or deprecated API
// versions in manifests: files and directories (multi-document YAML, JSON,
// List kinds), streams such as `helm template` output, Helm release
// manifests and the API versions recorded on live objects.
//
// Scanning is built for large trees. Every document is read by a line
// scanner that only looks at its top-level apiVersion, kind and metadata;
// a document is parsed in full by a YAML parser when it matches an API in
// the data, when it is JSON, a List or uses YAML features the line scanner
// does not follow (anchors, tags, flow style), or when its structure looks
// wrong, so that a malformed document is reported with its position. Strict
// mode parses every document in full.
package scan
