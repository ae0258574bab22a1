package demo

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubehop/kubehop/internal/manifest"
)

// Every workload of the platform must land on a pool that exists, and the
// drain blocker the runbooks work around must be there.
func TestPlatformData(t *testing.T) {
	pools, err := Pools()
	if err != nil {
		t.Fatal(err)
	}
	preferences := map[string]bool{}
	for _, p := range pools {
		preferences[p.Labels["vantiq.com/workload-preference"]] = true
	}
	objs, err := manifest.Decode("platform/manifests.yaml", manifestsYAML)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, o := range objs {
		found[o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()] = true
		for _, path := range [][]string{
			{"spec", "template", "spec", "nodeSelector", "vantiq.com/workload-preference"},
			{"spec", "jobTemplate", "spec", "template", "spec", "nodeSelector", "vantiq.com/workload-preference"},
		} {
			if pref, ok, _ := unstructured.NestedString(o.Object, path...); ok && !preferences[pref] {
				t.Errorf("%s %s selects workload preference %q, which no pool has", o.GetKind(), o.GetName(), pref)
			}
		}
		if o.GetKind() == "PodDisruptionBudget" && o.GetName() == "telegraf-prom" {
			if v, _, _ := unstructured.NestedInt64(o.Object, "spec", "minAvailable"); v != 1 {
				t.Errorf("telegraf-prom PDB minAvailable = %d, want 1", v)
			}
		}
	}
	for _, want := range []string{
		"StatefulSet/vantiq/vantiq", "StatefulSet/vantiq/metrics-collector", "StatefulSet/vantiq/vision-analytics",
		"StatefulSet/vantiq/mongodb", "CronJob/vantiq/mongobackup", "StatefulSet/shared/keycloak",
		"Deployment/shared/telegraf-prom", "PodDisruptionBudget/shared/telegraf-prom", "DaemonSet/shared/telegraf-ds",
	} {
		if !found[want] {
			t.Errorf("platform lacks %s", want)
		}
	}
}
