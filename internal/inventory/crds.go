package inventory

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

func readCRDs(ctx context.Context, c Clients, s *Snapshot, _ Options) error {
	return each(ctx, c.Dynamic.Resource(crdResource).List, metav1.ListOptions{}, func(u *unstructured.Unstructured) error {
		crd := CRD{Name: u.GetName()}
		crd.Group, _, _ = unstructured.NestedString(u.Object, "spec", "group")
		crd.Kind, _, _ = unstructured.NestedString(u.Object, "spec", "names", "kind")
		crd.Scope, _, _ = unstructured.NestedString(u.Object, "spec", "scope")
		crd.StoredVersions, _, _ = unstructured.NestedStringSlice(u.Object, "status", "storedVersions")
		versions, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
		for _, v := range versions {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			cv := CRDVersion{}
			cv.Name, _, _ = unstructured.NestedString(m, "name")
			cv.Served, _, _ = unstructured.NestedBool(m, "served")
			cv.Storage, _, _ = unstructured.NestedBool(m, "storage")
			cv.Deprecated, _, _ = unstructured.NestedBool(m, "deprecated")
			crd.Versions = append(crd.Versions, cv)
		}
		s.CRDs = append(s.CRDs, crd)
		return nil
	})
}
