package anthosbm_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/kubehop/kubehop/internal/provider/anthosbm"
)

// clusterObject is a Cluster as `kubectl get cluster -A -o yaml` shows
// it; empty versions are left out.
func clusterObject(name, spec, status string) *unstructured.Unstructured {
	obj := map[string]any{
		"apiVersion": "baremetal.cluster.gke.io/v1",
		"kind":       "Cluster",
		"metadata":   map[string]any{"name": name, "namespace": "foo-namespace"},
		"spec":       map[string]any{"type": "hybrid"},
	}
	if spec != "" {
		obj["spec"].(map[string]any)["anthosBareMetalVersion"] = spec
	}
	if status != "" {
		obj["status"] = map[string]any{"anthosBareMetalVersion": status}
	}
	return &unstructured.Unstructured{Object: obj}
}

func fakeDynamic(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{anthosbm.ClusterGVR: "ClusterList"}, objs...)
}

func TestClusterVersions(t *testing.T) {
	client := fakeDynamic(
		clusterObject("foo-anthos-cluster", "1.12.1", "1.12.0"),
		clusterObject("new-cluster", "1.12.1", ""),
		clusterObject("broken", "", "1.12.0"),
	)
	tests := []struct {
		name               string
		wantSpec, wantStat string
		wantErr            string
	}{
		{name: "foo-anthos-cluster", wantSpec: "1.12.1", wantStat: "1.12.0"},
		{name: "new-cluster", wantSpec: "1.12.1"},
		{name: "broken", wantErr: "Cluster foo-namespace/broken has no spec.anthosBareMetalVersion"},
		{name: "missing", wantErr: `"missing" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &anthosbm.ClusterVersions{Client: client, Namespace: "foo-namespace", Name: tt.name}
			spec, status, err := r.ClusterVersion(t.Context())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || spec != tt.wantSpec || status != tt.wantStat {
				t.Errorf("ClusterVersion = %q, %q, %v; want %q, %q", spec, status, err, tt.wantSpec, tt.wantStat)
			}
		})
	}
}

func TestParseClusterVersionsRefusesOtherKinds(t *testing.T) {
	obj := clusterObject("x", "1.12.1", "")
	obj.SetAPIVersion("cluster.x-k8s.io/v1beta1")
	if _, _, err := anthosbm.ParseClusterVersions(obj); err == nil || !strings.Contains(err.Error(), "not a baremetal.cluster.gke.io Cluster") {
		t.Errorf("err = %v", err)
	}
	obj = clusterObject("x", "1.12.1", "")
	obj.Object["status"] = map[string]any{"anthosBareMetalVersion": 112}
	if _, _, err := anthosbm.ParseClusterVersions(obj); err == nil || !strings.Contains(err.Error(), "status.anthosBareMetalVersion") {
		t.Errorf("err = %v", err)
	}
}

func TestNewClusterVersions(t *testing.T) {
	if _, err := anthosbm.NewClusterVersions("", "ns", "c"); err == nil {
		t.Error("no kubeconfig accepted")
	}
	if _, err := anthosbm.NewClusterVersions("/nonexistent/kubeconfig", "ns", "c"); err == nil || !strings.Contains(err.Error(), "/nonexistent/kubeconfig") {
		t.Errorf("err = %v", err)
	}
}
