package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/kubehop/kubehop/internal/provider"
	"github.com/kubehop/kubehop/internal/provider/anthosbm"
)

const bareMetalCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusters.baremetal.cluster.gke.io
spec:
  group: baremetal.cluster.gke.io
  names: {kind: Cluster, listKind: ClusterList, plural: clusters, singular: cluster}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`

// TestBareMetalReadsTheClusterResource: the anthos-bm provider reads the
// bare-metal Cluster resource from a real API server (its CRD installed,
// the status written through the status subresource as the controller
// does): a pool is at the release only once spec and status both are, and
// Verify says which is behind.
func TestBareMetalReadsTheClusterResource(t *testing.T) {
	t.Parallel()
	c := startCluster(t, "1.36")
	ctx := testContext(t, 3*time.Minute)
	applyYAML(ctx, t, c, "the bare-metal Cluster CRD", []byte(bareMetalCRD), nil)
	dyn, err := dynamic.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	clusters := dyn.Resource(anthosbm.ClusterGVR).Namespace("cluster-vantiq")
	if _, err := c.Client().CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "cluster-vantiq"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "baremetal.cluster.gke.io/v1", "kind": "Cluster",
		"metadata": map[string]any{"name": "vantiq", "namespace": "cluster-vantiq"},
		"spec":     map[string]any{"anthosBareMetalVersion": "1.16.0", "type": "hybrid"},
	}}
	// The CRD is served a moment after it is created.
	if err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		obj, err = clusters.Create(ctx, obj, metav1.CreateOptions{})
		return err == nil, nil
	}); err != nil {
		t.Fatalf("create the Cluster resource: %v", err)
	}
	setStatus := func(v string) {
		t.Helper()
		obj.Object["status"] = map[string]any{"anthosBareMetalVersion": v}
		var err error
		if obj, err = clusters.UpdateStatus(ctx, obj, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	setStatus("1.15.2")

	b := &anthosbm.BareMetal{Kubeconfig: c.Kubeconfig(), Cluster: "vantiq"}
	err = b.Verify(ctx, "1.16.0")
	if err == nil || !strings.Contains(err.Error(), "status.anthosBareMetalVersion 1.15.2") {
		t.Errorf("Verify with the status behind: %v", err)
	}
	if _, err := b.StartPoolUpgrade(ctx, "np1", "1.16.0", provider.PoolUpgrade{}); err == nil || !strings.Contains(err.Error(), "upgrade the cluster to 1.16.0") {
		t.Errorf("a pool while the cluster is at 1.15.2: %v", err)
	}
	setStatus("1.16.0")
	if err := b.Verify(ctx, "1.16.0"); err != nil {
		t.Errorf("Verify at the release: %v", err)
	}
	op, err := b.StartPoolUpgrade(ctx, "np1", "1.16.0", provider.PoolUpgrade{})
	if err != nil || op.Status != provider.OpSuccessful {
		t.Errorf("a pool once the cluster is at 1.16.0: %+v, %v", op, err)
	}
}
