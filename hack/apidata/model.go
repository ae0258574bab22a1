package main

import (
	"fmt"
	"strconv"
	"strings"
)

// gvk names a kind in a group version; Group "" is the core group.
type gvk struct{ Group, Version, Kind string }

func (k gvk) apiVersion() string {
	if k.Group == "" {
		return k.Version
	}
	return k.Group + "/" + k.Version
}

func (k gvk) String() string { return k.apiVersion() + " " + k.Kind }

// parseGVK splits an apiVersion ("v1", "apps/v1beta1") and joins the kind.
func parseGVK(apiVersion, kind string) gvk {
	group, version, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return gvk{Version: apiVersion, Kind: kind}
	}
	return gvk{Group: group, Version: version, Kind: kind}
}

// lifecycle is what a zz_generated.prerelease-lifecycle.go file declares for
// one kind. Minors are Kubernetes 1.N minors; 0 means not declared.
type lifecycle struct {
	Introduced, Deprecated, Removed int
	Replacement                     gvk // zero: none declared
}

// release is what one Kubernetes minor says about its kinds.
type release struct {
	Minor int
	// Served holds the kinds in the kube-apiserver's OpenAPI spec.
	Served map[gvk]bool
	// Present holds the kinds registered in the API modules' register.go.
	Present map[gvk]bool
	// Lifecycle holds the API modules' prerelease-lifecycle declarations.
	Lifecycle map[gvk]lifecycle
}

func newRelease(minor int) release {
	return release{Minor: minor, Served: map[gvk]bool{}, Present: map[gvk]bool{}, Lifecycle: map[gvk]lifecycle{}}
}

// minorOf returns N for a module version v1.N.x (k8s.io/kubernetes) or
// v0.N.x (the staging modules, which share the minor).
func minorOf(version string) (int, error) {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(parts) != 3 || (parts[0] != "0" && parts[0] != "1") {
		return 0, fmt.Errorf("version %q is not v0.N.x or v1.N.x", version)
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil {
		return 0, fmt.Errorf("version %q is not v0.N.x or v1.N.x", version)
	}
	return n, nil
}

// parseMinor returns N for "1.N".
func parseMinor(s string) (int, error) {
	rest, ok := strings.CutPrefix(s, "1.")
	n, err := strconv.Atoi(rest)
	if !ok || err != nil || n < 0 || strconv.Itoa(n) != rest {
		return 0, fmt.Errorf("version %q is not 1.N", s)
	}
	return n, nil
}

func formatMinor(n int) string {
	if n == 0 {
		return ""
	}
	return "1." + strconv.Itoa(n)
}
