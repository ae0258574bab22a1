package apidata

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/version"
)

func TestDefaultParsesAndIsSorted(t *testing.T) {
	d := Default()
	if d.Len() < 100 {
		t.Fatalf("Default() has %d entries, want the full list", d.Len())
	}
	if got := d.LatestRelease(); got != "1.37" {
		t.Errorf("LatestRelease() = %q, want 1.37", got)
	}
	if got := d.Version(); !strings.HasPrefix(got, "1/k8s-1.37/") || len(got) != len("1/k8s-1.37/")+12 {
		t.Errorf("Version() = %q, want 1/k8s-1.37/<12 hex digits>", got)
	}

	// The file itself is sorted, so that regenerating it gives small diffs.
	var raw struct{ APIs []API }
	if err := yaml.Unmarshal(embedded, &raw); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(raw.APIs, d.All()) {
		t.Errorf("removed-apis.yaml is not sorted by removedIn, group, version and kind; regenerate it")
	}
	latest := version.MustParseGeneric(d.LatestRelease())
	for _, a := range d.All() {
		removed := version.MustParseGeneric(a.RemovedIn)
		if removed.GreaterThan(latest) && a.DeprecatedIn == "" {
			t.Errorf("%s %s: removal %s is scheduled but not deprecated", a.APIVersion, a.Kind, a.RemovedIn)
		}
		if a.Replacement == "" {
			continue
		}
		// A replacement removed in the same or an earlier minor would
		// leave nowhere to go.
		if r, ok := d.Lookup(a.Replacement, a.ReplacementKindOrKind()); ok && !version.MustParseGeneric(r.RemovedIn).GreaterThan(removed) {
			t.Errorf("%s %s: replacement %s %s is removed in %s, not after %s", a.APIVersion, a.Kind, a.Replacement, a.ReplacementKindOrKind(), r.RemovedIn, a.RemovedIn)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		apiVersion, kind string
		want             API
		found            bool
	}{
		{"extensions/v1beta1", "Ingress", API{APIVersion: "extensions/v1beta1", Kind: "Ingress", DeprecatedIn: "1.14", RemovedIn: "1.22", Replacement: "networking.k8s.io/v1"}, true},
		{"extensions/v1beta1", "Deployment", API{APIVersion: "extensions/v1beta1", Kind: "Deployment", DeprecatedIn: "1.8", RemovedIn: "1.16", Replacement: "apps/v1"}, true},
		{"extensions/v1beta1", "PodSecurityPolicy", API{APIVersion: "extensions/v1beta1", Kind: "PodSecurityPolicy", DeprecatedIn: "1.11", RemovedIn: "1.16", Replacement: "policy/v1beta1",
			Notes: "no replacement API since 1.25; use Pod Security Admission or a policy engine"}, true},
		{"apps/v1beta1", "Deployment", API{APIVersion: "apps/v1beta1", Kind: "Deployment", DeprecatedIn: "1.8", RemovedIn: "1.16", Replacement: "apps/v1"}, true},
		{"apps/v1beta2", "StatefulSet", API{APIVersion: "apps/v1beta2", Kind: "StatefulSet", DeprecatedIn: "1.9", RemovedIn: "1.16", Replacement: "apps/v1"}, true},
		{"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", API{APIVersion: "apiextensions.k8s.io/v1beta1", Kind: "CustomResourceDefinition", DeprecatedIn: "1.16", RemovedIn: "1.22", Replacement: "apiextensions.k8s.io/v1"}, true},
		{"networking.k8s.io/v1beta1", "IngressClass", API{APIVersion: "networking.k8s.io/v1beta1", Kind: "IngressClass", DeprecatedIn: "1.19", RemovedIn: "1.22", Replacement: "networking.k8s.io/v1"}, true},
		{"policy/v1beta1", "PodDisruptionBudget", API{APIVersion: "policy/v1beta1", Kind: "PodDisruptionBudget", DeprecatedIn: "1.21", RemovedIn: "1.25", Replacement: "policy/v1"}, true},
		{"batch/v1beta1", "CronJob", API{APIVersion: "batch/v1beta1", Kind: "CronJob", DeprecatedIn: "1.21", RemovedIn: "1.25", Replacement: "batch/v1"}, true},
		{"autoscaling/v2beta2", "HorizontalPodAutoscaler", API{APIVersion: "autoscaling/v2beta2", Kind: "HorizontalPodAutoscaler", DeprecatedIn: "1.23", RemovedIn: "1.26", Replacement: "autoscaling/v2"}, true},
		// The list type declares 1.22/1.25 upstream; it follows its item.
		{"autoscaling/v2beta2", "HorizontalPodAutoscalerList", API{APIVersion: "autoscaling/v2beta2", Kind: "HorizontalPodAutoscalerList", DeprecatedIn: "1.23", RemovedIn: "1.26", Replacement: "autoscaling/v2"}, true},
		{"flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", API{APIVersion: "flowcontrol.apiserver.k8s.io/v1beta2", Kind: "FlowSchema", DeprecatedIn: "1.26", RemovedIn: "1.29", Replacement: "flowcontrol.apiserver.k8s.io/v1beta3"}, true},
		{"flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", API{APIVersion: "flowcontrol.apiserver.k8s.io/v1beta3", Kind: "PriorityLevelConfiguration", DeprecatedIn: "1.29", RemovedIn: "1.32", Replacement: "flowcontrol.apiserver.k8s.io/v1"}, true},
		// Alpha versions: removedIn is the first minor that cannot serve them.
		{"rbac.authorization.k8s.io/v1alpha1", "ClusterRole", API{APIVersion: "rbac.authorization.k8s.io/v1alpha1", Kind: "ClusterRole", RemovedIn: "1.23", Replacement: "rbac.authorization.k8s.io/v1"}, true},
		{"discovery.k8s.io/v1alpha1", "EndpointSlice", API{APIVersion: "discovery.k8s.io/v1alpha1", Kind: "EndpointSlice", RemovedIn: "1.21", Replacement: "discovery.k8s.io/v1"}, true},
		{"v1", "EphemeralContainers", API{APIVersion: "v1", Kind: "EphemeralContainers", RemovedIn: "1.22", Replacement: "v1", ReplacementKind: "Pod",
			Notes: "since 1.22 the pods/ephemeralcontainers subresource takes a Pod"}, true},
		// A scheduled removal after the newest release.
		{"admissionregistration.k8s.io/v1alpha1", "MutatingAdmissionPolicy", API{APIVersion: "admissionregistration.k8s.io/v1alpha1", Kind: "MutatingAdmissionPolicy", DeprecatedIn: "1.35", RemovedIn: "1.38", Replacement: "admissionregistration.k8s.io/v1"}, true},
		// Not removed.
		{"apps/v1", "Deployment", API{}, false},
		{"networking.k8s.io/v1", "Ingress", API{}, false},
		{"v1", "Pod", API{}, false},
		{"policy/v1beta1", "Eviction", API{}, false}, // still accepted by pods/eviction
		{"admission.k8s.io/v1beta1", "AdmissionReview", API{}, false},
		// Exact matches only.
		{"extensions/v1beta1", "ingress", API{}, false},
		{"v1beta1", "Ingress", API{}, false},
		{"", "", API{}, false},
	}
	d := Default()
	for _, tt := range tests {
		t.Run(tt.apiVersion+"/"+tt.kind, func(t *testing.T) {
			got, found := d.Lookup(tt.apiVersion, tt.kind)
			if found != tt.found || got != tt.want {
				t.Errorf("Lookup(%q, %q) = %+v, %v; want %+v, %v", tt.apiVersion, tt.kind, got, found, tt.want, tt.found)
			}
		})
	}
}

func TestAPIGroupVersion(t *testing.T) {
	tests := []struct{ apiVersion, group, version string }{
		{"v1", "", "v1"},
		{"apps/v1beta1", "apps", "v1beta1"},
		{"flowcontrol.apiserver.k8s.io/v1beta3", "flowcontrol.apiserver.k8s.io", "v1beta3"},
	}
	for _, tt := range tests {
		a := API{APIVersion: tt.apiVersion}
		if a.Group() != tt.group || a.Version() != tt.version {
			t.Errorf("API{%q}: Group(), Version() = %q, %q; want %q, %q", tt.apiVersion, a.Group(), a.Version(), tt.group, tt.version)
		}
	}
}

const valid = `schemaVersion: 1
latestRelease: "1.30"
apis:
- apiVersion: policy/v1beta1
  kind: PodDisruptionBudget
  deprecatedIn: "1.21"
  removedIn: "1.25"
  replacement: policy/v1
- apiVersion: extensions/v1beta1
  kind: Ingress
  deprecatedIn: "1.14"
  removedIn: "1.22"
  replacement: networking.k8s.io/v1
- apiVersion: example.com/v1alpha1
  kind: Widget
  removedIn: 1.30
  replacement:
  notes: unquoted versions and empty values are fine
`

func TestParse(t *testing.T) {
	d, err := Parse("custom.yaml", []byte(valid))
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	var order []string
	for _, a := range d.All() {
		order = append(order, a.Kind)
	}
	if want := []string{"Ingress", "PodDisruptionBudget", "Widget"}; !slices.Equal(order, want) {
		t.Errorf("All() kinds = %v, want %v", order, want)
	}
	if a, ok := d.Lookup("example.com/v1alpha1", "Widget"); !ok || a.RemovedIn != "1.30" || a.Replacement != "" {
		t.Errorf("Lookup(Widget) = %+v, %v", a, ok)
	}

	// The version follows the content, not comments or layout.
	reformatted := "# a comment\n" + strings.ReplaceAll(valid, `"1.25"`, `'1.25'`)
	d2, err := Parse("custom.yaml", []byte(reformatted))
	if err != nil {
		t.Fatal(err)
	}
	if d2.Version() != d.Version() {
		t.Errorf("Version() changed with layout: %q != %q", d2.Version(), d.Version())
	}
	d3, err := Parse("custom.yaml", []byte(strings.Replace(valid, `removedIn: "1.25"`, `removedIn: "1.26"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if d3.Version() == d.Version() {
		t.Errorf("Version() did not change with content: %q", d3.Version())
	}
}

func TestParseErrors(t *testing.T) {
	head := "schemaVersion: 1\napis:\n"
	entry := "- apiVersion: extensions/v1beta1\n  kind: Ingress\n  removedIn: \"1.22\"\n"
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "custom.yaml: empty file"},
		{"malformed", head + "- apiVersion: apps/v1\n   kind: [\n", "custom.yaml: yaml: line 4: "},
		{"tab indent", head + "- apiVersion: apps/v1\n\tkind: X\n", "custom.yaml: yaml: line 3: found a tab character"},
		{"two documents", head + entry + "---\nschemaVersion: 1\n", "custom.yaml:6: a second YAML document; want one"},
		{"not a mapping", "- a\n", "custom.yaml:1: want a mapping with schemaVersion and apis"},
		{"unknown top-level field", head + entry + "extra: 1\n", "custom.yaml:6: extra: unknown field"},
		{"missing schemaVersion", "apis: []\n", "custom.yaml:1: schemaVersion: missing"},
		{"wrong schemaVersion", "schemaVersion: 2\napis: []\n", `custom.yaml:1: schemaVersion: got "2", want 1`},
		{"missing apis", "schemaVersion: 1\n", "custom.yaml:1: apis: missing"},
		{"apis not a list", "schemaVersion: 1\napis: {}\n", "custom.yaml:2: apis: want a list"},
		{"bad latestRelease", "schemaVersion: 1\nlatestRelease: latest\napis: []\n", `custom.yaml:2: latestRelease: "latest" is not a minor version like "1.22"`},
		{"unknown field", head + entry + "  replacment: apps/v1\n", "custom.yaml:6: apis[0].replacment: unknown field"},
		{"repeated field", head + entry + "  kind: Deployment\n", "custom.yaml:6: apis[0].kind: repeated (first on line 4)"},
		{"entry not a mapping", head + "- extensions/v1beta1\n", "custom.yaml:3: apis[0]: want a mapping"},
		{"field not a string", head + "- apiVersion: [apps/v1]\n  kind: X\n  removedIn: \"1.22\"\n", "custom.yaml:3: apis[0].apiVersion: want a string"},
		{"bad removedIn", head + "- apiVersion: apps/v1beta1\n  kind: Deployment\n  removedIn: 1.x\n", `custom.yaml:5: apis[0].removedIn: "1.x" is not a minor version like "1.22"`},
		{"patch version", head + "- apiVersion: apps/v1beta1\n  kind: Deployment\n  removedIn: 1.16.0\n", `custom.yaml:5: apis[0].removedIn: "1.16.0" is not a minor version like "1.22"`},
		{"v-prefixed version", head + "- apiVersion: apps/v1beta1\n  kind: Deployment\n  deprecatedIn: v1.9\n  removedIn: \"1.16\"\n", `custom.yaml:5: apis[0].deprecatedIn: "v1.9" is not a minor version like "1.22"`},
		{"removed before deprecated", head + "- apiVersion: apps/v1beta1\n  kind: Deployment\n  deprecatedIn: \"1.20\"\n  removedIn: \"1.16\"\n", "custom.yaml:6: apis[0].removedIn: 1.16 is before deprecatedIn 1.20"},
		{"missing removedIn", head + "- apiVersion: apps/v1beta1\n  kind: Deployment\n", "custom.yaml:3: apis[0].removedIn: missing"},
		{"missing kind", head + "- apiVersion: apps/v1beta1\n  removedIn: \"1.16\"\n", "custom.yaml:3: apis[0].kind: missing"},
		{"bad apiVersion", head + "- apiVersion: Apps/V1\n  kind: Deployment\n  removedIn: \"1.16\"\n", `custom.yaml:3: apis[0].apiVersion: "Apps/V1" is not an apiVersion like "apps/v1" or "v1"`},
		{"bad kind", head + "- apiVersion: apps/v1\n  kind: my kind\n  removedIn: \"1.16\"\n", `custom.yaml:4: apis[0].kind: "my kind" is not a kind like "Deployment"`},
		{"bad replacement", head + entry + "  replacement: networking/v1/Ingress\n", `custom.yaml:6: apis[0].replacement: "networking/v1/Ingress" is not an apiVersion like "apps/v1" or "v1"`},
		{"replacementKind alone", head + entry + "  replacementKind: Ingress\n", "custom.yaml:6: apis[0].replacementKind: set without replacement"},
		{"duplicate", head + entry + entry, "custom.yaml:6: apis[1]: duplicate of extensions/v1beta1 Ingress on line 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("custom.yaml", []byte(tt.data))
			if err == nil {
				t.Fatalf("Parse() error = nil, want %q", tt.want)
			}
			if got := err.Error(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("Parse() error = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "custom.yaml")
	if err := os.WriteFile(path, []byte(valid), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Load(path)
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if _, ok := d.Lookup("extensions/v1beta1", "Ingress"); !ok {
		t.Errorf("Lookup(extensions/v1beta1 Ingress) not found")
	}

	if err := os.WriteFile(path, []byte("schemaVersion: 1\napis:\n- kind: X\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.HasPrefix(err.Error(), path+":3: apis[0].apiVersion: missing") {
		t.Errorf("Load() error = %v, want one naming %s, line 3 and apis[0].apiVersion", err, path)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Load(missing) error = %v, want one naming the file", err)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	d := Default()
	allocs := testing.AllocsPerRun(100, func() {
		d.Lookup("extensions/v1beta1", "Ingress")
		d.Lookup("apps/v1", "Deployment")
	})
	if allocs != 0 {
		t.Errorf("Lookup allocates %v times per call pair, want 0", allocs)
	}
}

func BenchmarkLookup(b *testing.B) {
	d := Default()
	// A scan mostly sees kinds that are not removed.
	docs := []struct{ apiVersion, kind string }{
		{"apps/v1", "Deployment"},
		{"v1", "ConfigMap"},
		{"v1", "Service"},
		{"networking.k8s.io/v1", "Ingress"},
		{"extensions/v1beta1", "Ingress"},
		{"policy/v1beta1", "PodDisruptionBudget"},
		{"cert-manager.io/v1", "Certificate"},
	}
	b.ReportAllocs()
	found := 0
	for i := 0; b.Loop(); i++ {
		doc := docs[i%len(docs)]
		if _, ok := d.Lookup(doc.apiVersion, doc.kind); ok {
			found++
		}
	}
	if found == 0 {
		b.Fatal("no lookups hit")
	}
}
