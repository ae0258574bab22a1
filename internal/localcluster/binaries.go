package localcluster

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
	"sigs.k8s.io/yaml"
)

//go:embed versions.yaml
var versionsYAML []byte

// Pinned lists the component versions the local cluster is built from.
type Pinned struct {
	// Kubernetes maps a minor ("1.36") to its pinned patch version ("v1.36.3").
	Kubernetes map[string]string `json:"kubernetes"`
	Etcd       string            `json:"etcd"`
	Kwok       string            `json:"kwok"`
	// Tofu is the OpenTofu the Terraform tests drive.
	Tofu string `json:"tofu"`
}

// PinnedVersions returns the versions the local cluster is built from.
func PinnedVersions() Pinned {
	var p Pinned
	if err := yaml.UnmarshalStrict(versionsYAML, &p); err != nil {
		panic(fmt.Sprintf("embedded versions.yaml: %v", err))
	}
	return p
}

// Minors lists the Kubernetes minors the local cluster can run, oldest first.
func (p Pinned) Minors() []string {
	minors := make([]string, 0, len(p.Kubernetes))
	for m := range p.Kubernetes {
		minors = append(minors, m)
	}
	slices.SortFunc(minors, func(a, b string) int {
		va, vb := version.MustParseGeneric(a), version.MustParseGeneric(b)
		switch {
		case va.LessThan(vb):
			return -1
		case vb.LessThan(va):
			return 1
		}
		return 0
	})
	return minors
}

// ErrUnsupportedVersion is returned for a Kubernetes version the local
// cluster has no pinned binaries for.
var ErrUnsupportedVersion = errors.New("unsupported local cluster version")

// Resolve maps "1.36", "v1.36" or "v1.36.3" to the pinned patch version.
func (p Pinned) Resolve(v string) (string, error) {
	parsed, err := version.ParseGeneric(v)
	if err != nil {
		return "", fmt.Errorf("%w %q: want a version such as 1.36", ErrUnsupportedVersion, v)
	}
	minor := fmt.Sprintf("%d.%d", parsed.Major(), parsed.Minor())
	pinned, ok := p.Kubernetes[minor]
	if !ok {
		return "", fmt.Errorf("%w %q: the local cluster runs %s", ErrUnsupportedVersion, v, strings.Join(p.Minors(), ", "))
	}
	if len(parsed.Components()) > 2 && "v"+strings.TrimPrefix(v, "v") != pinned {
		return "", fmt.Errorf("%w %q: the local cluster pins %s for %s", ErrUnsupportedVersion, v, pinned, minor)
	}
	return pinned, nil
}

// CacheDir is where built binaries are kept: $KUBEHOP_CACHE, else the user's
// cache directory (XDG_CACHE_HOME or ~/.cache) under kubehop.
func CacheDir() (string, error) {
	if dir := os.Getenv("KUBEHOP_CACHE"); dir != "" {
		return dir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the kubehop cache directory (set KUBEHOP_CACHE): %w", err)
	}
	return filepath.Join(base, "kubehop"), nil
}

// ErrBinariesMissing is returned when the cache lacks a component build.
var ErrBinariesMissing = errors.New("local cluster binaries are not built")

// Binaries are the paths of one version's component executables.
type Binaries struct {
	Etcd, Kwok                                       string
	APIServer, ControllerManager, Scheduler, Kubectl string
}

// FindBinaries locates the binaries for the pinned Kubernetes version.
func FindBinaries(k8sVersion string) (Binaries, error) {
	p := PinnedVersions()
	cache, err := CacheDir()
	if err != nil {
		return Binaries{}, err
	}
	k8sDir := filepath.Join(cache, "k8s", k8sVersion)
	b := Binaries{
		Etcd:              filepath.Join(cache, "etcd", p.Etcd, "etcd"),
		Kwok:              filepath.Join(cache, "kwok", p.Kwok, "kwok"),
		APIServer:         filepath.Join(k8sDir, "kube-apiserver"),
		ControllerManager: filepath.Join(k8sDir, "kube-controller-manager"),
		Scheduler:         filepath.Join(k8sDir, "kube-scheduler"),
		Kubectl:           filepath.Join(k8sDir, "kubectl"),
	}
	for _, path := range []string{b.Etcd, b.Kwok, b.APIServer, b.ControllerManager, b.Scheduler, b.Kubectl} {
		if _, err := os.Stat(path); err != nil {
			return Binaries{}, fmt.Errorf("%w: %s is missing; build them with `make bins` (hack/build-bins.sh all)", ErrBinariesMissing, path)
		}
	}
	return b, nil
}

// FindTofu locates the pinned OpenTofu binary hack/build-bins.sh tofu
// builds.
func FindTofu() (string, error) {
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(cache, "tofu", PinnedVersions().Tofu, "tofu")
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%w: %s is missing; build it with hack/build-bins.sh tofu", ErrBinariesMissing, path)
	}
	return path, nil
}
