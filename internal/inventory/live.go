package inventory

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// lastApplied is the annotation kubectl apply records the applied object in.
const lastApplied = corev1.LastAppliedConfigAnnotation

// readLiveObjects lists the metadata of every object of every listable kind
// and keeps those whose last-applied configuration or managed fields record
// an API version other than the one they are served at.
func readLiveObjects(ctx context.Context, c Clients, s *Snapshot, opts Options) error {
	lists, err := c.Kube.Discovery().ServerPreferredResources()
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return err
	}
	seen := map[string]bool{}
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range list.APIResources {
			if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") || r.Name == "events" {
				continue
			}
			if opts.LiveKinds != nil && !opts.LiveKinds[r.Kind] {
				continue
			}
			gvr := gv.WithResource(r.Name)
			err := each(ctx, c.Metadata.Resource(gvr).List, metav1.ListOptions{}, func(m *metav1.PartialObjectMetadata) error {
				obj := LiveObject{APIVersion: list.GroupVersion, Kind: r.Kind, Namespace: m.Namespace, Name: m.Name}
				key := gv.Group + "/" + r.Kind + "/" + m.Namespace + "/" + m.Name
				if seen[key] {
					return nil
				}
				seen[key] = true
				obj.Recorded = recordedVersions(list.GroupVersion, m.ObjectMeta)
				if len(obj.Recorded) > 0 {
					s.LiveObjects = append(s.LiveObjects, obj)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// recordedVersions returns the API versions, other than served, that an
// object's metadata records.
func recordedVersions(served string, m metav1.ObjectMeta) []RecordedVersion {
	var out []RecordedVersion
	add := func(apiVersion, via string) {
		if apiVersion == "" || apiVersion == served {
			return
		}
		rv := RecordedVersion{APIVersion: apiVersion, Via: via}
		if !slices.Contains(out, rv) {
			out = append(out, rv)
		}
	}
	if raw, ok := m.Annotations[lastApplied]; ok {
		var applied struct {
			APIVersion string `json:"apiVersion"`
		}
		if json.Unmarshal([]byte(raw), &applied) == nil {
			add(applied.APIVersion, "last-applied-configuration")
		}
	}
	for _, mf := range m.ManagedFields {
		add(mf.APIVersion, "managedFields:"+mf.Manager)
	}
	slices.SortFunc(out, func(a, b RecordedVersion) int {
		return strings.Compare(a.APIVersion+" "+a.Via, b.APIVersion+" "+b.Via)
	})
	return out
}
