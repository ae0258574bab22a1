package localcluster

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// The embedded versions must be the ones hack/ builds, or FindBinaries would
// look for binaries that hack/build-bins.sh never makes.
func TestPinnedVersionsMatchToolsModules(t *testing.T) {
	p := PinnedVersions()
	read := func(path string) string {
		data, err := os.ReadFile(filepath.Join("..", "..", "hack", path))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	requires := func(gomod, module string) string {
		m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(module) + `\s+(v\S+)`).FindStringSubmatch(gomod)
		if m == nil {
			t.Fatalf("%s is not required in\n%s", module, gomod)
		}
		return m[1]
	}
	for minor, version := range p.Kubernetes {
		if got := requires(read("k8s/v"+minor+"/go.mod"), "k8s.io/kubernetes"); got != version {
			t.Errorf("hack/k8s/v%s pins k8s.io/kubernetes %s, versions.yaml says %s", minor, got, version)
		}
	}
	if got := requires(read("etcd/go.mod"), "go.etcd.io/etcd/server/v3"); got != p.Etcd {
		t.Errorf("hack/etcd pins %s, versions.yaml says %s", got, p.Etcd)
	}
	if got := requires(read("kwok/go.mod"), "sigs.k8s.io/kwok"); got != p.Kwok {
		t.Errorf("hack/kwok pins %s, versions.yaml says %s", got, p.Kwok)
	}
	if got := requires(read("tofu/go.mod"), "github.com/opentofu/opentofu"); got != p.Tofu {
		t.Errorf("hack/tofu pins %s, versions.yaml says %s", got, p.Tofu)
	}
}

func TestResolve(t *testing.T) {
	p := Pinned{Kubernetes: map[string]string{"1.36": "v1.36.3", "1.37": "v1.37.2"}}
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{in: "1.36", want: "v1.36.3"},
		{in: "v1.37", want: "v1.37.2"},
		{in: "v1.36.3", want: "v1.36.3"},
		{in: "1.36.3", want: "v1.36.3"},
		{in: "1.36.1", err: true},
		{in: "1.35", err: true},
		{in: "latest", err: true},
		{in: "", err: true},
	} {
		got, err := p.Resolve(tc.in)
		if tc.err {
			if !errors.Is(err, ErrUnsupportedVersion) {
				t.Errorf("Resolve(%q) = %q, %v; want ErrUnsupportedVersion", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if minors := p.Minors(); len(minors) != 2 || minors[0] != "1.36" {
		t.Errorf("Minors() = %v, want oldest first", minors)
	}
}

func TestFindBinariesNamesWhatIsMissing(t *testing.T) {
	t.Setenv("KUBEHOP_CACHE", t.TempDir())
	_, err := FindBinaries("v1.36.3")
	if !errors.Is(err, ErrBinariesMissing) {
		t.Fatalf("FindBinaries in an empty cache: %v, want ErrBinariesMissing", err)
	}
	if !regexp.MustCompile(`etcd.*make bins`).MatchString(err.Error()) {
		t.Errorf("error should name the missing binary and how to build it: %v", err)
	}
}
