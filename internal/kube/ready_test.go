package kube

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestReadiness(t *testing.T) {
	ready := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	now := metav1.Now()
	for name, tc := range map[string]struct {
		pod  corev1.Pod
		want bool
	}{
		"running and ready": {corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: ready}}, true},
		"pending":           {corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: ready}}, false},
		"not ready":         {corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning}}, false},
		"terminating":       {corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: ready}}, false},
	} {
		if got := PodHealthy(&tc.pod); got != tc.want {
			t.Errorf("%s: PodHealthy = %t", name, got)
		}
	}
	n := &corev1.Node{Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse}}}}
	if NodeReady(n) {
		t.Error("a NotReady node read as Ready")
	}
	n.Status.Conditions[0].Status = corev1.ConditionTrue
	if !NodeReady(n) {
		t.Error("a Ready node read as not Ready")
	}
}
