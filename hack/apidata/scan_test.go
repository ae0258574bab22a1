package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

const registerGo = `package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const GroupName = "policy"

var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1beta1"}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion,
		&PodDisruptionBudget{},
		&PodDisruptionBudgetList{},
		&Eviction{},
	)
	scheme.AddKnownTypes(SchemeGroupVersion, &metav1.Status{})
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}
`

const lifecycleGo = `package v1beta1

import schema "k8s.io/apimachinery/pkg/runtime/schema"

func (in *PodDisruptionBudget) APILifecycleIntroduced() (major, minor int) {
	return 1, 5
}

func (in *PodDisruptionBudget) APILifecycleDeprecated() (major, minor int) {
	return 1, 21
}

func (in *PodDisruptionBudget) APILifecycleReplacement() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"}
}

func (in *PodDisruptionBudget) APILifecycleRemoved() (major, minor int) {
	return 1, 25
}

func (in *Eviction) APILifecycleIntroduced() (major, minor int) {
	return 1, 5
}
`

func TestScanPackage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "policy", "v1beta1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{"register.go": registerGo, "zz_generated.prerelease-lifecycle.go": lifecycleGo} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := newRelease(25)
	if err := scanAPIModule(filepath.Dir(filepath.Dir(dir)), &r); err != nil {
		t.Fatalf("scanAPIModule() error = %v", err)
	}
	pdb := gvk{"policy", "v1beta1", "PodDisruptionBudget"}
	wantPresent := map[gvk]bool{
		pdb: true,
		{"policy", "v1beta1", "PodDisruptionBudgetList"}: true,
		{"policy", "v1beta1", "Eviction"}:                true,
	}
	if !reflect.DeepEqual(r.Present, wantPresent) {
		t.Errorf("Present = %v, want %v", r.Present, wantPresent)
	}
	wantLC := map[gvk]lifecycle{
		pdb:                               {Introduced: 5, Deprecated: 21, Removed: 25, Replacement: gvk{"policy", "v1", "PodDisruptionBudget"}},
		{"policy", "v1beta1", "Eviction"}: {Introduced: 5},
	}
	if !reflect.DeepEqual(r.Lifecycle, wantLC) {
		t.Errorf("Lifecycle = %v, want %v", r.Lifecycle, wantLC)
	}
}

func TestLifecyclesRejectsUnexpectedShapes(t *testing.T) {
	tests := []struct{ name, src string }{
		{"two statements", "package p\nfunc (in *X) APILifecycleRemoved() (int, int) { x := 1; return 1, x }"},
		{"not literals", "package p\nfunc (in *X) APILifecycleRemoved() (int, int) { return 1, n }"},
		{"major 2", "package p\nfunc (in *X) APILifecycleRemoved() (int, int) { return 2, 0 }"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parser.ParseFile(token.NewFileSet(), "x.go", tt.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := lifecycles(f); err == nil {
				t.Errorf("lifecycles() error = nil, want an error")
			}
		})
	}
}

func TestScanOpenAPI(t *testing.T) {
	spec := `{
  "definitions": {
    "io.k8s.api.apps.v1beta1.Deployment": {"x-kubernetes-group-version-kind": [{"group": "apps", "kind": "Deployment", "version": "v1beta1"}]},
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions": {"x-kubernetes-group-version-kind": [
      {"group": "", "kind": "DeleteOptions", "version": "v1"}, {"group": "apps", "kind": "DeleteOptions", "version": "v1"}]}
  },
  "paths": {
    "/apis/apps/v1beta1/namespaces/{namespace}/deployments/{name}/scale": {
      "parameters": [{"name": "name"}],
      "get": {"x-kubernetes-group-version-kind": {"group": "apps", "kind": "Scale", "version": "v1beta1"}}
    }
  }
}`
	path := filepath.Join(t.TempDir(), "swagger.json")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRelease(16)
	if err := scanOpenAPI(path, &r); err != nil {
		t.Fatalf("scanOpenAPI() error = %v", err)
	}
	want := map[gvk]bool{{"apps", "v1beta1", "Deployment"}: true, {"apps", "v1beta1", "Scale"}: true}
	if !reflect.DeepEqual(r.Served, want) {
		t.Errorf("Served = %v, want %v", r.Served, want)
	}
}
