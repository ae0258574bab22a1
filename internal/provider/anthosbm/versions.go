package anthosbm

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// VersionReader reads an Anthos bare-metal cluster's versions.
type VersionReader interface {
	// ClusterVersion returns the Cluster resource's
	// spec.anthosBareMetalVersion (the version asked for) and
	// status.anthosBareMetalVersion (the version the cluster runs; ""
	// before the controller has set it).
	ClusterVersion(ctx context.Context) (spec, status string, err error)
}

// ClusterGVR is the resource of Anthos bare-metal clusters.
var ClusterGVR = schema.GroupVersionResource{Group: "baremetal.cluster.gke.io", Version: "v1", Resource: "clusters"}

// ClusterVersions is the VersionReader of one Cluster resource, read with
// client-go's dynamic client (kubectl get cluster -n NAMESPACE NAME).
type ClusterVersions struct {
	Client    dynamic.Interface
	Namespace string
	Name      string
}

// NewClusterVersions reads the Cluster resource name in namespace through
// the cluster kubeconfig points at.
func NewClusterVersions(kubeconfig, namespace, name string) (*ClusterVersions, error) {
	if kubeconfig == "" {
		return nil, errors.New("no kubeconfig is configured to read the Cluster resource with")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
	}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
	}
	return &ClusterVersions{Client: client, Namespace: namespace, Name: name}, nil
}

// ClusterVersion implements VersionReader.
func (c *ClusterVersions) ClusterVersion(ctx context.Context) (spec, status string, err error) {
	obj, err := c.Client.Resource(ClusterGVR).Namespace(c.Namespace).Get(ctx, c.Name, metav1.GetOptions{})
	if err != nil {
		return "", "", err
	}
	return ParseClusterVersions(obj)
}

// ParseClusterVersions reads spec.anthosBareMetalVersion and
// status.anthosBareMetalVersion of a Cluster object; the spec's is
// required.
func ParseClusterVersions(obj *unstructured.Unstructured) (spec, status string, err error) {
	name := obj.GetNamespace() + "/" + obj.GetName()
	if gvk := obj.GroupVersionKind(); gvk.Group != ClusterGVR.Group || gvk.Kind != "Cluster" {
		return "", "", fmt.Errorf("%s is a %s, not a %s Cluster", name, gvk, ClusterGVR.Group)
	}
	spec, found, err := unstructured.NestedString(obj.Object, "spec", "anthosBareMetalVersion")
	if err != nil {
		return "", "", fmt.Errorf("Cluster %s: spec.anthosBareMetalVersion: %w", name, err)
	}
	if !found || spec == "" {
		return "", "", fmt.Errorf("Cluster %s has no spec.anthosBareMetalVersion", name)
	}
	status, _, err = unstructured.NestedString(obj.Object, "status", "anthosBareMetalVersion")
	if err != nil {
		return "", "", fmt.Errorf("Cluster %s: status.anthosBareMetalVersion: %w", name, err)
	}
	return spec, status, nil
}

// Verify checks that the Cluster resource's spec and status
// anthosBareMetalVersion are both target. (The nodes' versions, pods and
// workloads are kubehop's verify's business.)
func (b *BareMetal) Verify(ctx context.Context, target string) error {
	spec, status, err := b.clusterVersion(ctx)
	if err != nil {
		return b.errorf("verify: %w", err)
	}
	if !sameRelease(spec, target) || !sameRelease(status, target) {
		return b.errorf("verify: the Cluster resource is not at %s: spec.anthosBareMetalVersion %s, status.anthosBareMetalVersion %s", target, orNone(spec), orNone(status))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
